package registry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
)

// TestGovernanceQuorum: a production rule of two approvals executes on
// the second distinct approver, not one short; one person voting twice
// (the same token, or another token of the same person spelled in another
// case) is refused by the service with "already voted" and counts once.
// SQLite and PostgreSQL.
func TestGovernanceQuorum(t *testing.T) {
	for name, dsn := range pgtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := govService(t, dsn(t))
			ctx := t.Context()
			setup(t, s)
			if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{
				Owners:        map[registry.Responsibility][]string{registry.RespApprove: {"rev", "rev2"}, registry.RespRollback: {"rev"}},
				ApprovalRules: []registry.ApprovalRule{{Stage: registry.StageProduction, Required: 2}}}); err != nil {
				t.Fatal(err)
			}
			d, err := s.RequestDecision(ctx, maintainer, "m", 1, registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageProduction, Rationale: "ship"})
			if err != nil || d.Status != registry.RequestPending || d.Required != 2 || !hasBlock(d, "approvals: 2 more needed") {
				t.Fatalf("request under a two-approval rule: %+v %v", d, err)
			}
			if d, err = s.Approve(ctx, reviewer, d.ID, "first"); err != nil || d.Status != registry.RequestPending || !hasBlock(d, "approvals: 1 more needed") {
				t.Fatalf("one approval of two: %+v %v", d, err)
			}
			if stageOf(t, s, 1) == registry.StageProduction {
				t.Fatal("promoted one approval short of the rule")
			}
			sameAgain := registry.Actor{Name: "token:12:rev-laptop", Person: "REV", Role: registry.RoleReviewer}
			for _, a := range []registry.Actor{reviewer, sameAgain} {
				_, err := s.Approve(ctx, a, d.ID, "again")
				if !errors.Is(err, registry.ErrConflict) || !strings.Contains(err.Error(), "already voted") {
					t.Fatalf("%s votes twice: %v, want the service's %q conflict", a.Name, err, "already voted")
				}
			}
			if d, err = s.GetDecisionRequest(ctx, auditor, d.ID); err != nil || d.Status != registry.RequestPending || len(d.Approvals) != 1 {
				t.Fatalf("after the repeated votes: %+v %v", d, err)
			}
			rev2 := registry.Actor{Name: "token:13:rev2", Person: "rev2", Role: registry.RoleReviewer}
			if d, err = s.Approve(ctx, rev2, d.ID, "second"); err != nil || d.Status != registry.RequestExecuted || len(d.Approvals) != 2 {
				t.Fatalf("second distinct approver: %+v %v", d, err)
			}
			if stageOf(t, s, 1) != registry.StageProduction {
				t.Fatal("two approvals did not promote")
			}
		})
	}
}
