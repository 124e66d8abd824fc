package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/oidctest"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/server/session"
	"github.com/mlsec/mlsec/registry/sso"
	"github.com/mlsec/mlsec/ui"
)

// Single sign-on through the server, against the real provider of
// internal/oidctest: the web UI's code flow and the CLI's exchange.

// ssoSetup creates team-a's model ma and team-b's model mb.
func ssoSetup(t *testing.T, e *secEnv) {
	t.Helper()
	root := e.tokens[registry.RoleAdmin]
	e.must(t, 201, root, "POST", "/api/v1/models", map[string]any{"name": "ma", "team": "team-a"})
	e.must(t, 201, root, "POST", "/api/v1/models", map[string]any{"name": "mb", "team": "team-b"})
}

// ssoStart follows the sign-in button: the flow cookie and the provider's
// authorization URL.
func ssoStart(t *testing.T, e *secEnv, next string) (cookie, authURL string) {
	t.Helper()
	r := (&browser{base: e.url}).do(t, "GET", "/signin/oidc?next="+url.QueryEscape(next), nil)
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.hdr.Get("Location"), e.op.Issuer) {
		t.Fatalf("sign-in button: %d to %q", r.code, r.hdr.Get("Location"))
	}
	for _, c := range (&http.Response{Header: r.hdr}).Cookies() {
		if c.Name == sso.FlowCookie {
			return c.Name + "=" + c.Value, r.hdr.Get("Location")
		}
	}
	t.Fatal("no flow cookie")
	return "", ""
}

// ssoCallback opens the provider's callback URL in a browser with cookie.
func ssoCallback(t *testing.T, e *secEnv, cookie, callback string) resp {
	t.Helper()
	return (&browser{base: e.url, cookie: cookie}).do(t, "GET", strings.TrimPrefix(callback, e.url), nil)
}

// ssoSignIn signs user in through the provider's login page and returns
// the browser with its session.
func ssoSignIn(t *testing.T, e *secEnv, user, password string) *browser {
	t.Helper()
	cookie, u := ssoStart(t, e, "/models")
	r := ssoCallback(t, e, cookie, e.op.Login(t, u, user, password, e.url+"/signin/oidc/callback"))
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/models" {
		t.Fatalf("callback: %d %s", r.code, r.body)
	}
	b := &browser{base: e.url}
	for _, c := range (&http.Response{Header: r.hdr}).Cookies() {
		if c.Name == session.CookieName && c.Value != "" {
			b.cookie = c.Name + "=" + c.Value
		}
	}
	if b.cookie == "" {
		t.Fatalf("no session cookie: %v", r.hdr["Set-Cookie"])
	}
	if m := csrfInput.FindSubmatch(b.do(t, "GET", "/datasets", nil).body); m != nil {
		b.csrf = string(m[1])
	}
	return b
}

func TestSSOWebSignIn(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		ssoSetup(t, e)
		root := e.tokens[registry.RoleAdmin]
		e.push(t, root, "mb", map[string][]byte{"w.bin": []byte("b")})
		mustPatch(t, e, root, "/api/v1/models/mb/owners", map[string]any{"owners": map[string]any{"approve": []string{"role:maintainer"}}}, "If-Match", `"r1"`)
		var req registry.DecisionRequest
		json.Unmarshal(e.must(t, 201, root, "POST", "/api/v1/models/mb/versions/1/requests", map[string]any{"action": "promote", "rationale": "r"}).body, &req)

		b := ssoSignIn(t, e, "alice", "pw-alice")
		page := string(b.do(t, "GET", "/models", nil).body)
		if !strings.Contains(page, "sso:alice@example.com") || !strings.Contains(page, `href="/models/ma"`) || strings.Contains(page, `href="/models/mb"`) {
			t.Fatalf("models page as alice (team-a):\n%s", page)
		}
		// Team A's maintainer cannot act on team B through the UI.
		if r := b.do(t, "GET", "/models/mb", nil); r.code != 403 {
			t.Errorf("team-b's model as alice: %d", r.code)
		}
		if r := b.do(t, "POST", fmt.Sprintf("/decisions/%d", req.ID), url.Values{"csrf": {b.csrf}, "verdict": {"approve"}, "comment": {"x"}}); r.code != 403 {
			t.Errorf("alice decides team-b's request: %d %s", r.code, r.body)
		}
		// The sign-in is audited with the provider's stable identifier.
		var found bool
		for _, ev := range auditEvents(t, e) {
			if ev.Action == "ui.sso_signin" && ev.Subject == "principal/sso:alice@example.com" && ev.Actor == "sso:alice@example.com" &&
				strings.Contains(string(ev.Payload), `"subject":"alice"`) && strings.Contains(string(ev.Payload), `"issuer":"`+e.op.Issuer) {
				found = true
			}
		}
		if !found {
			t.Error("no ui.sso_signin audit event for alice")
		}
	})
}

func auditEvents(t *testing.T, e *secEnv) []registry.AuditEvent {
	t.Helper()
	var l struct {
		Items []registry.AuditEvent `json:"items"`
	}
	json.Unmarshal(e.must(t, 200, e.tokens[registry.RoleAdmin], "GET", "/api/v1/audit?limit=500", nil).body, &l)
	return l.Items
}

