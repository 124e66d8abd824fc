package sso_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/oidctest"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/sso"
)

const redirect = "http://127.0.0.1:1/signin/oidc/callback" // never dialled: Login stops at it

var users = []oidctest.User{
	{ID: "alice", Password: "pw-alice", Email: "alice@example.com", EmailVerified: true, Groups: []string{"team-a-maintainers"}},
	{ID: "mallory", Password: "pw-mallory", Email: "mallory@example.com", EmailVerified: true, Groups: []string{"nobody"}},
}

func config(issuer string) sso.Config {
	c := sso.Config{Name: "Test IdP", Issuer: issuer, ClientID: oidctest.WebClientID, ClientSecret: oidctest.WebClientSecret,
		RedirectURL: redirect, CLIClientID: oidctest.CLIClientID,
		Rules: []sso.Rule{{Group: "team-a-maintainers", Role: registry.RoleMaintainer, Team: "team-a"}}}
	if err := c.Resolve(); err != nil {
		panic(err)
	}
	return c
}

func start(t *testing.T) (*oidctest.Provider, *sso.Provider) {
	t.Helper()
	op := oidctest.Start(t, users, redirect)
	p, err := sso.New(t.Context(), config(op.Issuer), sso.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	return op, p
}

// begin starts a web flow and returns the flow cookie and the auth URL.
func begin(t *testing.T, p *sso.Provider) (*http.Cookie, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	u, err := p.Begin(t.Context(), rec, httptest.NewRequest("GET", "/signin/oidc", nil), "/models/m1")
	if err != nil {
		t.Fatal(err)
	}
	cs := rec.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != sso.FlowCookie || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("flow cookie: %+v", cs)
	}
	q, _ := url.Parse(u)
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if q.Query().Get(k) == "" {
			t.Fatalf("authorization URL without %s: %s", k, u)
		}
	}
	if q.Query().Get("code_challenge_method") != "S256" {
		t.Fatalf("PKCE method: %s", u)
	}
	return cs[0], u
}

func finish(t *testing.T, p *sso.Provider, callback string, c *http.Cookie) (sso.Identity, string, error) {
	t.Helper()
	r := httptest.NewRequest("GET", callback, nil)
	if c != nil {
		r.AddCookie(c)
	}
	return p.Finish(t.Context(), httptest.NewRecorder(), r)
}

func TestWebFlow(t *testing.T) {
	op, p := start(t)
	c, u := begin(t, p)
	cb := op.Login(t, u, "alice", "pw-alice", redirect)
	id, next, err := finish(t, p, cb, c)
	if err != nil {
		t.Fatal(err)
	}
	want := registry.Actor{Name: "sso:alice@example.com", Person: "sso:alice@example.com", Role: registry.RoleMaintainer, ScopeTeam: "team-a"}
	if id.Actor != want || next != "/models/m1" || id.Subject != "alice" || id.Issuer != op.Issuer {
		t.Fatalf("got %+v next %q", id, next)
	}
	// Replaying the same callback (same cookie, state and code) is refused.
	if _, _, err := finish(t, p, cb, c); !errors.Is(err, sso.ErrState) {
		t.Fatalf("replayed callback: %v", err)
	}
}

