package registry_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/store"
)

// TestUpdateModelStaysInScope is the attack on PATCH /models/{name} at the
// service: the HTTP matrix covers it through the server, and this pins
// the rules in the registry package itself (a mutation run counts only
// the package's own tests). A scoped writer may edit its model but never
// move it out of its scope, a reader may not edit, and every field is
// validated before anything is stored.
func TestUpdateModelStaysInScope(t *testing.T) {
	s := newService(t)
	setup(t, s) // model m of team-a
	ctx := t.Context()
	teamA := registry.Actor{Name: "token:80:maint-a", Role: registry.RoleMaintainer, ScopeTeam: "team-a"}
	modelM := registry.Actor{Name: "token:81:maint-m", Role: registry.RoleMaintainer, ScopeModel: "m"}

	get := func() registry.Model {
		t.Helper()
		m, err := s.GetModel(ctx, admin, "m")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	str := func(s string) *string { return &s }
	before := get()

	refused := []struct {
		name  string
		actor registry.Actor
		patch registry.ModelPatch
		want  error
	}{
		{"reviewer edits", reviewer, registry.ModelPatch{Description: str("x")}, registry.ErrForbidden},
		{"auditor edits", auditor, registry.ModelPatch{Description: str("x")}, registry.ErrForbidden},
		{"other team edits", otherTeam, registry.ModelPatch{Description: str("x")}, registry.ErrForbidden},
		{"team-a writer moves it to team-b", teamA, registry.ModelPatch{Team: str("team-b")}, registry.ErrForbidden},
		{"team-a writer takes it out of every team", teamA, registry.ModelPatch{Team: str("")}, registry.ErrForbidden},
		{"bad tag", maintainer, registry.ModelPatch{Tags: &[]string{"ok", "Not Valid"}}, registry.ErrInvalid},
		{"65 tags", maintainer, registry.ModelPatch{Tags: ptr(manyTags(65))}, registry.ErrInvalid},
		{"bad team name", maintainer, registry.ModelPatch{Team: str("Team A")}, registry.ErrInvalid},
	}
	for _, tc := range refused {
		_, err := s.UpdateModel(ctx, tc.actor, "m", before.Revision, tc.patch)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	if after := get(); after.Revision != before.Revision || after.Team != "team-a" || after.Description != before.Description {
		t.Fatalf("refused updates changed the model: %+v -> %+v", before, after)
	}

	// Allowed: a team-scoped and a model-scoped writer edit in place, 64
	// tags are fine, and the revision moves on each time.
	m, err := s.UpdateModel(ctx, teamA, "m", before.Revision, registry.ModelPatch{Description: str("fraud scores"), Tags: ptr(manyTags(64))})
	if err != nil || m.Description != "fraud scores" || len(m.Tags) != 64 || m.Revision <= before.Revision {
		t.Fatalf("team-a writer's edit: %+v %v", m, err)
	}
	m2, err := s.UpdateModel(ctx, modelM, "m", m.Revision, registry.ModelPatch{Tags: &[]string{"prod"}})
	if err != nil || !slices.Equal(m2.Tags, []string{"prod"}) || m2.Description != "fraud scores" {
		t.Fatalf("model-scoped writer's edit: %+v %v", m2, err)
	}
	// A stale revision is refused (ETag precondition), not a lost update.
	if _, err := s.UpdateModel(ctx, maintainer, "m", m.Revision, registry.ModelPatch{Description: str("stale")}); !errors.Is(err, registry.ErrPrecondition) {
		t.Errorf("stale revision: %v, want ErrPrecondition", err)
	}
	// An unscoped writer may move it between teams with the same profile.
	moved, err := s.UpdateModel(ctx, maintainer, "m", m2.Revision, registry.ModelPatch{Team: str("team-b")})
	if err != nil || moved.Team != "team-b" {
		t.Fatalf("unscoped move: %+v %v", moved, err)
	}
	// ...after which team-a's writer no longer reaches it.
	if _, err := s.UpdateModel(ctx, teamA, "m", moved.Revision, registry.ModelPatch{Description: str("back")}); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("team-a writer edits a team-b model: %v", err)
	}
}

func manyTags(n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = "t" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	return tags
}

// TestReauthenticateEndsRevokedSessions pins what a web UI session relies
// on: the actor it stored is rebuilt from the token row on every request,
// so revoking or expiring the token ends the session, and a session
// without a token (single sign-on) is kept as it is.
func TestReauthenticateEndsRevokedSessions(t *testing.T) {
	now := time.Now()
	s := newServiceAt(t, func() time.Time { return now })
	ctx := t.Context()
	exp := now.Add(time.Hour)
	tok, secret, err := s.CreateToken(ctx, admin, registry.Token{Name: "ui", Role: registry.RoleReviewer, ScopeTeam: "team-a", ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Reauthenticate(ctx, a)
	if err != nil || again != a {
		t.Fatalf("live token: %+v %v, want %+v", again, err, a)
	}
	sso := registry.Actor{Name: "sso:alice", Person: "sso:alice", Role: registry.RoleReviewer}
	if got, err := s.Reauthenticate(ctx, sso); err != nil || got != sso {
		t.Errorf("actor without a token: %+v %v, want it unchanged", got, err)
	}
	// A forged session naming a token that does not exist.
	if _, err := s.Reauthenticate(ctx, registry.Actor{Name: "token:9999:x", Role: registry.RoleAdmin, TokenID: 9999}); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("unknown token id: %v, want ErrUnauthenticated", err)
	}
	now = exp
	if _, err := s.Reauthenticate(ctx, a); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("expired token's session: %v, want ErrUnauthenticated", err)
	}
	now = exp.Add(-time.Minute)
	if err := s.RevokeToken(ctx, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reauthenticate(ctx, a); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("revoked token's session: %v, want ErrUnauthenticated", err)
	}
}

// TestValidateTokenSecret pins the rules for secrets an operator supplies
// (MLSEC_BOOTSTRAP_TOKEN and friends): the prefix, 32 to 200 characters,
// and only [A-Za-z0-9_-], each boundary on both sides.
func TestValidateTokenSecret(t *testing.T) {
	p := registry.TokenPrefix
	for _, tc := range []struct {
		name, secret string
		ok           bool
	}{
		{"32 characters", p + strings.Repeat("a", registry.MinTokenSecret), true},
		{"200 characters", p + strings.Repeat("Z", 200), true},
		{"every allowed kind", p + "azAZ09_-" + strings.Repeat("9", 24), true},
		{"31 characters", p + strings.Repeat("a", registry.MinTokenSecret-1), false},
		{"201 characters", p + strings.Repeat("a", 201), false},
		{"no prefix", strings.Repeat("a", 40), false},
		{"empty", "", false},
		{"a dot", p + strings.Repeat("a", 40) + ".", false},
		{"a space", p + strings.Repeat("a", 20) + " " + strings.Repeat("a", 20), false},
		{"a slash", p + "/" + strings.Repeat("a", 40), false},
		{"a colon", p + strings.Repeat("a", 40) + ":", false},
		{"a non-ASCII letter", p + strings.Repeat("a", 40) + "é", false},
		{"just below 'a'", p + strings.Repeat("a", 40) + "`", false},
		{"just above 'z'", p + strings.Repeat("a", 40) + "{", false},
		{"just below 'A'", p + strings.Repeat("a", 40) + "@", false},
		{"just above 'Z'", p + strings.Repeat("a", 40) + "[", false},
		{"just below '0'", p + strings.Repeat("a", 40) + "/", false},
		{"just above '9'", p + strings.Repeat("a", 40) + ":", false},
	} {
		err := registry.ValidateTokenSecret(tc.secret)
		if tc.ok && err != nil {
			t.Errorf("%s: refused: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", tc.name, err)
		}
	}
}

// newServiceAt is newService on the clock now.
func newServiceAt(t *testing.T, now func() time.Time) *registry.Service {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return registry.NewService(db, registry.WithClock(now))
}

// TestCreateVersionCarriesLineage pins lineage given with the version
// itself: the trained_on edges the MLSEC-DATA rules judge a promotion by
// must be stored with the version, and a bad edge refuses the whole
// version rather than being dropped. A version by reference is ready at
// once.
func TestCreateVersionCarriesLineage(t *testing.T) {
	s := newService(t)
	setup(t, s)
	ctx := t.Context()
	arts := []registry.Artifact{{Path: "w2.bin", Size: 5, SHA256: sum("data2")}}
	for _, bad := range []registry.LineageEdge{
		{Kind: "copied_from", Target: "sha256:" + sum("d")},
		{Kind: registry.TrainedOn, Target: "not-a-digest"},
		{Kind: registry.ProducedBy, Target: "relative/path"},
	} {
		if _, _, err := s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{Artifacts: arts, Lineage: []registry.LineageEdge{bad}}); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("lineage %+v: %v, want ErrInvalid", bad, err)
		}
	}
	if vs, _, err := s.ListVersions(ctx, admin, registry.VersionFilter{Model: "m"}); err != nil || len(vs) != 1 {
		t.Fatalf("a refused version was stored: %d versions, %v", len(vs), err)
	}
	data := "sha256:" + sum("training table")
	v, created, err := s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{
		Artifacts: arts, SourceURI: "s3://models/m/2/",
		Lineage: []registry.LineageEdge{{Kind: registry.TrainedOn, Target: data, Commit: "abc123"}},
	})
	if err != nil || !created || v.State != registry.StateReady {
		t.Fatalf("by-reference version: %+v created=%v %v, want ready at once", v, created, err)
	}
	es, err := s.Lineage(ctx, auditor, "m", v.Number)
	if err != nil || len(es) != 1 || es[0].Kind != registry.TrainedOn || es[0].Target != data || es[0].CreatedBy != maintainer.Name {
		t.Fatalf("lineage of version %d: %+v %v, want the trained_on edge by %s", v.Number, es, err, maintainer.Name)
	}
}

