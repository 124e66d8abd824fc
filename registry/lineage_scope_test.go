package registry_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// TestDatasetVersionsStayInScope is the attack on "which versions trained
// on this dataset": team-a's dataset was also used by team-b's model n. A
// reader scoped to team-a must see its own version only (not learn that
// team-b's model exists, or its versions); team-b's reader may not read
// team-a's dataset at all; a model-scoped reader sees no datasets.
func TestDatasetVersionsStayInScope(t *testing.T) {
	secDialects(t, func(t *testing.T, s *registry.Service) {
		ctx := t.Context()
		ds, err := s.CreateDataset(ctx, admin, registry.Dataset{Name: "loans", Digest: sum("loans rows"), Team: "team-a"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CreateVersion(ctx, admin, "n", registry.NewVersion{Artifacts: []registry.Artifact{{Path: "w.bin", Size: 4, SHA256: sum("data")}}}); err != nil {
			t.Fatal(err)
		}
		for _, mv := range []string{"m", "n"} {
			if _, err := s.AddLineage(ctx, admin, mv, 1, registry.LineageEdge{Kind: registry.TrainedOn, Target: "sha256:" + ds.Digest}); err != nil {
				t.Fatal(err)
			}
		}
		// Another relation to the same digest is not "trained on".
		if _, err := s.AddLineage(ctx, admin, "m", 1, registry.LineageEdge{Kind: registry.DerivedFrom, Target: ds.Digest}); err != nil {
			t.Fatal(err)
		}
		names := func(a registry.Actor) ([]string, error) {
			vs, _, err := s.DatasetVersions(ctx, a, "loans", registry.Page{})
			var out []string
			for _, v := range vs {
				out = append(out, fmt.Sprintf("%s/%d", v.Model, v.Number))
			}
			return out, err
		}
		readerA := registry.Actor{Name: "token:95:read-a", Role: registry.RoleReviewer, ScopeTeam: "team-a"}
		readerB := registry.Actor{Name: "token:96:read-b", Role: registry.RoleReviewer, ScopeTeam: "team-b"}
		readerM := registry.Actor{Name: "token:97:read-m", Role: registry.RoleReviewer, ScopeModel: "m"}
		if got, err := names(admin); err != nil || !slices.Equal(got, []string{"m/1", "n/1"}) {
			t.Fatalf("unscoped: %v %v", got, err)
		}
		if got, err := names(readerA); err != nil || !slices.Equal(got, []string{"m/1"}) {
			t.Fatalf("team-a reader: %v %v (must not see team-b's n)", got, err)
		}
		for _, a := range []registry.Actor{readerB, readerM} {
			if got, err := names(a); !errors.Is(err, registry.ErrForbidden) || len(got) != 0 {
				t.Errorf("%s: %v %v, want forbidden", a.Name, got, err)
			}
		}
		if _, _, err := s.DatasetVersions(ctx, admin, "nope", registry.Page{}); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("unknown dataset: %v", err)
		}
	})
}
