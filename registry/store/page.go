package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/registry"
)

// Cursors are opaque to clients: base64url of "c1:<last id>". Pages are
// keyset pages in ascending id order, so they are stable under inserts.

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c1:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if s, ok := strings.CutPrefix(string(b), "c1:"); ok {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && id >= 0 {
				return id, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: malformed cursor", registry.ErrInvalid)
}

// limitOf clamps a requested page size.
func limitOf(p registry.Page) int {
	switch {
	case p.Limit <= 0:
		return registry.DefaultLimit
	case p.Limit > registry.MaxLimit:
		return registry.MaxLimit
	}
	return p.Limit
}

// where accumulates AND-ed conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// page prepares keyset pagination on idCol: it adds the cursor condition
// and returns the LIMIT to query (one extra row tells whether more exist).
func (w *where) page(p registry.Page, idCol string) (int, error) {
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return 0, err
	}
	if after > 0 {
		w.add(idCol+" > ?", after)
	}
	return limitOf(p), nil
}

// next trims the extra row and returns the cursor for the following page.
func next[T any](rows []T, limit int, id func(T) int64) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, encodeCursor(id(rows[len(rows)-1]))
}
