package registry_test

import (
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
)

// TestGovernanceFloor is S3: one maintainer alone tried to lower the
// production rule to zero, name themselves approve and rollback owner,
// grant themselves an exception, promote, move a protected alias and have
// an owner who never agreed own an exception. Each step now needs someone
// else. SQLite and PostgreSQL.
func TestGovernanceFloor(t *testing.T) {
	for name, dsn := range pgtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s, _ := excService(t, dsn(t))
			ctx := t.Context()
			v1 := setup(t, s)
			addTestEvidence(t, s, v1, 2) // MLSEC-SCAN-002 in scanPolicy denies it
			mallory := registry.Actor{Name: "token:5:mallory", Person: "mallory", Role: registry.RoleMaintainer}

			// The rules: no zero-approval production, no self-nomination.
			_, err := s.SetGovernance(ctx, mallory, "m", registry.GovernancePatch{ApprovalRules: []registry.ApprovalRule{
				{Stage: registry.StageProduction, Required: 0}}, Rationale: "speed"})
			wantErr(t, "production rule lowered to 0", err, registry.ErrInvalid)
			for _, r := range []registry.Responsibility{registry.RespApprove, registry.RespRollback} {
				_, err = s.SetGovernance(ctx, mallory, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{r: {"MALLORY"}}, Rationale: "me"})
				wantErr(t, "mallory names herself "+string(r)+" owner", err, registry.ErrForbidden)
			}
			_, err = s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{ApprovalRules: []registry.ApprovalRule{
				{Stage: registry.StageStaging, Required: 1, Approvers: []string{"admin"}}}})
			wantErr(t, "an admin names itself approver", err, registry.ErrForbidden)
			// Someone else names the owners; mallory's own later changes of
			// approvers and lowering rules are decisions she cannot approve.
			if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{
				registry.RespApprove: {"rev", "role:admin"}, registry.RespRollback: {"rev"}}, ApprovalRules: []registry.ApprovalRule{
				{Stage: registry.StageProduction, Required: 2}}}); err != nil {
				t.Fatal(err)
			}
			c, err := s.SetGovernance(ctx, mallory, "m", registry.GovernancePatch{ApprovalRules: []registry.ApprovalRule{
				{Stage: registry.StageProduction, Required: 1}}, Rationale: "two is slow"})
			if err != nil || c.Request == nil || c.Request.Status != registry.RequestPending || !containsAll(c.Request.Approvers, "role:admin", "rev") {
				t.Fatalf("mallory lowers the rule: %+v %v", c, err)
			}
			_, err = s.Approve(ctx, mallory, c.Request.ID, "")
			wantErr(t, "mallory approves her own governance change", err, registry.ErrForbidden)
			if c, err := s.SetGovernance(ctx, mallory, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{
				registry.RespTrain: {"mallory"}}}); err != nil || c.Governance == nil {
				t.Fatalf("a train owner (no approval power) is set directly: %+v %v", c, err)
			}

			// An exception: never executed at once, the owner must accept.
			grant := registry.NewRequest{Action: registry.ActionGrantException, Rule: "MLSEC-SCAN-002", Expires: "2027-01-31",
				Owner: "carol", Rationale: "fixture"}
			g, err := s.RequestDecision(ctx, mallory, "m", 1, grant)
			if err != nil || g.Status != registry.RequestPending || g.Required != 2 || !hasBlock(g, "acceptance: carol") {
				t.Fatalf("exception request: %+v %v", g, err)
			}
			rev2 := registry.Actor{Name: "token:8:rev2", Person: "rev2", Role: registry.RoleAdmin}
			for _, a := range []registry.Actor{reviewer, rev2} {
				if g, err = s.Approve(ctx, a, g.ID, "ok"); err != nil {
					t.Fatal(err)
				}
			}
			if g.Status != registry.RequestPending || !hasBlock(g, "acceptance: carol") {
				t.Fatalf("two approvals without carol's acceptance: %+v", g)
			}
			carol := registry.Actor{Name: "token:6:carol", Person: "carol", Role: registry.RoleReviewer}
			if g, err = s.Approve(ctx, carol, g.ID, "I own it"); err != nil || g.Status != registry.RequestExecuted ||
				g.Approvals[len(g.Approvals)-1].Kind != registry.KindAcceptance {
				t.Fatalf("carol accepts: %+v %v", g, err)
			}
			// A rule stored at zero before the floor still needs one approval.
			if err := s.Store().Tx(ctx, func(tx registry.Tx) error {
				m, _ := tx.GetModel(ctx, "m")
				return tx.(registry.GovernanceTx).SetApprovalRule(ctx, m.ID, registry.ApprovalRule{Stage: registry.StageProduction}, "legacy")
			}); err != nil {
				t.Fatal(err)
			}
			p, err := s.RequestDecision(ctx, mallory, "m", 1, registry.NewRequest{Action: registry.ActionPromote, Rationale: "ship"})
			if err != nil || p.Status != registry.RequestPending || p.Required != 1 {
				t.Fatalf("promotion under a zero rule: %+v %v", p, err)
			}

			// Protected alias: a direct move is refused, the decision needs
			// another person, and unprotecting is a decision for admins too.
			if _, _, err := s.SetAlias(ctx, admin, "m", "champion", registry.AliasPut{Version: 1, Protected: ptr(true)}); err != nil {
				t.Fatal(err)
			}
			v2 := addVersion(t, s, "two")
			mv, err := s.RequestDecision(ctx, mallory, "m", v2.Number, registry.NewRequest{Action: registry.ActionMoveAlias, Alias: "champion", Rationale: "v2"})
			if err != nil || mv.Status != registry.RequestPending || mv.Required < 1 {
				t.Fatalf("move of a protected alias: %+v %v", mv, err)
			}
			_, un, err := s.SetAlias(ctx, admin, "m", "champion", registry.AliasPut{Protected: ptr(false), Reason: "moving it myself"})
			if err != nil || un == nil || un.Status != registry.RequestPending || un.Action != registry.ActionUnprotectAlias {
				t.Fatalf("an admin unprotects: %+v %v", un, err)
			}
			_, err = s.Approve(ctx, registry.Actor{Name: "token:9:admin", Role: registry.RoleAdmin}, un.ID, "")
			wantErr(t, "the admin approves its own unprotect", err, registry.ErrForbidden)
			if al, _ := s.GetAlias(ctx, auditor, "m", "champion"); !al.Protected {
				t.Fatal("the alias lost its protection without a second person")
			}
			if d, err := s.Approve(ctx, reviewer, un.ID, "ok"); err != nil || d.Status != registry.RequestExecuted {
				t.Fatalf("an approve owner approves the unprotect: %+v %v", d, err)
			}
			if al, _ := s.GetAlias(ctx, auditor, "m", "champion"); al.Protected {
				t.Fatal("the approved unprotect did not apply")
			}
		})
	}
}

func hasBlock(d registry.DecisionRequest, prefix string) bool {
	for _, b := range d.BlockedBy {
		if strings.HasPrefix(b, prefix) {
			return true
		}
	}
	return false
}

func containsAll(l []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range l {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}
