package registry_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/store"
)

// secDialects runs fn on a registry with the Merkle audit log and a secret
// key, on SQLite and (with MLSEC_TEST_POSTGRES_URL) PostgreSQL, seeded with
// model m (team-a, version 1 ready) and model n (team-b).
func secDialects(t *testing.T, fn func(t *testing.T, s *registry.Service)) {
	for name, dsn := range pgtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(t.Context(), dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			skey, _, err := audit.GenerateKey("test/audit")
			if err != nil {
				t.Fatal(err)
			}
			signer, _ := audit.NewSigner(skey)
			s := registry.NewService(db, registry.WithAuditor(registry.NewMerkleAuditor(signer)),
				registry.WithSecretKey(make([]byte, registry.SecretKeySize)))
			setup(t, s)
			if _, err := s.CreateModel(t.Context(), admin, registry.Model{Name: "n", Team: "team-b"}); err != nil {
				t.Fatal(err)
			}
			fn(t, s)
		})
	}
}

var (
	adminA   = registry.Actor{Name: "token:90:admin-a", Role: registry.RoleAdmin, ScopeTeam: "team-a"}
	adminB   = registry.Actor{Name: "token:91:admin-b", Role: registry.RoleAdmin, ScopeTeam: "team-b"}
	auditorB = registry.Actor{Name: "token:92:aud-b", Role: registry.RoleAuditor, ScopeTeam: "team-b"}
	auditorM = registry.Actor{Name: "token:93:aud-m", Role: registry.RoleAuditor, ScopeModel: "m"}
)

