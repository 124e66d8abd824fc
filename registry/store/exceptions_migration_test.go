package store

import (
	"context"
	"testing"
)

// TestMigration0006KeepsDecisions upgrades a v5 SQLite database with a
// decision and its approval: both survive the rebuild of decision_requests,
// grant_exception is accepted, unknown actions are still refused and the
// approvals keep their foreign key.
func TestMigration0006KeepsDecisions(t *testing.T) {
	ctx := context.Background()
	db, path := sqliteBefore(t, 6)
	for _, s := range []string{
		`INSERT INTO models (name, created_at, updated_at) VALUES ('m', '2026-01-01', '2026-01-01')`,
		`INSERT INTO model_versions (model_id, number, digest, state, created_at) VALUES (1, 1, 'd1', 'ready', '2026-01-01')`,
		`INSERT INTO decision_requests (model_id, version_id, action, stage, rationale, requested_by, created_at, status, alias)
			VALUES (1, 1, 'move_alias', 'production', 'why', 'bob', '2026-01-01', 'pending', 'champion')`,
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
	if err != nil || d.Rationale != "why" || d.Alias != "champion" || d.Rule != "" {
		t.Fatalf("request after upgrade: %+v %v", d, err)
	}
	if aps, err := db.ListApprovals(ctx, 1); err != nil || len(aps) != 1 || aps[0].Principal != "alice" {
		t.Fatalf("approvals after upgrade: %+v %v", aps, err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO decision_approvals (request_id, principal, actor, verdict, created_at)
		VALUES (99, 'x', 'x', 'approve', '2026-01-01')`); err == nil {
		t.Fatal("approvals lost their foreign key to decision_requests")
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO decision_requests (model_id, version_id, action, stage, rationale, requested_by, created_at,
		status, exception_rule, exception_owner, exception_expires)
		VALUES (1, 1, 'grant_exception', 'production', 'why', 'bob', '2026-01-01', 'pending', 'MLSEC-SCAN-002', 'bob', '2027-01-31')`); err != nil {
		t.Fatalf("grant_exception refused after upgrade: %v", err)
	}
	if d, err := db.GetDecisionRequest(ctx, 2); err != nil || d.Rule != "MLSEC-SCAN-002" || d.Owner != "bob" || d.Expires != "2027-01-31" {
		t.Fatalf("exception request: %+v %v", d, err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO decision_requests (model_id, version_id, action, stage, rationale, requested_by, created_at, status)
		VALUES (1, 1, 'bogus', 'production', 'why', 'bob', '2026-01-01', 'pending')`); err == nil {
		t.Fatal("the action CHECK was lost")
	}
}