func TestSSOWebAttacks(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		cb := e.url + "/signin/oidc/callback"
		t.Run("replayed callback", func(t *testing.T) {
			cookie, u := ssoStart(t, e, "/models")
			callback := e.op.Login(t, u, "alice", "pw-alice", cb)
			if r := ssoCallback(t, e, cookie, callback); r.code != 303 {
				t.Fatalf("first use: %d", r.code)
			}
			if r := ssoCallback(t, e, cookie, callback); r.code != 400 || !strings.Contains(string(r.body), "start again") || hasSession(r) {
				t.Errorf("replay: %d %s", r.code, r.body)
			}
		})
		t.Run("state of another browser", func(t *testing.T) {
			mine, _ := ssoStart(t, e, "/models")
			_, theirs := ssoStart(t, e, "/models")
			if r := ssoCallback(t, e, mine, e.op.Login(t, theirs, "alice", "pw-alice", cb)); r.code != 400 || hasSession(r) {
				t.Errorf("state mismatch: %d %s", r.code, r.body)
			}
		})
		t.Run("no flow cookie (login CSRF)", func(t *testing.T) {
			_, u := ssoStart(t, e, "/models")
			if r := ssoCallback(t, e, "", e.op.Login(t, u, "alice", "pw-alice", cb)); r.code != 400 || hasSession(r) {
				t.Errorf("no cookie: %d %s", r.code, r.body)
			}
		})
		t.Run("unmapped group", func(t *testing.T) {
			cookie, u := ssoStart(t, e, "/models")
			r := ssoCallback(t, e, cookie, e.op.Login(t, u, "carol", "pw-carol", cb))
			if r.code != 403 || !strings.Contains(string(r.body), "mapped to a registry role") || hasSession(r) ||
				!strings.Contains(r.hdr.Get("Content-Type"), "text/html") {
				t.Errorf("unmapped: %d %s", r.code, r.body)
			}
		})
		t.Run("open redirect", func(t *testing.T) {
			cookie, u := ssoStart(t, e, "//evil.example/x")
			r := ssoCallback(t, e, cookie, e.op.Login(t, u, "alice", "pw-alice", cb))
			if loc := r.hdr.Get("Location"); r.code != 303 || loc != "/models" {
				t.Errorf("next=//evil.example: %d to %q", r.code, loc)
			}
		})
	})
}

func hasSession(r resp) bool {
	for _, c := range (&http.Response{Header: r.hdr}).Cookies() {
		if c.Name == session.CookieName && c.Value != "" {
			return true
		}
	}
	return false
}

// exchange posts an ID token to the exchange.
func exchange(t *testing.T, e *secEnv, idToken string) (resp, registry.SSOToken) {
	t.Helper()
	r := e.do(t, "", "POST", "/api/v1/auth/oidc/exchange", map[string]any{"id_token": idToken})
	var tok registry.SSOToken
	json.Unmarshal(r.body, &tok)
	return r, tok
}

func TestSSOExchange(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		ssoSetup(t, e)
		r, tok := exchange(t, e, e.op.Mint(t, e.op.Claims("alice", oidctest.CLIClientID), nil))
		if r.code != 201 || tok.Person != "sso:alice@example.com" || tok.Role != registry.RoleMaintainer || tok.ScopeTeam != "team-a" ||
			!strings.HasPrefix(tok.Token, registry.TokenPrefix) || time.Until(tok.ExpiresAt) > sso.DefaultTokenTTL || time.Until(tok.ExpiresAt) < sso.DefaultTokenTTL-time.Minute {
			t.Fatalf("exchange: %d %s", r.code, r.body)
		}
		// The token acts as alice, maintainer of team-a only.
		if names := listNames(t, e.must(t, 200, tok.Token, "GET", "/api/v1/models", nil), "name"); strings.Join(names, ",") != "ma" {
			t.Errorf("alice lists %v", names)
		}
		if r := e.do(t, tok.Token, "PATCH", "/api/v1/models/mb", map[string]any{"description": "mine"}, "If-Match", `"r1"`); r.code != 403 {
			t.Errorf("alice edits team-b's model: %d", r.code)
		}
		mustPatch(t, e, tok.Token, "/api/v1/models/ma", map[string]any{"description": "ours"}, "If-Match", `"r1"`)

		// Owners name the person; a second token of alice is the same
		// person, so it cannot approve the first one's request.
		root := e.tokens[registry.RoleAdmin]
		mustPatch(t, e, root, "/api/v1/models/ma/owners", map[string]any{"owners": map[string]any{"approve": []string{"sso:alice@example.com", "role:admin"}}}, "If-Match", `"r2"`)
		e.push(t, tok.Token, "ma", map[string][]byte{"w.bin": []byte("a")})
		var req registry.DecisionRequest
		json.Unmarshal(e.must(t, 201, tok.Token, "POST", "/api/v1/models/ma/versions/1/requests", map[string]any{"action": "promote", "rationale": "r"}).body, &req)
		_, tok2 := exchange(t, e, e.op.Mint(t, e.op.Claims("alice", oidctest.CLIClientID), nil))
		if tok2.Person != tok.Person || tok2.Token == tok.Token {
			t.Fatalf("second exchange: %+v", tok2)
		}
		if r := e.do(t, tok2.Token, "POST", fmt.Sprintf("/api/v1/requests/%d/approve", req.ID), map[string]any{"comment": "lgtm"}); r.code != 403 ||
			!strings.Contains(string(r.body), "separation of duties") {
			t.Errorf("alice approves her own request with her second token: %d %s", r.code, r.body)
		}

		// No API token can be created in a signed-in person's name.
		for _, body := range []map[string]any{{"name": "sso:alice@example.com", "role": "admin"}, {"name": "alice2", "person": "sso:alice@example.com", "role": "admin"}} {
			if r := e.do(t, root, "POST", "/api/v1/tokens", body); r.code != 400 {
				t.Errorf("token %v: %d %s", body, r.code, r.body)
			}
		}

		// Audited with the provider's identifiers, never the tokens.
		var audited bool
		for _, ev := range auditEvents(t, e) {
			if ev.Action == "token.sso_exchange" && ev.Actor == "sso:alice@example.com" && strings.Contains(string(ev.Payload), `"via":"cli"`) {
				audited = true
			}
			if strings.Contains(string(ev.Payload), tok.Token) || strings.Contains(string(ev.Payload), "eyJ") {
				t.Errorf("a token in the audit log: %s", ev.Payload)
			}
		}
		if !audited {
			t.Error("no token.sso_exchange audit event")
		}

		// Logout revokes the token and only it.
		e.must(t, 204, tok.Token, "DELETE", "/api/v1/auth/token", nil)
		if r := e.do(t, tok.Token, "GET", "/api/v1/models", nil); r.code != 401 {
			t.Errorf("after logout: %d", r.code)
		}
		e.must(t, 200, tok2.Token, "GET", "/api/v1/models", nil)
	})
}

