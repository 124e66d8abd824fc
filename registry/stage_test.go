package registry_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

func TestServiceVersionStage(t *testing.T) {
	s := newService(t)
	v := setup(t, s)
	ctx := t.Context()
	for _, c := range []struct {
		name  string
		a     registry.Actor
		rev   int64
		stage registry.Stage
		want  error
	}{
		{"reviewer", reviewer, v.Revision, registry.StageStaging, registry.ErrForbidden},
		{"auditor", auditor, v.Revision, registry.StageStaging, registry.ErrForbidden},
		{"other team", otherTeam, v.Revision, registry.StageStaging, registry.ErrForbidden},
		{"unknown stage", maintainer, v.Revision, "live", registry.ErrInvalid},
		{"stale revision", maintainer, v.Revision - 1, registry.StageStaging, registry.ErrPrecondition},
	} {
		if _, err := s.SetVersionStage(ctx, c.a, "m", v.Number, c.rev, c.stage); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Governance: no accountable owner, no stage; production only by decision.
	if _, err := s.SetVersionStage(ctx, maintainer, "m", v.Number, v.Revision, registry.StageStaging); !errors.Is(err, registry.ErrConflict) {
		t.Fatalf("staging without an approve owner: %v", err)
	}
	if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{registry.RespApprove: {"rev"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetVersionStage(ctx, admin, "m", v.Number, v.Revision, registry.StageProduction); !errors.Is(err, registry.ErrForbidden) {
		t.Fatalf("direct move to production: %v", err)
	}
	got, err := s.SetVersionStage(ctx, maintainer, "m", v.Number, v.Revision, registry.StageStaging)
	if err != nil || got.Stage != registry.StageStaging || got.Revision != v.Revision+1 || got.Model != "m" {
		t.Fatalf("set stage: %+v %v", got, err)
	}
	// The change and only the change is audited, with both stages.
	es, _, err := s.ListAudit(ctx, admin, registry.Page{Limit: registry.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action != "version.stage" {
			continue
		}
		n++
		var p map[string]any
		if json.Unmarshal(e.Payload, &p) != nil || p["from"] != "development" || p["to"] != "staging" || e.Actor != "maint" || e.Subject != "model/m/versions/1" {
			t.Fatalf("audit event %+v %s", e, e.Payload)
		}
	}
	if n != 1 {
		t.Fatalf("%d version.stage events, want 1", n)
	}
	if _, _, err := s.ListVersions(ctx, reviewer, registry.VersionFilter{Model: "m", Stage: "live"}); !errors.Is(err, registry.ErrInvalid) {
		t.Fatalf("list with unknown stage: %v", err)
	}
}
