package registry_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
)

func ptr[T any](v T) *T { return &v }

// aliasDialects runs fn on SQLite and, with MLSEC_TEST_POSTGRES_URL, on a
// fresh PostgreSQL database.
func aliasDialects(t *testing.T, fn func(t *testing.T, s *registry.Service)) {
	dsns := pgtest.DSNs(t)
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			s := govService(t, dsn(t))
			setup(t, s)
			if _, err := s.SetGovernance(t.Context(), admin, "m", registry.GovernancePatch{
				Owners: map[registry.Responsibility][]string{registry.RespApprove: {"rev"}}}); err != nil {
				t.Fatal(err)
			}
			fn(t, s)
		})
	}
}

func TestAliasesDirectAndDecided(t *testing.T) {
	aliasDialects(t, func(t *testing.T, s *registry.Service) {
		ctx := t.Context()
		addVersion(t, s, "v2")
		addVersion(t, s, "v3")

		// Unprotected: maintainers move it; reviewers may not; protection is
		// for admins only.
		if _, _, err := s.SetAlias(ctx, reviewer, "m", "challenger", registry.AliasPut{Version: 1}); !errors.Is(err, registry.ErrForbidden) {
			t.Fatalf("reviewer moved an alias: %v", err)
		}
		if al, _, err := s.SetAlias(ctx, maintainer, "m", "challenger", registry.AliasPut{Version: 2, Reason: "try v2"}); err != nil || al.Version != 2 || al.Protected {
			t.Fatalf("create challenger: %+v %v", al, err)
		}
		if _, _, err := s.SetAlias(ctx, maintainer, "m", "challenger", registry.AliasPut{Version: 3, Expect: ptr(1)}); !errors.Is(err, registry.ErrConflict) {
			t.Fatalf("move with a stale expect: %v", err)
		}
		if al, _, err := s.SetAlias(ctx, maintainer, "m", "challenger", registry.AliasPut{Version: 3, Expect: ptr(2)}); err != nil || al.Version != 3 {
			t.Fatalf("move challenger: %+v %v", al, err)
		}
		if _, _, err := s.SetAlias(ctx, maintainer, "m", "champion", registry.AliasPut{Version: 1, Protected: ptr(true)}); !errors.Is(err, registry.ErrForbidden) {
			t.Fatalf("maintainer protected an alias: %v", err)
		}
		if _, _, err := s.SetAlias(ctx, maintainer, "m", "Bad Name", registry.AliasPut{Version: 1}); !errors.Is(err, registry.ErrInvalid) {
			t.Fatalf("bad alias name: %v", err)
		}

		// Protected: created by an admin, then no direct move, not even by
		// an admin.
		if al, _, err := s.SetAlias(ctx, admin, "m", "champion", registry.AliasPut{Version: 1, Protected: ptr(true)}); err != nil || !al.Protected {
			t.Fatalf("create protected champion: %+v %v", al, err)
		}
		for _, a := range []registry.Actor{maintainer, admin} {
			if _, _, err := s.SetAlias(ctx, a, "m", "champion", registry.AliasPut{Version: 2}); !errors.Is(err, registry.ErrForbidden) {
				t.Fatalf("direct move of a protected alias by %s: %v", a.Role, err)
			}
		}

		// Through a decision: pending until an approve owner (never the
		// requester) approves; then it moves in the same transaction.
		d, err := s.RequestDecision(ctx, maintainer, "m", 2, registry.NewRequest{Action: registry.ActionMoveAlias, Alias: "champion", Rationale: "v2 wins the A/B test"})
		if err != nil || d.Status != registry.RequestPending || d.Alias != "champion" || d.BaseVersion != 1 || d.Required != 1 {
			t.Fatalf("move_alias request: %+v %v", d, err)
		}
		if _, err := s.Approve(ctx, maintainer, d.ID, "self"); !errors.Is(err, registry.ErrForbidden) {
			t.Fatalf("requester approved: %v", err)
		}
		if al, _ := s.GetAlias(ctx, admin, "m", "champion"); al.Version != 1 {
			t.Fatalf("champion moved before approval: %+v", al)
		}
		if d, err = s.Approve(ctx, reviewer, d.ID, "ok"); err != nil || d.Status != registry.RequestExecuted {
			t.Fatalf("approve: %+v %v", d, err)
		}
		if al, _ := s.GetAlias(ctx, admin, "m", "champion"); al.Version != 2 || !al.Protected {
			t.Fatalf("champion after decision: %+v", al)
		}
		if v, _, _ := s.GetVersion(ctx, admin, "m", 2); v.Stage != registry.StageDevelopment {
			t.Fatalf("an alias move changed the version's stage: %s", v.Stage)
		}

		// The policy gates alias moves like promotions: failing tests deny.
		v3, _, _ := s.GetVersion(ctx, admin, "m", 3)
		addTestEvidence(t, s, v3, 2)
		if dd, err := s.RequestDecision(ctx, maintainer, "m", 3, registry.NewRequest{Action: registry.ActionMoveAlias, Alias: "champion", Rationale: "v3"}); err != nil ||
			dd.Status != registry.RequestDenied || len(dd.BlockedBy) == 0 || !strings.Contains(dd.BlockedBy[0], "GOV-TEST-001") {
			t.Fatalf("move_alias of a failing version: %+v %v", dd, err)
		}

		// History keeps both kinds of move, with the deciding request.
		h, _, err := s.AliasHistory(ctx, reviewer, "m", "champion", registry.Page{})
		if err != nil || len(h) != 2 {
			t.Fatalf("champion history: %+v %v", h, err)
		}
		if h[0].FromVersion != 0 || h[0].ToVersion != 1 || h[0].Request != 0 || h[0].Actor != "admin" ||
			h[1].FromVersion != 1 || h[1].ToVersion != 2 || h[1].Request != d.ID || h[1].Actor != "rev" || h[1].Reason != "v2 wins the A/B test" {
			t.Fatalf("champion history: %+v", h)
		}
		if h, _, _ := s.AliasHistory(ctx, reviewer, "m", "challenger", registry.Page{}); len(h) != 2 || h[1].FromVersion != 2 || h[1].ToVersion != 3 {
			t.Fatalf("challenger history: %+v", h)
		}
		// Every move is audited as alias.move.
		events, _, err := s.ListAudit(ctx, admin, registry.Page{Limit: registry.MaxLimit})
		moves := 0
		for _, e := range events {
			if e.Action == "alias.move" {
				moves++
			}
		}
		if err != nil || moves != 4 {
			t.Fatalf("%d alias.move audit events, want 4 (%v)", moves, err)
		}
	})
}

