package registry_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/policyeval"
	"github.com/mlsec/mlsec/registry/store"
)

// baselinePolicy reports what input.production holds.
const baselinePolicy = `package mlsec.gate

import rego.v1

warn contains {"id": "BASE", "msg": sprintf("production v%d %s: %v", [input.production.version, input.production.digest, [e.type | some e in input.production.evidence]])} if input.production
`

func addFairnessEvidence(t *testing.T, s *registry.Service, v registry.Version, dpd float64) {
	t.Helper()
	rec, err := evidence.New(evidence.TypeFairness, evidence.NewSubject("m", v.Digest), "1", time.Now(), evidence.FairnessResult{
		Metrics: []evidence.FairnessMetric{{Name: "demographic_parity_difference", Method: "between_groups", Attribute: "sex", Value: &dpd}}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := recJSON(rec)
	if _, err := s.AddEvidence(t.Context(), maintainer, "m", v.Number, raw, nil); err != nil {
		t.Fatal(err)
	}
}

// The decision on a candidate sees the production version's fairness
// evidence (and only that type) as input.production, for bias drift.
func TestDecisionInputHasProductionBaseline(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gate.rego"), []byte(baselinePolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err := policyeval.New(t.Context(), policy.Options{Dirs: []string{dir}, NoDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := registry.NewService(db, registry.WithPolicy(eng))
	ctx := t.Context()
	v1 := setup(t, s)
	addFairnessEvidence(t, s, v1, 0.02)
	addTestEvidence(t, s, v1, 0)
	if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{
		registry.RespApprove: {"rev"}}}); err != nil {
		t.Fatal(err)
	}
	promote := registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageProduction, Rationale: "first"}
	d, err := s.RequestDecision(ctx, maintainer, "m", 1, promote)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Policy.Warnings) != 0 {
		t.Fatalf("no production yet, but the input has one: %+v", d.Policy.Warnings)
	}
	if d, err = s.Approve(ctx, reviewer, d.ID, "ok"); err != nil || d.Status != registry.RequestExecuted {
		t.Fatalf("approve %+v %v", d, err)
	}
	in, err := s.PolicyInput(ctx, v1, registry.ActionPromote, registry.StageProduction, maintainer)
	if err != nil || in.Production != nil {
		t.Fatalf("the production version is its own baseline: %+v %v", in.Production, err)
	}
	v2 := addVersion(t, s, "weights-2")
	addFairnessEvidence(t, s, v2, 0.09)
	d, err = s.RequestDecision(ctx, maintainer, "m", v2.Number, promote)
	if err != nil {
		t.Fatal(err)
	}
	want := "production v1 " + v1.Digest + `: ["fairness"]`
	if !slices.ContainsFunc(d.Policy.Warnings, func(r registry.PolicyResult) bool { return strings.Contains(r.Message, want) }) {
		t.Fatalf("warnings %+v, want %q", d.Policy.Warnings, want)
	}
}
