package registry_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/store"
)

func newService(t *testing.T) *registry.Service {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return registry.NewService(db)
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

var (
	admin      = registry.Actor{Name: "admin", Role: registry.RoleAdmin}
	maintainer = registry.Actor{Name: "maint", Role: registry.RoleMaintainer}
	reviewer   = registry.Actor{Name: "rev", Role: registry.RoleReviewer}
	auditor    = registry.Actor{Name: "aud", Role: registry.RoleAuditor}
	otherTeam  = registry.Actor{Name: "other", Role: registry.RoleMaintainer, ScopeTeam: "team-b"}
)

// setup creates model m (team-a) with a ready version 1 of one file.
func setup(t *testing.T, s *registry.Service) registry.Version {
	t.Helper()
	ctx := t.Context()
	if _, err := s.CreateModel(ctx, admin, registry.Model{Name: "m", Team: "team-a"}); err != nil {
		t.Fatal(err)
	}
	v, created, err := s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{
		Artifacts: []registry.Artifact{{Path: "w.bin", Size: 4, SHA256: sum("data")}}})
	if err != nil || !created {
		t.Fatalf("create version: %v %v", created, err)
	}
	if _, err := s.RecordBlob(ctx, maintainer, registry.Blob{SHA256: sum("data"), Size: 4, Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if v, err = s.FinalizeVersion(ctx, maintainer, "m", v.Number); err != nil || v.State != registry.StateReady {
		t.Fatalf("finalize: %+v %v", v, err)
	}
	return v
}

func TestServiceRoleMatrix(t *testing.T) {
	s := newService(t)
	v := setup(t, s)
	ctx := context.Background()
	rec, err := evidence.New(evidence.TypeTest, evidence.NewSubject("m", v.Digest), "1", time.Now(), map[string]any{"suite": "unit", "passed": 3, "failed": 0})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := recJSON(rec)
	ops := map[string]func(a registry.Actor) error{
		"read":     func(a registry.Actor) error { _, err := s.GetModel(ctx, a, "m"); return err },
		"evidence": func(a registry.Actor) error { _, err := s.AddEvidence(ctx, a, "m", 1, raw, nil); return err },
		"write": func(a registry.Actor) error {
			_, err := s.AddLineage(ctx, a, "m", 1, registry.LineageEdge{Kind: registry.ProducedBy, Target: "https://ci/" + a.Name})
			return err
		},
		"audit": func(a registry.Actor) error { _, _, err := s.ListAudit(ctx, a, registry.Page{}); return err },
		"admin": func(a registry.Actor) error {
			_, _, err := s.CreateToken(ctx, a, registry.Token{Name: "t-" + a.Name, Role: registry.RoleAuditor})
			return err
		},
	}
	allowed := map[registry.Role][]string{
		registry.RoleAdmin:      {"read", "evidence", "write", "audit", "admin"},
		registry.RoleMaintainer: {"read", "evidence", "write"},
		registry.RoleReviewer:   {"read", "evidence"},
		registry.RoleAuditor:    {"read", "audit"},
	}
	for _, a := range []registry.Actor{admin, maintainer, reviewer, auditor} {
		for op, fn := range ops {
			want := false
			for _, o := range allowed[a.Role] {
				want = want || o == op
			}
			err := fn(a)
			if want && err != nil {
				t.Errorf("%s %s: %v, want allowed", a.Role, op, err)
			}
			if !want && !errors.Is(err, registry.ErrForbidden) {
				t.Errorf("%s %s: %v, want ErrForbidden", a.Role, op, err)
			}
		}
	}
	// A token scoped to team-b can neither read nor change team-a's model.
	for op, fn := range ops {
		if op == "audit" || op == "admin" {
			continue
		}
		if err := fn(otherTeam); !errors.Is(err, registry.ErrForbidden) {
			t.Errorf("out-of-scope %s: %v, want ErrForbidden", op, err)
		}
	}
	if ms, _, _ := s.ListModels(ctx, otherTeam, registry.ModelFilter{}); len(ms) != 0 {
		t.Errorf("scoped token lists %d foreign models", len(ms))
	}

	// Model-scoped tokens (issue 11): in scope everything their role
	// allows, another model nothing; lists filtered; no blob of another
	// model downloadable or even known.
	if _, err := s.CreateModel(ctx, admin, registry.Model{Name: "other", Team: "team-a"}); err != nil {
		t.Fatal(err)
	}
	vo := addVersionOf(t, s, "other", "other-bytes")
	for _, a := range []registry.Actor{admin, maintainer, reviewer, auditor} {
		inM := registry.Actor{Name: a.Name + "-m", Role: a.Role, ScopeModel: "m"}
		for op, fn := range ops {
			if op == "audit" || op == "admin" {
				continue
			}
			want := false
			for _, o := range allowed[a.Role] {
				want = want || o == op
			}
			if err := fn(inM); want && err != nil {
				t.Errorf("model-scoped %s %s on its model: %v", a.Role, op, err)
			}
		}
		onOther := registry.Actor{Name: a.Name + "-o", Role: a.Role, ScopeModel: "other"}
		for op, fn := range ops {
			if op == "audit" || op == "admin" {
				continue
			}
			if err := fn(onOther); !errors.Is(err, registry.ErrForbidden) {
				t.Errorf("%s scoped to model other does %s on m: %v, want ErrForbidden", a.Role, op, err)
			}
		}
		if ms, _, err := s.ListModels(ctx, inM, registry.ModelFilter{}); err != nil || len(ms) != 1 || ms[0].Name != "m" {
			t.Errorf("model-scoped %s lists %+v %v, want only m", a.Role, ms, err)
		}
		if _, err := s.File(ctx, inM, "other", vo.Number, "w.bin"); !errors.Is(err, registry.ErrForbidden) {
			t.Errorf("model-scoped %s downloads another model's file: %v", a.Role, err)
		}
		if a.Can(registry.PermWrite) {
			if _, err := s.HeadBlob(ctx, inM, sum("other-bytes")); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("model-scoped %s learns of another model's blob: %v", a.Role, err)
			}
			if _, err := s.HeadBlob(ctx, inM, sum("data")); err != nil {
				t.Errorf("model-scoped %s does not hold its model's blob: %v", a.Role, err)
			}
		}
	}
}

func recJSON(r evidence.Record) ([]byte, error) {
	var b []byte
	w := &sliceWriter{&b}
	err := evidence.Write(w, r)
	return b, err
}

type sliceWriter struct{ b *[]byte }

func (w *sliceWriter) Write(p []byte) (int, error) { *w.b = append(*w.b, p...); return len(p), nil }

func TestServiceVersionRules(t *testing.T) {
	s := newService(t)
	v := setup(t, s)
	ctx := t.Context()
	art := func(p string) []registry.Artifact { return []registry.Artifact{{Path: p, Size: 1, SHA256: sum("x")}} }
	for _, p := range []string{"../etc/passwd", "/abs", "a/../../b", "a//b", "./a", "a\\b", "a/\x00", ""} {
		_, _, err := s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{Artifacts: art(p)})
		if !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("path %q: %v, want ErrInvalid", p, err)
		}
	}
	_, _, err := s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{Digest: sum("wrong"), Artifacts: art("a")})
	if !errors.Is(err, registry.ErrDigestMismatch) {
		t.Errorf("digest mismatch: %v", err)
	}
	again, created, err := s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{
		Artifacts: []registry.Artifact{{Path: "w.bin", Size: 4, SHA256: sum("data")}}})
	if err != nil || created || again.ID != v.ID {
		t.Errorf("re-push must return the existing version: %+v %v %v", again, created, err)
	}
	p, _, err := s.CreateVersion(ctx, maintainer, "m", registry.NewVersion{Artifacts: art("other.bin")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinalizeVersion(ctx, maintainer, "m", p.Number); !errors.Is(err, registry.ErrConflict) {
		t.Errorf("finalize without blobs: %v, want ErrConflict", err)
	}
	if _, err := s.FinalizeVersion(ctx, maintainer, "m", v.Number); !errors.Is(err, registry.ErrConflict) {
		t.Errorf("finalize twice: %v, want ErrConflict", err)
	}
	jobs, _, _ := s.ListJobs(ctx, auditor, "m", v.Number, registry.Page{})
	if len(jobs) != 1 || jobs[0].Kind != registry.JobAnalyze {
		t.Errorf("ready version must have an analyze job: %+v", jobs)
	}
	// Evidence about other bytes is refused.
	rec, _ := evidence.New(evidence.TypeTest, evidence.NewSubject("m", sum("other")), "1", time.Now(), map[string]any{"suite": "u", "passed": 1, "failed": 0})
	raw, _ := recJSON(rec)
	if _, err := s.AddEvidence(ctx, reviewer, "m", v.Number, raw, nil); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("foreign subject: %v", err)
	}
	if _, err := s.AddEvidence(ctx, reviewer, "m", v.Number, []byte(`{"schema":"nope"}`), nil); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("malformed evidence: %v", err)
	}
}

