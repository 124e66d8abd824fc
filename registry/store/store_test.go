package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
)

// The conformance suite: every case runs against SQLite, and against
// PostgreSQL when MLSEC_TEST_POSTGRES_URL is set (.ci/postgres.sh starts a
// throwaway cluster and prints it). Each case gets a fresh database.

type dialectCase struct {
	name string
	open func(t *testing.T) string // returns a DSN for a fresh database
}

func dialects(t *testing.T) []dialectCase {
	ds := []dialectCase{{SQLite, func(t *testing.T) string {
		return filepath.Join(t.TempDir(), "registry.db")
	}}}
	if u := pgtest.URL(t); u != "" {
		ds = append(ds, dialectCase{Postgres, func(t *testing.T) string { return pgtest.Fresh(t, u) }})
	}
	return ds
}

// forEachDialect runs fn against a fresh store of every dialect.
func forEachDialect(t *testing.T, fn func(t *testing.T, db *DB)) {
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			db, err := Open(t.Context(), d.open(t))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, db)
		})
	}
}

func mustTx(t *testing.T, db *DB, fn func(tx registry.Tx) error) {
	t.Helper()
	if err := db.Tx(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}

func digest(s string) string {
	return fmt.Sprintf("%064x", []byte(s))[:64]
}

// seed creates a model "m" with one pending version and returns both.
func seed(t *testing.T, db *DB) (registry.Model, registry.Version) {
	t.Helper()
	m := registry.Model{Name: "m", Team: "t1", Tags: []string{"prod", "llm"}}
	v := registry.Version{Digest: digest("v1")}
	mustTx(t, db, func(tx registry.Tx) error {
		if err := tx.CreateModel(t.Context(), &m); err != nil {
			return err
		}
		v.ModelID = m.ID
		return tx.CreateVersion(t.Context(), &v)
	})
	return m, v
}

func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want %v", err, kind)
	}
}

func TestStoreConformance(t *testing.T) {
	for _, tc := range conformanceCases {
		t.Run(tc.name, func(t *testing.T) { forEachDialect(t, tc.fn) })
	}
}

func TestStoreReopenKeepsDataAndMigratesOnce(t *testing.T) {
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			dsn := d.open(t)
			db, err := Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			seed(t, db)
			db.Close()
			db, err = Open(t.Context(), dsn)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer db.Close()
			if _, err := db.GetModel(t.Context(), "m"); err != nil {
				t.Fatalf("model lost after reopen: %v", err)
			}
			var n int
			if err := db.r.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != SchemaVersion() {
				t.Fatalf("schema_migrations rows = %d (%v), want %d", n, err, SchemaVersion())
			}
		})
	}
}

func TestStoreOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, ""); err == nil {
		t.Fatal("empty DSN opened")
	}
	if _, err := Open(ctx, "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=1"); err == nil {
		t.Fatal("unreachable PostgreSQL opened")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.db"), []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, filepath.Join(dir, "bad.db")); err == nil {
		t.Fatal("garbage file opened as a database")
	}
}

func TestCursor(t *testing.T) {
	for _, c := range []string{"x", "YzE6LTE", encodeCursor(5) + "!"} {
		if _, err := decodeCursor(c); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("decodeCursor(%q) = %v, want ErrInvalid", c, err)
		}
	}
	if id, err := decodeCursor(encodeCursor(42)); err != nil || id != 42 {
		t.Fatalf("round trip = %d, %v", id, err)
	}
}

// TestLineageSourcesUseIndex: "which versions trained on this dataset"
// finds the edges through the lineage_target index, not a scan of every
// edge (SQLite's plan; PostgreSQL has the same index from 0001_init).
func TestLineageSourcesUseIndex(t *testing.T) {
	t.Parallel()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rows, err := db.r.QueryContext(t.Context(), `EXPLAIN QUERY PLAN SELECT l.version_id FROM lineage_edges l WHERE l.target = ? AND l.kind = ?`, "x", "trained_on")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "USING INDEX lineage_target") {
		t.Errorf("plan %q does not use lineage_target", p)
	}
}
