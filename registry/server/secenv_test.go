package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/internal/oidctest"
	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/policyeval"
	"github.com/mlsec/mlsec/registry/server/session"
	"github.com/mlsec/mlsec/registry/sso"
	"github.com/mlsec/mlsec/registry/store"
	"github.com/mlsec/mlsec/ui"
)

// secEnv is a server as mlsec serve runs it (Merkle audit log, sealed
// webhook secrets, a policy that denies only failing test evidence), for
// the security tests: the authorization matrix and the attacks of issue 9.
type secEnv struct {
	*env
	blobDir string
	blobs   *blob.Store
	// op is the OpenID provider the registry's single sign-on trusts
	// (ssoRules map its groups).
	op *oidctest.Provider
}

// ssoUsers and ssoRules: the people of the test provider and how their
// groups map (alice maintains team-a, bob team-b, carol is unmapped).
var ssoUsers = []oidctest.User{
	{ID: "alice", Password: "pw-alice", Email: "alice@example.com", EmailVerified: true, Groups: []string{"team-a-maintainers"}},
	{ID: "bob", Password: "pw-bob", Email: "bob@example.com", EmailVerified: true, Groups: []string{"team-b-maintainers", "staff"}},
	{ID: "carol", Password: "pw-carol", Email: "carol@example.com", EmailVerified: true, Groups: []string{"staff"}},
}

var ssoRules = []sso.Rule{
	{Group: "team-a-maintainers", Role: registry.RoleMaintainer, Team: "team-a"},
	{Group: "team-b-maintainers", Role: registry.RoleMaintainer, Team: "team-b"},
}

