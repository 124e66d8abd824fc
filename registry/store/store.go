// Package store implements registry.Store on SQLite (modernc.org/sqlite, pure
// Go, WAL mode) and PostgreSQL (github.com/jackc/pgx/v5 through database/sql).
//
// One implementation serves both: queries are written once with '?'
// placeholders and rebound to $n for PostgreSQL; the schema lives in one
// migration tree per dialect (migrations/sqlite, migrations/postgres),
// embedded and applied on Open. SQLite uses a single-connection writer pool
// (SQLite allows one writer; BEGIN IMMEDIATE avoids upgrade deadlocks) and a
// separate read-only pool, so reads never queue behind writes.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/mlsec/mlsec/internal/sqldb"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"

	"github.com/mlsec/mlsec/registry"
)

// Dialect names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is a registry.Store over a SQL database.
type DB struct {
	dialect string
	w       *sql.DB // writes and transactions
	r       *sql.DB // reads outside transactions (== w on PostgreSQL)
	q               // reads through r
}

var _ registry.Store = (*DB)(nil)

// Open connects to dsn and applies pending migrations. A dsn starting with
// postgres:// or postgresql:// selects PostgreSQL; anything else is a SQLite
// database file path (or a sqlite:PATH / file:PATH URI), created if missing.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var db *DB
	var err error
	if sqldb.IsPostgres(dsn) {
		db, err = openPostgres(dsn)
	} else {
		db, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openPostgres(dsn string) (*DB, error) {
	d, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	d.SetMaxOpenConns(32)
	d.SetMaxIdleConns(32)
	d.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{dialect: Postgres, w: d, r: d}
	db.q = q{db: d, d: Postgres}
	return db, nil
}

func openSQLite(dsn string) (*DB, error) {
	path := sqldb.SQLitePath(dsn)
	if path == "" {
		return nil, fmt.Errorf("open sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	if err := ownerOnly(path); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	// Create the file and switch it to WAL before the read pool opens it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db := &DB{dialect: SQLite, w: w, r: r}
	db.q = q{db: r, d: SQLite, stmts: newStmtCache(r)}
	return db, nil
}

// ownerOnly creates the database file 0600 before SQLite opens it (SQLite
// gives its -wal and -shm files the database file's mode) and takes group
// and other permissions away from an existing one: it holds every token
// hash, decision and sealed secret of the registry.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

// Dialect returns SQLite or Postgres.
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.w.PingContext(ctx) }

// Close closes both pools.
func (db *DB) Close() error {
	if db.q.stmts != nil {
		db.q.stmts.close()
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Tx runs fn in a transaction and commits it if fn returns nil.
func (db *DB) Tx(ctx context.Context, fn func(registry.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if db.dialect == SQLite {
		// Row changes noted by a writer other than the registry (by hand)
		// must never be sealed by this transaction (sealed.go).
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit_row_changes`); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("begin: %w", err)
		}
	}
	if err := fn(&txn{q: q{db: tx, d: db.dialect}}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q runs dialect-neutral queries ('?' placeholders) on a querier.
type q struct {
	db querier
	d  string
	// stmts, if set, prepares and keeps reads (the SQLite read pool).
	stmts *stmtCache
}

// txn is a registry.Tx: q plus the write methods.
type txn struct{ q }

var _ registry.Tx = (*txn)(nil)

func (x q) rebind(query string) string {
	if x.d != Postgres {
		return query
	}
	return sqldb.Rebind(query)
}

func (x q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return x.db.ExecContext(ctx, x.rebind(query), args...)
}

func (x q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if x.stmts != nil {
		if st := x.stmts.get(ctx, query); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return x.db.QueryContext(ctx, x.rebind(query), args...)
}

func (x q) row(ctx context.Context, query string, args ...any) *sql.Row {
	if x.stmts != nil {
		if st := x.stmts.get(ctx, query); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return x.db.QueryRowContext(ctx, x.rebind(query), args...)
}

// insertID runs an INSERT ... RETURNING id (both dialects support it).
func (x q) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := x.row(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// isUnique reports whether err is a unique or primary-key violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == 2067 || se.Code() == 1555 // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
	}
	return false
}

// isForeignKey reports whether err is a foreign-key violation.
func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == 787 // SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// wrap turns driver errors into registry error kinds.
func wrap(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, registry.ErrNotFound)
	case isUnique(err):
		return fmt.Errorf("%s: %w", what, registry.ErrExists)
	case isForeignKey(err):
		return fmt.Errorf("%s: %w: references a missing row", what, registry.ErrInvalid)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// now returns the current time as stored: UTC, microsecond precision (what
// PostgreSQL keeps), so values round-trip exactly on both dialects.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTime converts an optional time for storage.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return norm(*t)
}

// timePtr converts a scanned sql.NullTime.
func timePtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}