func TestWebFlowAttacks(t *testing.T) {
	op, p := start(t)
	t.Run("state from another browser's flow", func(t *testing.T) {
		c1, _ := begin(t, p)
		_, u2 := begin(t, p)
		cb := op.Login(t, u2, "alice", "pw-alice", redirect)
		if _, _, err := finish(t, p, cb, c1); !errors.Is(err, sso.ErrState) || !errors.Is(err, registry.ErrInvalid) {
			t.Fatalf("state mismatch: %v", err)
		}
	})
	t.Run("no flow cookie (login CSRF)", func(t *testing.T) {
		_, u := begin(t, p)
		cb := op.Login(t, u, "alice", "pw-alice", redirect)
		if _, _, err := finish(t, p, cb, nil); !errors.Is(err, sso.ErrState) {
			t.Fatalf("no cookie: %v", err)
		}
	})
	t.Run("unmapped group", func(t *testing.T) {
		c, u := begin(t, p)
		cb := op.Login(t, u, "mallory", "pw-mallory", redirect)
		if _, _, err := finish(t, p, cb, c); !errors.Is(err, sso.ErrUnmapped) || !errors.Is(err, registry.ErrForbidden) {
			t.Fatalf("unmapped: %v", err)
		}
	})
	t.Run("wrong nonce", func(t *testing.T) {
		op.WrongNonce.Store(true)
		defer op.WrongNonce.Store(false)
		c, u := begin(t, p)
		cb := op.Login(t, u, "alice", "pw-alice", redirect)
		if _, _, err := finish(t, p, cb, c); !errors.Is(err, sso.ErrIDToken) || !strings.Contains(err.Error(), "nonce") {
			t.Fatalf("wrong nonce: %v", err)
		}
	})
	t.Run("expired ID token", func(t *testing.T) {
		op.Expired.Store(true)
		defer op.Expired.Store(false)
		c, u := begin(t, p)
		cb := op.Login(t, u, "alice", "pw-alice", redirect)
		if _, _, err := finish(t, p, cb, c); !errors.Is(err, sso.ErrIDToken) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("expired: %v", err)
		}
	})
	t.Run("provider refused", func(t *testing.T) {
		c, u := begin(t, p)
		q, _ := url.Parse(u)
		cb := redirect + "?error=access_denied&error_description=no&state=" + q.Query().Get("state")
		if _, _, err := finish(t, p, cb, c); !errors.Is(err, sso.ErrRefused) || !strings.Contains(err.Error(), "access_denied") {
			t.Fatalf("refused: %v", err)
		}
	})
}

func TestVerifyCLIAttacks(t *testing.T) {
	op, p := start(t)
	ok := op.Claims("alice", oidctest.CLIClientID)
	if id, err := p.VerifyCLI(t.Context(), op.Mint(t, ok, nil)); err != nil || id.Actor.Person != "sso:alice@example.com" {
		t.Fatalf("valid token: %+v %v", id, err)
	}
	with := func(k string, v any) map[string]any { return oidctest.With(ok, k, v) }
	now := time.Now()
	for _, tc := range []struct {
		name  string
		token string
		want  error
		text  string
	}{
		{"another audience", op.Mint(t, with("aud", []string{oidctest.OtherClientID}), nil), sso.ErrIDToken, "audience"},
		{"the web client's audience", op.Mint(t, with("aud", []string{oidctest.WebClientID}), nil), sso.ErrIDToken, "audience"},
		{"another issuer", op.Mint(t, with("iss", "https://evil.example"), nil), sso.ErrIDToken, "different provider"},
		{"expired", op.Mint(t, with("exp", now.Add(-time.Minute).Unix()), nil), sso.ErrIDToken, "expired"},
		{"issued long ago", op.Mint(t, with("iat", now.Add(-time.Hour).Unix()), nil), sso.ErrIDToken, "ago"},
		{"signed by another key", op.Mint(t, ok, oidctest.NewKey(t)), sso.ErrIDToken, "signature"},
		{"unmapped group", op.Mint(t, with("groups", []string{"team-b"}), nil), sso.ErrUnmapped, ""},
		{"unverified e-mail", op.Mint(t, with("email_verified", false), nil), registry.ErrForbidden, "email_verified"},
		{"not a JWT", "eyJhbGciOiJub25lIn0.e30.", sso.ErrIDToken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.VerifyCLI(t.Context(), tc.token)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("got %v, want %v mentioning %q", err, tc.want, tc.text)
			}
		})
	}
}

func TestProviderDown(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	issuer := ts.URL
	ts.Close()
	p, err := sso.New(t.Context(), config(issuer), sso.Options{HTTPClient: &http.Client{Timeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Begin(t.Context(), httptest.NewRecorder(), httptest.NewRequest("GET", "/signin/oidc", nil), "/")
	if !errors.Is(err, registry.ErrUnavailable) || !strings.Contains(err.Error(), issuer) {
		t.Fatalf("provider down: %v", err)
	}
}