// ssoProvider starts a test OpenID provider whose web client redirects to
// base's callback, and the registry's side of it.
func ssoProvider(t *testing.T, base string) (*oidctest.Provider, *sso.Provider) {
	t.Helper()
	op := oidctest.Start(t, ssoUsers, base+"/signin/oidc/callback")
	c := sso.Config{Name: "Test IdP", Issuer: op.Issuer, ClientID: oidctest.WebClientID, ClientSecret: oidctest.WebClientSecret,
		RedirectURL: base + "/signin/oidc/callback", CLIClientID: oidctest.CLIClientID, Rules: ssoRules}
	if err := c.Resolve(); err != nil {
		t.Fatal(err)
	}
	p, err := sso.New(t.Context(), c, sso.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return op, p
}

// secDialects runs fn on a secEnv over SQLite and, with
// MLSEC_TEST_POSTGRES_URL, a fresh PostgreSQL database.
func secDialects(t *testing.T, fn func(t *testing.T, e *secEnv)) {
	for name, dsn := range pgtest.DSNs(t) {
		t.Run(name, func(t *testing.T) { fn(t, newSecEnv(t, dsn(t))) })
	}
}

// permissivePolicy denies only versions with failing test evidence, so
// decisions reach their approvals.
func permissivePolicy(t *testing.T) *policyeval.Evaluator {
	t.Helper()
	dir := t.TempDir()
	rego := "package mlsec.gate\n\nimport rego.v1\n\ndeny contains \"T-001\" if {\n\tsome e in input.evidence\n\te.type == \"test\"\n\te.result.failed > 0\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "gate.rego"), []byte(rego), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err := policyeval.New(t.Context(), policy.Options{Dirs: []string{dir}, NoDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func newSecEnv(t *testing.T, dsn string) *secEnv { return newSecEnvWith(t, dsn, nil) }

// newSecEnvWith is newSecEnv with cfg changing the server's Config first.
func newSecEnvWith(t *testing.T, dsn string, cfg func(*Config)) *secEnv {
	t.Helper()
	return newSecEnvPolicy(t, dsn, permissivePolicy(t), cfg)
}

// newSecEnvPolicy is newSecEnvWith deciding with eng.
func newSecEnvPolicy(t *testing.T, dsn string, eng registry.Evaluator, cfg func(*Config)) *secEnv {
	t.Helper()
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobDir := filepath.Join(t.TempDir(), "blobs")
	bs, err := blob.Open(t.Context(), blobDir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	skey, _, err := audit.GenerateKey("test/audit")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := audit.NewSigner(skey)
	svc := registry.NewService(db, registry.WithPolicy(eng), registry.WithAuditor(registry.NewMerkleAuditor(signer)),
		registry.WithSecretKey(make([]byte, registry.SecretKeySize)))
	sessions := session.New(session.Config{Check: svc.Reauthenticate})
	srv := httptest.NewUnstartedServer(nil)
	op, sp := ssoProvider(t, "http://"+srv.Listener.Addr().String())
	pages, err := ui.New(ui.Config{Service: svc, Sessions: sessions, SSO: sp})
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler), Pages: pages, Sessions: sessions, SSO: sp}
	if cfg != nil {
		cfg(&c)
	}
	srv.Config.Handler = New(c)
	srv.Start()
	t.Cleanup(srv.Close)
	// Whatever the test did through the API, the tables a person reads
	// still agree with the audit log (no false alarm from any route).
	t.Cleanup(func() {
		tc, err := svc.AuditTableCheck(context.Background(), registry.System)
		if err != nil || !tc.Sealed || len(tc.Problems) > 0 {
			t.Errorf("sealed tables after the test: %+v %v", tc, err)
		}
	})
	e := &secEnv{env: &env{url: srv.URL, svc: svc, tokens: map[registry.Role]string{}}, blobDir: blobDir, blobs: bs, op: op}
	secret, _, err := svc.Bootstrap(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e.tokens[registry.RoleAdmin] = secret
	return e
}

// token creates a token through the API as the bootstrap admin and returns
// its secret.
func (e *secEnv) token(t *testing.T, name string, role registry.Role, team, model string) string {
	t.Helper()
	return e.tokenBy(t, e.tokens[registry.RoleAdmin], map[string]any{"name": name, "role": role, "scope_team": team, "scope_model": model}).Secret
}

// tokenBy creates a token as creator and returns it (failing unless 201).
func (e *secEnv) tokenBy(t *testing.T, creator string, body map[string]any) registry.CreatedToken {
	t.Helper()
	r := e.do(t, creator, "POST", "/api/v1/tokens", body)
	if r.code != 201 {
		t.Fatalf("token %v: %d %s", body, r.code, r.body)
	}
	var ct registry.CreatedToken
	json.Unmarshal(r.body, &ct)
	return ct
}

// must sends a request and fails the test unless the status is code.
func (e *secEnv) must(t *testing.T, code int, token, method, path string, body any) resp {
	t.Helper()
	r := e.do(t, token, method, path, body)
	if r.code != code {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.code, code, r.body)
	}
	return r
}

// push creates model's version of files through the API as token (its
// blobs uploaded and the version finalized) and returns its number.
func (e *secEnv) push(t *testing.T, token, model string, files map[string][]byte) int {
	t.Helper()
	n := e.upload(t, token, model, files)
	finishJobs(t, e.svc, "")
	return n
}

// upload is push leaving the analysis jobs queued.
func (e *secEnv) upload(t *testing.T, token, model string, files map[string][]byte) int {
	t.Helper()
	var arts []map[string]any
	for p, b := range files {
		arts = append(arts, map[string]any{"path": p, "size": len(b), "sha256": sum(b)})
	}
	r := e.do(t, token, "POST", "/api/v1/models/"+model+"/versions", map[string]any{"artifacts": arts})
	if r.code != 201 && r.code != 200 {
		t.Fatalf("create version of %s: %d %s", model, r.code, r.body)
	}
	var v registry.Version
	json.Unmarshal(r.body, &v)
	for _, b := range files {
		if r := e.do(t, token, "PUT", "/api/v1/blobs/"+sum(b), b); r.code != 201 && r.code != 200 {
			t.Fatalf("upload: %d %s", r.code, r.body)
		}
	}
	e.must(t, 200, token, "POST", fmt.Sprintf("/api/v1/models/%s/versions/%d/finalize", model, v.Number), nil)
	return v.Number
}

// listNames returns the field of every item of a list response.
func listNames(t *testing.T, r resp, field string) []string {
	t.Helper()
	var l struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("list %s: %v", r.body, err)
	}
	var out []string
	for _, it := range l.Items {
		out = append(out, fmt.Sprint(it[field]))
	}
	return out
}