func TestSSOExchangeAttacks(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		ok := e.op.Claims("alice", oidctest.CLIClientID)
		with := func(k string, v any) map[string]any { return oidctest.With(ok, k, v) }
		before := len(auditEvents(t, e))
		for _, tc := range []struct {
			name  string
			token string
			code  int
		}{
			{"ID token for another audience", e.op.Mint(t, with("aud", []string{oidctest.OtherClientID}), nil), 401},
			{"ID token of the web client", e.op.Mint(t, with("aud", []string{oidctest.WebClientID}), nil), 401},
			{"expired", e.op.Mint(t, with("exp", time.Now().Add(-time.Minute).Unix()), nil), 401},
			{"signed by another key", e.op.Mint(t, ok, oidctest.NewKey(t)), 401},
			{"unmapped group", e.op.Mint(t, e.op.Claims("carol", oidctest.CLIClientID), nil), 403},
			{"garbage", "not a jwt", 401},
			{"an API token", e.tokens[registry.RoleAdmin], 401},
		} {
			r, _ := exchange(t, e, tc.token)
			if r.code != tc.code || strings.Contains(string(r.body), "mlsec_") {
				t.Errorf("%s: %d %s, want %d", tc.name, r.code, r.body, tc.code)
			}
		}
		if after := len(auditEvents(t, e)); after != before {
			t.Errorf("refused exchanges changed the audit log: %d events, was %d", after, before)
		}
	})
}

// TestSSOProviderDown: a provider that does not answer is a 502 with what
// to do, on the sign-in page and at the exchange.
func TestSSOProviderDown(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	e := newSecEnvWith(t, filepath.Join(t.TempDir(), "registry.db"), func(c *Config) {
		conf := sso.Config{Issuer: dead.URL, ClientID: "c", ClientSecret: "s", RedirectURL: "http://127.0.0.1/signin/oidc/callback", Rules: ssoRules}
		if err := conf.Resolve(); err != nil {
			t.Fatal(err)
		}
		p, err := sso.New(t.Context(), conf, sso.Options{HTTPClient: &http.Client{Timeout: 2 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		pages, err := ui.New(ui.Config{Service: c.Service, Sessions: c.Sessions.(*session.Manager), SSO: p})
		if err != nil {
			t.Fatal(err)
		}
		c.Pages, c.SSO = pages, p
	})
	r := (&browser{base: e.url}).do(t, "GET", "/signin/oidc", nil)
	if r.code != 502 || !strings.Contains(string(r.body), "cannot be reached") || !strings.Contains(string(r.body), "API token") {
		t.Errorf("sign-in with the provider down: %d %s", r.code, r.body)
	}
	if r, _ := exchange(t, e, "x.y.z"); r.code != 502 {
		t.Errorf("exchange with the provider down: %d %s", r.code, r.body)
	}
}

// mustPatch sends a PATCH with If-Match and fails unless 200.
func mustPatch(t *testing.T, e *secEnv, token, path string, body any, hdr ...string) {
	t.Helper()
	if r := e.do(t, token, "PATCH", path, body, hdr...); r.code != 200 {
		t.Fatalf("PATCH %s: %d %s", path, r.code, r.body)
	}
}