// TestAliasConflictingMoves approves two move_alias requests of the same
// protected alias at once: exactly one wins, the other is a conflict and
// ends superseded.
func TestAliasConflictingMoves(t *testing.T) {
	aliasDialects(t, func(t *testing.T, s *registry.Service) {
		ctx := t.Context()
		addVersion(t, s, "v2")
		addVersion(t, s, "v3")
		if _, _, err := s.SetAlias(ctx, admin, "m", "champion", registry.AliasPut{Version: 1, Protected: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, n := range []int{2, 3} {
			d, err := s.RequestDecision(ctx, maintainer, "m", n, registry.NewRequest{Action: registry.ActionMoveAlias, Alias: "champion", Rationale: "race"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		errs := make([]error, len(ids))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = s.Approve(ctx, reviewer, ids[i], "go")
			}()
		}
		close(start)
		wg.Wait()
		wins, winner := 0, 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins, winner = wins+1, i+2
			case errors.Is(err, registry.ErrConflict):
				if d, _ := s.GetDecisionRequest(ctx, admin, ids[i]); d.Status != registry.RequestSuperseded {
					t.Errorf("loser %d is %s", i, d.Status)
				}
			default:
				t.Errorf("approve %d: %v", i, err)
			}
		}
		al, _ := s.GetAlias(ctx, admin, "m", "champion")
		h, _, _ := s.AliasHistory(ctx, admin, "m", "champion", registry.Page{})
		if wins != 1 || al.Version != winner || len(h) != 2 {
			t.Fatalf("%d winners, champion %+v, history %+v (errors %v)", wins, al, h, errs)
		}
	})
}
