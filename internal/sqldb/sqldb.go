// Package sqldb holds what the registry's store and the gateway's log store
// share about their two SQL dialects: which one a DSN names (and a SQLite
// DSN's file), and how a
// query written with SQLite's '?' placeholders is rewritten for
// PostgreSQL. The stores keep their own schemas and pragmas.
package sqldb

import (
	"strconv"
	"strings"
)

// IsPostgres reports whether dsn is a PostgreSQL URL (postgres:// or
// postgresql://); anything else is a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLitePath is the file of a SQLite DSN: dsn without a "sqlite:" or
// "file:" scheme and without a "?query" of connection options.
func SQLitePath(dsn string) string {
	p := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

// Rebind rewrites the '?' placeholders of query as PostgreSQL's $1, $2, ...
// Queries never hold a literal '?' (values are always parameters).
func Rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}