// TestScopedAdminStaysInScope is the S1 attack: a team-scoped admin tried
// to mint an unscoped admin, list and revoke every token, hear every
// team's webhook events and read the whole audit trail.
func TestScopedAdminStaysInScope(t *testing.T) {
	secDialects(t, func(t *testing.T, s *registry.Service) {
		ctx := t.Context()
		boot, _, err := s.CreateToken(ctx, admin, registry.Token{Name: "root2", Role: registry.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		tb, _, err := s.CreateToken(ctx, admin, registry.Token{Name: "bob-b", Role: registry.RoleMaintainer, ScopeTeam: "team-b"})
		if err != nil {
			t.Fatal(err)
		}
		// An unscoped admin asked for: the token gets the creator's scope.
		tok, _, err := s.CreateToken(ctx, adminA, registry.Token{Name: "escalate", Role: registry.RoleAdmin})
		if err != nil || tok.ScopeTeam != "team-a" {
			t.Fatalf("scoped admin minted %+v (%v), want a team-a token", tok, err)
		}
		for _, bad := range []registry.Token{
			{Name: "x1", Role: registry.RoleAdmin, ScopeTeam: "team-b"},
			{Name: "x2", Role: registry.RoleAdmin, ScopeModel: "n"}, // becomes team-a + n: allowed, sees nothing of team-b
		} {
			got, _, err := s.CreateToken(ctx, adminA, bad)
			if bad.Name == "x1" && !errors.Is(err, registry.ErrForbidden) {
				t.Errorf("token for team-b by a team-a admin: %+v %v", got, err)
			}
			if bad.Name == "x2" && (err != nil || got.ScopeTeam != "team-a") {
				t.Errorf("model-scoped token by a team-a admin: %+v %v", got, err)
			}
		}
		toks, _, err := s.ListTokens(ctx, adminA, registry.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range toks {
			if tk.ScopeTeam != "team-a" {
				t.Errorf("team-a admin lists token %s scoped %q", tk.Name, tk.ScopeTeam)
			}
		}
		for _, id := range []int64{boot.ID, tb.ID} {
			if err := s.RevokeToken(ctx, adminA, id); !errors.Is(err, registry.ErrForbidden) {
				t.Errorf("team-a admin revokes token %d: %v", id, err)
			}
		}
		if err := s.RevokeToken(ctx, adminA, tok.ID); err != nil {
			t.Errorf("team-a admin revokes its own team's token: %v", err)
		}

		// Webhooks: a team-a admin's hook is team-a scoped, invisible to
		// team-b's admin, and it may not ask for another scope.
		if _, err := s.CreateWebhook(ctx, adminA, registry.NewWebhook{URL: "https://a.example/h", Events: []string{"*"}, ScopeTeam: "team-b"}); !errors.Is(err, registry.ErrForbidden) {
			t.Errorf("team-a admin made a team-b webhook: %v", err)
		}
		wa, err := s.CreateWebhook(ctx, adminA, registry.NewWebhook{URL: "https://a.example/h", Events: []string{"*"}})
		if err != nil || wa.ScopeTeam != "team-a" {
			t.Fatalf("webhook: %+v %v", wa, err)
		}
		if hs, _ := s.ListWebhooks(ctx, adminB); len(hs) != 0 {
			t.Errorf("team-b admin lists team-a's webhooks: %+v", hs)
		}
		if err := s.DeleteWebhook(ctx, adminB, wa.ID); !errors.Is(err, registry.ErrForbidden) {
			t.Errorf("team-b admin deletes team-a's webhook: %v", err)
		}
		if _, _, err := s.ListWebhookDeliveries(ctx, adminB, wa.ID, registry.Page{}); !errors.Is(err, registry.ErrForbidden) {
			t.Errorf("team-b admin reads team-a's deliveries: %v", err)
		}
		// Team-b's stage change is not delivered to team-a's hook; team-a's is.
		if _, err := s.SetGovernance(ctx, admin, "n", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{registry.RespRetire: {"rev"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{registry.RespRetire: {"rev"}}}); err != nil {
			t.Fatal(err)
		}
		vn := addVersionOf(t, s, "n", "bdata")
		if _, err := s.SetVersionStage(ctx, admin, "n", vn.Number, vn.Revision, registry.StageDeprecated); err != nil {
			t.Fatal(err)
		}
		if ds, _, _ := s.ListWebhookDeliveries(ctx, adminA, wa.ID, registry.Page{}); len(ds) != 0 {
			t.Errorf("team-a's webhook got team-b's events: %+v", ds)
		}
		vm, _, _ := s.GetVersion(ctx, admin, "m", 1)
		if _, err := s.SetVersionStage(ctx, admin, "m", 1, vm.Revision, registry.StageDeprecated); err != nil {
			t.Fatal(err)
		}
		if ds, _, _ := s.ListWebhookDeliveries(ctx, adminA, wa.ID, registry.Page{}); len(ds) != 1 {
			t.Errorf("team-a's webhook missed its own event: %+v", ds)
		}

		// Audit: a team-b auditor reads team-b's events only and no
		// whole-registry log entry; a model-scoped one only m's.
		for _, c := range []struct {
			a    registry.Actor
			keep func(subject string) bool
		}{
			{auditorB, func(sub string) bool { return sub == "model/n" || strings.HasPrefix(sub, "model/n/") }},
			{auditorM, func(sub string) bool { return sub == "model/m" || strings.HasPrefix(sub, "model/m/") }},
		} {
			es, _, err := s.ListAudit(ctx, c.a, registry.Page{Limit: registry.MaxLimit})
			if err != nil || len(es) == 0 {
				t.Fatalf("%s: audit %d events, %v", c.a.Name, len(es), err)
			}
			for _, e := range es {
				if !c.keep(e.Subject) {
					t.Errorf("%s reads audit event %d about %s", c.a.Name, e.Seq, e.Subject)
				}
			}
			if _, err := s.AuditLogEntries(ctx, c.a, 0, 10); !errors.Is(err, registry.ErrForbidden) {
				t.Errorf("%s reads the whole Merkle log: %v", c.a.Name, err)
			}
			if _, _, _, err := s.AuditInclusionProof(ctx, c.a, 0, 0); !errors.Is(err, registry.ErrForbidden) {
				t.Errorf("%s gets inclusion proofs: %v", c.a.Name, err)
			}
			if _, err := s.AuditLogInfo(ctx, c.a); err != nil {
				t.Errorf("%s cannot read the signed checkpoint: %v", c.a.Name, err)
			}
		}
		if es, _, _ := s.ListAudit(ctx, auditor, registry.Page{Limit: registry.MaxLimit}); len(es) < 10 {
			t.Errorf("an unscoped auditor reads only %d events", len(es))
		}
	})
}

// TestDatasetsAreScoped: datasets belong to a team; other teams' tokens
// neither list nor read them, and a scoped writer creates in its team.
func TestDatasetsAreScoped(t *testing.T) {
	secDialects(t, func(t *testing.T, s *registry.Service) {
		ctx := t.Context()
		teamA := registry.Actor{Name: "ma", Role: registry.RoleMaintainer, ScopeTeam: "team-a"}
		d, err := s.CreateDataset(ctx, teamA, registry.Dataset{Name: "ds-a", Digest: sum("ds")})
		if err != nil || d.Team != "team-a" {
			t.Fatalf("dataset: %+v %v", d, err)
		}
		if _, err := s.CreateDataset(ctx, teamA, registry.Dataset{Name: "ds-x", Digest: sum("x"), Team: "team-b"}); !errors.Is(err, registry.ErrForbidden) {
			t.Errorf("team-a writer creates a team-b dataset: %v", err)
		}
		for _, a := range []registry.Actor{otherTeam, auditorB, auditorM} {
			if _, err := s.GetDataset(ctx, a, "ds-a"); !errors.Is(err, registry.ErrForbidden) {
				t.Errorf("%s reads team-a's dataset: %v", a.Name, err)
			}
			if ds, _, _ := s.ListDatasets(ctx, a, registry.Page{}); len(ds) != 0 {
				t.Errorf("%s lists %d foreign datasets", a.Name, len(ds))
			}
		}
		if ds, _, _ := s.ListDatasets(ctx, teamA, registry.Page{}); len(ds) != 1 {
			t.Errorf("team-a lists %d datasets, want its 1", len(ds))
		}
	})
}

// TestWebhookSecretsSealed (S7): the database holds no webhook secret in
// clear, the worker's view opens it, and a service without the key refuses
// to store one.
func TestWebhookSecretsSealed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key, created, err := registry.LoadOrCreateSecretKey(filepath.Join(t.TempDir(), "k", "secrets.key"))
	if err != nil || !created {
		t.Fatal(err)
	}
	s := registry.NewService(db, registry.WithSecretKey(key))
	w, err := s.CreateWebhook(t.Context(), admin, registry.NewWebhook{URL: "https://x.example/h", Events: []string{"*"}, Secret: "whsec_0123456789abcdef"})
	if err != nil || w.Secret != "whsec_0123456789abcdef" {
		t.Fatalf("create: %+v %v", w, err)
	}
	stored, _, err := db.GetWebhook(t.Context(), w.ID)
	if err != nil || strings.Contains(stored.Secret, "0123456789abcdef") || !strings.HasPrefix(stored.Secret, "sealed:v1:") {
		t.Fatalf("stored secret %q (%v): want it sealed", stored.Secret, err)
	}
	if _, err := registry.NewService(db).CreateWebhook(t.Context(), admin, registry.NewWebhook{URL: "https://x.example/h", Events: []string{"*"}}); err == nil {
		t.Fatal("a service without a secret key stored a webhook secret")
	}
}
