package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestMigration0005KeepsDecisions upgrades a v4 SQLite database holding a
// decision and its approval: 0005 rebuilds decision_requests (to allow
// move_alias) without losing rows or the approvals' foreign key.
func TestMigration0005KeepsDecisions(t *testing.T) {
	ctx := context.Background()
	db, path := sqliteBefore(t, 5)
	for _, s := range []string{
		`INSERT INTO models (name, created_at, updated_at) VALUES ('m', '2026-01-01', '2026-01-01')`,
		`INSERT INTO model_versions (model_id, number, digest, state, created_at) VALUES (1, 1, 'd1', 'ready', '2026-01-01')`,
		`INSERT INTO decision_requests (model_id, version_id, action, stage, rationale, requested_by, created_at, status)
			VALUES (1, 1, 'promote', 'production', 'why', 'bob', '2026-01-01', 'pending')`,
		`INSERT INTO decision_approvals (request_id, principal, actor, verdict, created_at) VALUES (1, 'alice', 'alice', 'approve', '2026-01-01')`,
	} {
		if _, err := db.w.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	d, err := db.GetDecisionRequest(ctx, 1)
	if err != nil || d.Rationale != "why" || d.Alias != "" {
		t.Fatalf("request after upgrade: %+v %v", d, err)
	}
	if aps, err := db.ListApprovals(ctx, 1); err != nil || len(aps) != 1 || aps[0].Principal != "alice" {
		t.Fatalf("approvals after upgrade: %+v %v", aps, err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO decision_approvals (request_id, principal, actor, verdict, created_at)
		VALUES (99, 'x', 'x', 'approve', '2026-01-01')`); err == nil {
		t.Fatal("approvals lost their foreign key to decision_requests")
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO decision_requests (model_id, version_id, action, stage, rationale, requested_by, created_at, status, alias)
		VALUES (1, 1, 'move_alias', 'production', 'why', 'bob', '2026-01-01', 'pending', 'champion')`); err != nil {
		t.Fatalf("move_alias refused after upgrade: %v", err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO decision_requests (model_id, version_id, action, stage, rationale, requested_by, created_at, status)
		VALUES (1, 1, 'bogus', 'production', 'why', 'bob', '2026-01-01', 'pending')`); err == nil {
		t.Fatal("the action CHECK was lost")
	}
}

// sqliteBefore creates a SQLite registry database with every migration
// before version applied, to test an upgrade from there; it returns the
// database and its file.
func sqliteBefore(t *testing.T, version int) (*DB, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := openSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version < version {
			if err := db.apply(ctx, m); err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
		}
	}
	return db, path
}
