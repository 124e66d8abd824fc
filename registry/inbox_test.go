package registry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
)

// TestAwaitsVote: "waiting for me" is the vote rule itself. Under a
// two-approval rule the request waits for each approver until they vote;
// it never waits for the requester, a non-approver or a reader of another
// team; and for every actor the inbox's answer agrees with what Approve
// does. SQLite and PostgreSQL.
func TestAwaitsVote(t *testing.T) {
	for name, dsn := range pgtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := govService(t, dsn(t))
			ctx := t.Context()
			setup(t, s)
			if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{
				Owners:        map[registry.Responsibility][]string{registry.RespApprove: {"rev", "rev2", "rev-b"}, registry.RespRollback: {"rev"}},
				ApprovalRules: []registry.ApprovalRule{{Stage: registry.StageProduction, Required: 2}}}); err != nil {
				t.Fatal(err)
			}
			d, err := s.RequestDecision(ctx, maintainer, "m", 1, registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageProduction, Rationale: "ship"})
			if err != nil || d.Status != registry.RequestPending {
				t.Fatalf("request: %+v %v", d, err)
			}
			rev2 := registry.Actor{Name: "token:13:rev2", Person: "rev2", Role: registry.RoleReviewer}
			other := registry.Actor{Name: "token:14:other", Role: registry.RoleReviewer}
			// An approver by name whose token is scoped to another team.
			revB := registry.Actor{Name: "token:15:rev-b", Role: registry.RoleReviewer, ScopeTeam: "team-b"}
			waiting := func(a registry.Actor) bool {
				t.Helper()
				ds, _, err := s.ListAwaitingRequests(ctx, a, registry.Page{})
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range ds {
					if x.ID == d.ID {
						return true
					}
				}
				return false
			}
			why := func(a registry.Actor) error {
				t.Helper()
				got, err := s.GetDecisionRequest(ctx, a, d.ID)
				if err != nil {
					return err
				}
				return s.AwaitsVote(a, got)
			}
			for _, c := range []struct {
				a    registry.Actor
				want bool
				kind error
				says string
			}{
				{reviewer, true, nil, ""},
				{rev2, true, nil, ""},
				{maintainer, false, registry.ErrForbidden, "separation of duties"},
				{other, false, registry.ErrForbidden, "not an approver"},
				{revB, false, registry.ErrForbidden, ""},
			} {
				if got := waiting(c.a); got != c.want {
					t.Errorf("%s: waiting %v, want %v", c.a.Name, got, c.want)
				}
				err := why(c.a)
				if (c.kind == nil) != (err == nil) || (c.kind != nil && (!errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.says))) {
					t.Errorf("%s: AwaitsVote %v, want %v %q", c.a.Name, err, c.kind, c.says)
				}
				if c.kind != nil {
					// The same answer as the vote itself.
					if _, verr := s.Approve(ctx, c.a, d.ID, "try"); !errors.Is(verr, c.kind) {
						t.Errorf("%s: Approve %v, inbox said %v", c.a.Name, verr, err)
					}
				}
			}
			if _, err := s.Approve(ctx, reviewer, d.ID, "first"); err != nil {
				t.Fatal(err)
			}
			if waiting(reviewer) || !errors.Is(why(reviewer), registry.ErrConflict) || !waiting(rev2) {
				t.Errorf("after rev's vote: rev waiting %v (%v), rev2 waiting %v", waiting(reviewer), why(reviewer), waiting(rev2))
			}
			if _, err := s.Approve(ctx, rev2, d.ID, "second"); err != nil {
				t.Fatal(err)
			}
			if waiting(rev2) || waiting(reviewer) {
				t.Error("an executed request still waits")
			}
		})
	}
}

// TestAwaitsVoteQuorumReached: a pending request that has the approvals it
// needs (it waits for an exception owner's acceptance) no longer waits for
// another approver, but still waits for the owner.
func TestAwaitsVoteQuorumReached(t *testing.T) {
	t.Parallel()
	s := newService(t)
	d := registry.DecisionRequest{ID: 9, Model: "m", Status: registry.RequestPending, Action: registry.ActionGrantException, RequestedBy: "maint",
		Owner: "risk", Required: 1, Approvers: []string{"rev", "rev2"},
		Approvals: []registry.Approval{{Principal: "rev", Verdict: "approve", Kind: registry.KindApproval}}}
	rev2 := registry.Actor{Name: "token:13:rev2", Person: "rev2", Role: registry.RoleReviewer}
	if err := s.AwaitsVote(rev2, d); !errors.Is(err, registry.ErrVoteNotNeeded) {
		t.Errorf("second approver after quorum: %v", err)
	}
	if err := s.AwaitsVote(registry.Actor{Name: "token:16:risk", Role: registry.RoleReviewer}, d); err != nil {
		t.Errorf("the exception's owner: %v", err)
	}
}