func TestServiceTokensAndAudit(t *testing.T) {
	now := time.Now()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := registry.NewService(db, registry.WithClock(func() time.Time { return now }))
	ctx := t.Context()
	secret, ok, err := s.Bootstrap(ctx)
	if err != nil || !ok || len(secret) < 40 {
		t.Fatalf("bootstrap: %q %v %v", secret, ok, err)
	}
	if _, ok, _ := s.Bootstrap(ctx); ok {
		t.Fatal("bootstrap issued a second admin token")
	}
	a, err := s.Authenticate(ctx, secret)
	if err != nil || a.Role != registry.RoleAdmin {
		t.Fatalf("authenticate bootstrap: %+v %v", a, err)
	}
	exp := now.Add(time.Hour)
	tok, sec2, err := s.CreateToken(ctx, a, registry.Token{Name: "ci", Role: registry.RoleReviewer, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	for name, sec := range map[string]string{"garbage": "nope", "unknown": registry.TokenPrefix + "00", "empty": ""} {
		if _, err := s.Authenticate(ctx, sec); !errors.Is(err, registry.ErrUnauthenticated) {
			t.Errorf("%s: %v", name, err)
		}
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.Authenticate(ctx, sec2); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("expired token accepted: %v", err)
	}
	if err := s.RevokeToken(ctx, a, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateToken(ctx, a, registry.Token{Name: "x", Role: "root"}); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("bad role: %v", err)
	}
	evs, _, err := s.ListAudit(ctx, a, registry.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	want := []string{"token.create", "token.create", "token.revoke"}
	if len(actions) != len(want) || actions[0] != want[0] || actions[2] != want[2] || evs[1].Actor != a.Name {
		t.Fatalf("audit actions %v (actor %q), want %v by %q", actions, evs[1].Actor, want, a.Name)
	}
}
