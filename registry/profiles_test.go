package registry_test

import (
	"errors"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// A service wired without an evaluator refuses decisions and profile
// changes instead of allowing what nothing evaluated, and records nothing.
func TestNoEvaluatorFailsClosed(t *testing.T) {
	s := newService(t)
	setup(t, s)
	ctx := t.Context()
	if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{
		registry.RespApprove: {"rev"}}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.RequestDecision(ctx, maintainer, "m", 1, registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageStaging, Rationale: "r"})
	if !errors.Is(err, registry.ErrNoPolicy) {
		t.Fatalf("decision without an evaluator: %v, want ErrNoPolicy", err)
	}
	if ds, _, err := s.ListDecisionRequests(ctx, admin, "m", registry.RequestFilter{}); err != nil || len(ds) != 0 {
		t.Fatalf("a refused decision left requests: %+v %v", ds, err)
	}
	if _, err := s.SetProfile(ctx, admin, registry.ProfileTeam, "team-a", "strict"); !errors.Is(err, registry.ErrNoPolicy) {
		t.Fatalf("profile without an evaluator: %v", err)
	}
	if v, err := s.ModelProfile(ctx, reviewer, "m"); err != nil || v.Source != registry.SourceDefault {
		t.Fatalf("reading the profile: %+v %v", v, err)
	}
}
