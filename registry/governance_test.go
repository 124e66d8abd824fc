package registry_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/policyeval"
	"github.com/mlsec/mlsec/registry/store"
)

// testPolicy denies a version whose test evidence has failures (GOV-TEST-001).
const testPolicy = `package mlsec.gate

import rego.v1

deny contains {"id": "GOV-TEST-001", "msg": sprintf("%d failing tests", [e.result.failed])} if {
	some e in input.evidence
	e.type == "test"
	e.result.failed > 0
}
`

func govService(t *testing.T, dsn string) *registry.Service {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gate.rego"), []byte(testPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err := policyeval.New(t.Context(), policy.Options{Dirs: []string{dir}, NoDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	if dsn == "" {
		dsn = filepath.Join(t.TempDir(), "r.db")
	}
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return registry.NewService(db, registry.WithPolicy(eng))
}

// addVersion creates and finalizes a one-file version of m with content data.
func addVersion(t *testing.T, s *registry.Service, data string) registry.Version {
	t.Helper()
	return addVersionOf(t, s, "m", data)
}

// addVersionOf creates and finalizes a one-file version of model with
// content data.
func addVersionOf(t *testing.T, s *registry.Service, model, data string) registry.Version {
	t.Helper()
	ctx := t.Context()
	v, _, err := s.CreateVersion(ctx, maintainer, model, registry.NewVersion{Artifacts: []registry.Artifact{{Path: "w.bin", Size: int64(len(data)), SHA256: sum(data)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordBlob(ctx, maintainer, registry.Blob{SHA256: sum(data), Size: int64(len(data)), Key: "k" + data}); err != nil {
		t.Fatal(err)
	}
	if v, err = s.FinalizeVersion(ctx, maintainer, model, v.Number); err != nil {
		t.Fatal(err)
	}
	finishAnalysis(t, s)
	v.Analysis = registry.AnalysisComplete
	return v
}

// finishAnalysis marks every queued job done, as a worker that found
// nothing to add would: these tests post the evidence they need themselves
// and have no blob store to analyse.
func finishAnalysis(t *testing.T, s *registry.Service) {
	t.Helper()
	ctx := t.Context()
	for {
		var j registry.Job
		var ok bool
		err := s.Store().Tx(ctx, func(tx registry.Tx) (err error) {
			j, ok, err = tx.ClaimJob(ctx, "test", time.Now(), time.Minute)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		if err := s.Store().Tx(ctx, func(tx registry.Tx) error { return tx.FinishJob(ctx, j.ID, "test", "", time.Now()) }); err != nil {
			t.Fatal(err)
		}
	}
}

func addTestEvidence(t *testing.T, s *registry.Service, v registry.Version, failed int) {
	t.Helper()
	rec, err := evidence.New(evidence.TypeTest, evidence.NewSubject("m", v.Digest), "1", time.Now(), map[string]any{"suite": "unit", "passed": 3, "failed": failed})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := recJSON(rec)
	if _, err := s.AddEvidence(t.Context(), maintainer, "m", v.Number, raw, nil); err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: %v, want %v", what, err, kind)
	}
}

func stageOf(t *testing.T, s *registry.Service, n int) registry.Stage {
	t.Helper()
	v, _, err := s.GetVersion(t.Context(), admin, "m", n)
	if err != nil {
		t.Fatal(err)
	}
	return v.Stage
}

func TestGovernanceDecisions(t *testing.T) {
	s := govService(t, "")
	ctx := t.Context()
	v1 := setup(t, s)
	promote := registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageProduction, Rationale: "beats v0 on the holdout set"}

	// Owners: no approve owner, no promotion; only writers set owners.
	_, err := s.RequestDecision(ctx, maintainer, "m", 1, promote)
	wantErr(t, "request without approve owner", err, registry.ErrConflict)
	owners := registry.GovernancePatch{Owners: map[registry.Responsibility][]string{
		registry.RespApprove: {"rev", "role:admin"}, registry.RespRollback: {"rev"}, registry.RespTrain: {"maint"}}}
	_, err = s.SetGovernance(ctx, reviewer, "m", owners)
	wantErr(t, "reviewer sets owners", err, registry.ErrForbidden)
	_, err = s.SetGovernance(ctx, maintainer, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{"deploy": {"x"}}})
	wantErr(t, "unknown responsibility", err, registry.ErrInvalid)
	_, err = s.SetGovernance(ctx, maintainer, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{registry.RespApprove: {"role:boss"}}})
	wantErr(t, "unknown role", err, registry.ErrInvalid)
	// A maintainer naming approvers and rollback owners opens a decision
	// (the governance floor) that an admin, not the maintainer, approves.
	_, err = s.SetGovernance(ctx, maintainer, "m", owners)
	wantErr(t, "governance change without rationale", err, registry.ErrInvalid)
	owners.Rationale = "rev reviews fraud models"
	c, err := s.SetGovernance(ctx, maintainer, "m", owners)
	if err != nil || c.Governance != nil || c.Request == nil || c.Request.Status != registry.RequestPending ||
		c.Request.Action != registry.ActionChangeGovernance || c.Request.Required != 1 {
		t.Fatalf("maintainer's governance change: %+v %v", c, err)
	}
	_, err = s.Approve(ctx, maintainer, c.Request.ID, "")
	wantErr(t, "requester approves its own governance change", err, registry.ErrForbidden)
	if d, err := s.Approve(ctx, admin, c.Request.ID, "ok"); err != nil || d.Status != registry.RequestExecuted {
		t.Fatalf("admin approves the governance change: %+v %v", d, err)
	}
	g, err := s.GetGovernance(ctx, auditor, "m")
	if err != nil || strings.Join(g.Owners[registry.RespApprove], ",") != "rev,role:admin" || len(g.Owners[registry.RespRetire]) != 0 {
		t.Fatalf("owners %+v %v", g, err)
	}
	if r := g.ApprovalRules[1]; r.Stage != registry.StageProduction || r.Required != 1 {
		t.Fatalf("default production rule %+v", g.ApprovalRules)
	}

	// A request needs a rationale and a writer.
	_, err = s.RequestDecision(ctx, maintainer, "m", 1, registry.NewRequest{Action: registry.ActionPromote, Rationale: "  "})
	wantErr(t, "no rationale", err, registry.ErrInvalid)
	_, err = s.RequestDecision(ctx, reviewer, "m", 1, promote)
	wantErr(t, "reviewer requests", err, registry.ErrForbidden)
	d, err := s.RequestDecision(ctx, maintainer, "m", 1, promote)
	if err != nil || d.Status != registry.RequestPending || d.Required != 1 || d.BaseVersion != 0 || len(d.BlockedBy) != 1 ||
		!strings.Contains(d.BlockedBy[0], "1 more needed") || d.Policy == nil || !d.Policy.Allowed {
		t.Fatalf("request %+v %v", d, err)
	}
	// Separation of duties, and only approvers approve.
	_, err = s.Approve(ctx, registry.Actor{Name: "token:9:maint", Role: registry.RoleAdmin}, d.ID, "lgtm")
	wantErr(t, "requester approves (other token, admin role)", err, registry.ErrForbidden)
	_, err = s.Approve(ctx, auditor, d.ID, "")
	wantErr(t, "non-approver approves", err, registry.ErrForbidden)
	if stageOf(t, s, 1) != registry.StageDevelopment {
		t.Fatal("refused approvals changed the stage")
	}
	d, err = s.Approve(ctx, reviewer, d.ID, "metrics checked")
	if err != nil || d.Status != registry.RequestExecuted || len(d.Approvals) != 1 || d.DecidedBy != "rev" || d.BlockedBy != nil {
		t.Fatalf("approve %+v %v", d, err)
	}
	if stageOf(t, s, 1) != registry.StageProduction {
		t.Fatal("approved request did not promote")
	}
	_, err = s.Approve(ctx, admin, d.ID, "")
	wantErr(t, "approve an executed request", err, registry.ErrConflict)
	// Direct moves out of production are refused too.
	_, err = s.SetVersionStage(ctx, admin, "m", 1, v1.Revision+1, registry.StageStaging)
	wantErr(t, "direct move out of production", err, registry.ErrForbidden)

	// A version whose evidence the policy denies: denied, with the rule id.
	v2 := addVersion(t, s, "bad")
	addTestEvidence(t, s, v2, 2)
	d2, err := s.RequestDecision(ctx, maintainer, "m", v2.Number, promote)
	if err != nil || d2.Status != registry.RequestDenied || len(d2.BlockedBy) == 0 || !strings.Contains(d2.BlockedBy[0], "GOV-TEST-001") {
		t.Fatalf("bad request %+v %v", d2, err)
	}
	_, err = s.Approve(ctx, reviewer, d2.ID, "")
	wantErr(t, "approve a denied request", err, registry.ErrConflict)

	// A good v3 replaces v1 (deprecated); rejections end a request.
	v3 := addVersion(t, s, "good")
	addTestEvidence(t, s, v3, 0)
	d3, err := s.RequestDecision(ctx, maintainer, "m", v3.Number, promote)
	if err != nil || d3.BaseVersion != 1 {
		t.Fatalf("request v3 %+v %v", d3, err)
	}
	if d3, err = s.Approve(ctx, admin, d3.ID, "ok"); err != nil || d3.Status != registry.RequestExecuted {
		t.Fatalf("approve v3 by role:admin: %+v %v", d3, err)
	}
	if stageOf(t, s, 1) != registry.StageDeprecated || stageOf(t, s, 3) != registry.StageProduction {
		t.Fatal("promotion did not replace production")
	}
	d4, _ := s.RequestDecision(ctx, maintainer, "m", v2.Number, registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageStaging, Rationale: "try"})
	if d4.Status != registry.RequestDenied {
		t.Fatalf("staging of a denied version: %+v", d4)
	}

	// Rollback: rollback owners only, to a version that was in production,
	// re-verified against its digest and blobs.
	_, err = s.Rollback(ctx, maintainer, "m", 1, "v3 latency regression", registry.RollbackOptions{})
	wantErr(t, "rollback by a non-owner", err, registry.ErrForbidden)
	_, err = s.Rollback(ctx, reviewer, "m", 1, "", registry.RollbackOptions{})
	wantErr(t, "rollback without reason", err, registry.ErrInvalid)
	_, err = s.Rollback(ctx, reviewer, "m", 2, "why not", registry.RollbackOptions{})
	wantErr(t, "rollback to a never-promoted version", err, registry.ErrConflict)
	lost := func(context.Context, string) (bool, error) { return false, nil }
	_, err = s.Rollback(ctx, reviewer, "m", 1, "v3 latency regression", registry.RollbackOptions{BlobExists: lost})
	wantErr(t, "rollback to a version whose blob is gone", err, registry.ErrConflict)
	rb, err := s.Rollback(ctx, reviewer, "m", 1, "v3 latency regression", registry.RollbackOptions{
		BlobExists: func(context.Context, string) (bool, error) { return true, nil }})
	if err != nil || rb.Status != registry.RequestExecuted || rb.Action != registry.ActionRollback || rb.BaseVersion != 3 {
		t.Fatalf("rollback %+v %v", rb, err)
	}
	if stageOf(t, s, 1) != registry.StageProduction || stageOf(t, s, 3) != registry.StageDeprecated {
		t.Fatal("rollback did not restore v1")
	}

	// Records and history.
	if _, err := s.AddDecisionRecord(ctx, auditor, "m", 1, "t", "b"); !errors.Is(err, registry.ErrForbidden) {
		t.Fatalf("auditor writes a record: %v", err)
	}
	if _, err := s.AddDecisionRecord(ctx, reviewer, "m", 1, "Excluded 2019 data", "collection bug, see ticket 12"); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, auditor, "m")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range h {
		lines = append(lines, e.Actor+" "+e.Action+" "+e.What+" | "+e.Why)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		"maint decision.request requested promote to production: pending | beats v0",
		"maint decision.request requested promote to production: denied (denied by policy: GOV-TEST-001)",
		"rev decision.approve approved request 2: executed (version 1: development -> production) | metrics checked",
		"rev version.stage stage development -> production",
		"rev decision.rollback rolled production back to version 1 (digest re-verified): executed (version 1: deprecated -> production) | v3 latency regression",
		"admin version.stage stage production -> deprecated | replaced in production by version 3",
		"rev record.add decision record: Excluded 2019 data | collection bug, see ticket 12",
		"maint decision.request requested a governance change: pending | rev reviews fraud models",
		"admin owners.set owners/approval rules set",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("history lacks %q:\n%s", want, all)
		}
	}
}