// TestCreateVersionArtifactLimit pins the bound on a version's files at
// its edge: one more than MaxArtifacts is refused for its count before
// anything is hashed or stored (the bound on what one request costs), and
// exactly MaxArtifacts passes the count check. Storing 100,000 rows would
// take minutes on a loaded CI machine, so the version at the limit carries
// one artifact with a bad digest: it must be refused for that artifact,
// not for the count.
func TestCreateVersionArtifactLimit(t *testing.T) {
	s := newService(t)
	setup(t, s)
	ctx := t.Context()
	arts := make([]registry.Artifact, registry.MaxArtifacts+1)
	for i := range arts {
		arts[i] = registry.Artifact{Path: fmt.Sprintf("shard/%06d.bin", i), Size: 1, SHA256: sum(fmt.Sprint(i))}
	}
	_, _, err := s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{Artifacts: arts})
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("%d artifacts: %v, want ErrInvalid for the count", len(arts), err)
	}
	atLimit := arts[:registry.MaxArtifacts]
	atLimit[len(atLimit)-1].SHA256 = "not-a-digest"
	_, _, err = s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{Artifacts: atLimit})
	if !errors.Is(err, registry.ErrInvalid) || strings.Contains(err.Error(), "at most") || !strings.Contains(err.Error(), "shard/099999.bin") {
		t.Fatalf("exactly %d artifacts, the last with a bad digest: %v, want it refused for that artifact, not the count", registry.MaxArtifacts, err)
	}
}

// TestListVersionsFilterValidation pins the filter checks: an unknown
// severity or stage is refused, and "none", the lowest severity (rank 0),
// is a valid minimum.
func TestListVersionsFilterValidation(t *testing.T) {
	s := newService(t)
	setup(t, s)
	ctx := t.Context()
	for _, f := range []registry.VersionFilter{
		{Model: "m", MinSeverity: "bogus"},
		{Model: "m", MinSeverity: "Critical"},
		{Model: "m", Stage: "bogus"},
	} {
		if _, _, err := s.ListVersions(ctx, auditor, f); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("filter %+v: %v, want ErrInvalid", f, err)
		}
	}
	for _, f := range []registry.VersionFilter{
		{Model: "m", MinSeverity: "none"},
		{Model: "m", MinSeverity: "critical"},
		{Model: "m", Stage: registry.StageProduction},
		{Model: "m", Stage: registry.StageDevelopment},
	} {
		if _, _, err := s.ListVersions(ctx, auditor, f); err != nil {
			t.Errorf("filter %+v: %v", f, err)
		}
	}
}

// TestFinalizeChecksBlobSize is proof of possession by size: a version
// that names a stored blob's digest with another size, including size 0
// (an "empty file"), does not count that blob as held, so it cannot be
// finalized from another upload's bytes.
func TestFinalizeChecksBlobSize(t *testing.T) {
	s := newService(t)
	setup(t, s) // blob sum("data"), 4 bytes, uploaded by maintainer
	ctx := t.Context()
	for i, size := range []int64{5, 0} {
		// A second, honestly uploaded file makes each version's content
		// new (the root digest covers file digests, not sizes).
		path, other := fmt.Sprintf("claimed-%d.bin", i), fmt.Sprintf("other-%d", i)
		if _, err := s.RecordBlob(ctx, maintainer, registry.Blob{SHA256: sum(other), Size: 7, Key: other}); err != nil {
			t.Fatal(err)
		}
		v, created, err := s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{Artifacts: []registry.Artifact{
			{Path: path, Size: size, SHA256: sum("data")}, {Path: other + ".bin", Size: 7, SHA256: sum(other)}}})
		if err != nil || !created {
			t.Fatalf("create: %+v %v %v", v, created, err)
		}
		got, err := s.FinalizeVersion(ctx, maintainer, "m", v.Number)
		if !errors.Is(err, registry.ErrConflict) || got.State == registry.StateReady || !strings.Contains(err.Error(), "blobs not uploaded: "+path) {
			t.Errorf("size %d for a 4-byte blob: finalized %+v, %v; want it refused naming %s", size, got, err, path)
		}
	}
}