// TestGovernanceConflictingPromotions approves several promotions of
// different versions to production at once: exactly one wins, the others
// get ErrConflict and end superseded. SQLite always, PostgreSQL with
// MLSEC_TEST_POSTGRES_URL.
func TestGovernanceConflictingPromotions(t *testing.T) {
	dsns := pgtest.DSNs(t)
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			s := govService(t, dsn(t))
			ctx := t.Context()
			setup(t, s)
			if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{registry.RespApprove: {"rev"}}}); err != nil {
				t.Fatal(err)
			}
			const n = 4
			ids := make([]int64, n)
			for i := range n {
				v := registry.Version{Number: 1}
				if i > 0 {
					v = addVersion(t, s, "v"+string(rune('a'+i)))
				}
				d, err := s.RequestDecision(ctx, maintainer, "m", v.Number, registry.NewRequest{Action: registry.ActionPromote, Rationale: "race"})
				if err != nil || d.Status != registry.RequestPending {
					t.Fatalf("request %d: %+v %v", i, d, err)
				}
				ids[i] = d.ID
			}
			var wg sync.WaitGroup
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = s.Approve(ctx, reviewer, ids[i], "go")
				}()
			}
			close(start)
			wg.Wait()
			wins := 0
			for i, err := range errs {
				switch {
				case err == nil:
					wins++
				case errors.Is(err, registry.ErrConflict):
					d, _ := s.GetDecisionRequest(ctx, admin, ids[i])
					if d.Status != registry.RequestSuperseded {
						t.Errorf("loser %d is %s", i, d.Status)
					}
				default:
					t.Errorf("approve %d: %v", i, err)
				}
			}
			prod, _, _ := s.ListVersions(ctx, admin, registry.VersionFilter{Model: "m", Stage: registry.StageProduction})
			if wins != 1 || len(prod) != 1 {
				t.Fatalf("%d winners, %d production versions (errors %v)", wins, len(prod), errs)
			}
		})
	}
}
