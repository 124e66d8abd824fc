package session

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
)

var alice = registry.Actor{Name: "token:1:alice", Person: "alice", Role: registry.RoleReviewer, TokenID: 1}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// start opens a session for a and returns its cookie.
func start(t *testing.T, m *Manager, r *http.Request, a registry.Actor) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if err := m.Start(w, r, a); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("Start set %d cookies", len(cs))
	}
	return cs[0]
}

func with(c *http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "/models", nil)
	r.AddCookie(c)
	return r
}

func TestStartActorEnd(t *testing.T) {
	t.Parallel()
	m := New(Config{})
	c := start(t, m, httptest.NewRequest("POST", "/signin", nil), alice)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.Name != CookieName {
		t.Errorf("cookie attributes: %+v", c)
	}
	if a, ok := m.Actor(with(c)); !ok || a != alice {
		t.Fatalf("Actor = %+v %v", a, ok)
	}
	if _, ok := m.Actor(httptest.NewRequest("GET", "/", nil)); ok {
		t.Error("a request without a cookie has a session")
	}
	forged := *c
	forged.Value = strings.Repeat("A", 43)
	if _, ok := m.Actor(with(&forged)); ok {
		t.Error("a guessed session id is accepted")
	}
	w := httptest.NewRecorder()
	m.End(w, with(c))
	if cl := w.Result().Cookies(); len(cl) != 1 || cl[0].MaxAge >= 0 {
		t.Errorf("End did not clear the cookie: %+v", cl)
	}
	if _, ok := m.Actor(with(c)); ok {
		t.Error("the session survives End")
	}
}

func TestSecureCookieOverTLS(t *testing.T) {
	t.Parallel()
	m := New(Config{})
	r := httptest.NewRequest("POST", "https://reg.example/signin", nil)
	r.TLS = &tls.ConnectionState{}
	c := start(t, m, r, alice)
	if !c.Secure || c.Name != SecureCookieName {
		t.Errorf("over TLS: %+v", c)
	}
	// The plain-HTTP cookie name is not read on a TLS request.
	r2 := httptest.NewRequest("GET", "https://reg.example/", nil)
	r2.TLS = &tls.ConnectionState{}
	r2.AddCookie(&http.Cookie{Name: CookieName, Value: c.Value})
	if _, ok := m.Actor(r2); ok {
		t.Error("a non-Secure cookie name is accepted over TLS")
	}
}

// A session id planted in the browser before sign-in is not the one the
// signed-in session uses.
func TestStartEndsThePlantedSession(t *testing.T) {
	t.Parallel()
	m := New(Config{})
	planted := start(t, m, httptest.NewRequest("POST", "/signin", nil), registry.Actor{Name: "attacker", Role: registry.RoleAuditor})
	c := start(t, m, with(planted), alice)
	if c.Value == planted.Value {
		t.Fatal("Start reused the planted id")
	}
	if _, ok := m.Actor(with(planted)); ok {
		t.Error("the planted session still works")
	}
	if m.Len() != 1 {
		t.Errorf("%d sessions, want 1", m.Len())
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	ck := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := New(Config{TTL: time.Hour, Idle: 10 * time.Minute, Now: ck.now})
	c := start(t, m, httptest.NewRequest("POST", "/", nil), alice)
	for range 5 { // used every 9 minutes: the idle timer restarts
		ck.t = ck.t.Add(9 * time.Minute)
		if _, ok := m.Actor(with(c)); !ok {
			t.Fatalf("session ended at %v despite use", ck.t)
		}
	}
	ck.t = ck.t.Add(10 * time.Minute)
	if _, ok := m.Actor(with(c)); ok {
		t.Error("idle session still valid")
	}
	c = start(t, m, httptest.NewRequest("POST", "/", nil), alice)
	for range 7 {
		ck.t = ck.t.Add(9 * time.Minute)
		m.Actor(with(c))
	}
	if _, ok := m.Actor(with(c)); ok {
		t.Error("session outlives its TTL")
	}
}

// Check runs on every request: a revoked token ends its sessions.
func TestCheckEndsSession(t *testing.T) {
	t.Parallel()
	revoked := false
	m := New(Config{Check: func(_ context.Context, a registry.Actor) (registry.Actor, error) {
		if revoked {
			return registry.Actor{}, registry.ErrUnauthenticated
		}
		return a, nil
	}})
	c := start(t, m, httptest.NewRequest("POST", "/", nil), alice)
	if _, ok := m.Actor(with(c)); !ok {
		t.Fatal("no session")
	}
	revoked = true
	if _, ok := m.Actor(with(c)); ok {
		t.Error("revoked token's session still valid")
	}
	revoked = false
	if _, ok := m.Actor(with(c)); ok {
		t.Error("the session came back")
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	m := New(Config{})
	c := start(t, m, httptest.NewRequest("POST", "/", nil), alice)
	tok := m.CSRFToken(with(c))
	if len(tok) < 40 {
		t.Fatalf("token %q", tok)
	}
	other := start(t, m, httptest.NewRequest("POST", "/", nil), alice)
	for _, tc := range []struct {
		name   string
		cookie *http.Cookie
		form   string
		want   error
	}{
		{"right", c, tok, nil},
		{"missing", c, "", ErrCSRF},
		{"wrong", c, tok[:len(tok)-1] + "x", ErrCSRF},
		{"another session's", other, tok, ErrCSRF},
		{"no session", nil, tok, ErrCSRF},
	} {
		r := httptest.NewRequest("POST", "/decisions/1", strings.NewReader(url.Values{CSRFField: {tc.form}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.cookie != nil {
			r.AddCookie(tc.cookie)
		}
		if err := m.CheckCSRF(r); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestStartRefusesAnonymous(t *testing.T) {
	t.Parallel()
	if err := New(Config{}).Start(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), registry.Actor{}); err == nil {
		t.Error("Start accepted an empty actor")
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	Headers(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP allows scripts: %q", csp)
	}
	if w.Header().Get("X-Frame-Options") != "DENY" {
		t.Error("no X-Frame-Options")
	}
}

// A sign-in link works once, within LinkTTL, for a still-valid actor.
func TestLinks(t *testing.T) {
	t.Parallel()
	ck := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	revoked := false
	m := New(Config{Now: ck.now, Check: func(_ context.Context, a registry.Actor) (registry.Actor, error) {
		if revoked {
			return registry.Actor{}, registry.ErrUnauthenticated
		}
		return a, nil
	}})
	redeem := func(code string) (*http.Cookie, error) {
		w := httptest.NewRecorder()
		_, err := m.Redeem(w, httptest.NewRequest("POST", "/signin/link", nil), code)
		if cs := w.Result().Cookies(); len(cs) == 1 {
			return cs[0], err
		}
		return nil, err
	}
	code, exp, err := m.NewLink(alice)
	if err != nil || !exp.Equal(ck.t.Add(LinkTTL)) {
		t.Fatalf("NewLink: %v %v", exp, err)
	}
	c, err := redeem(code)
	if err != nil || c == nil {
		t.Fatalf("first use: %v", err)
	}
	if a, ok := m.Actor(with(c)); !ok || a != alice {
		t.Errorf("the link's session is %+v %v", a, ok)
	}
	if _, err := redeem(code); !errors.Is(err, ErrLink) {
		t.Errorf("second use: %v", err)
	}
	if _, err := redeem("nonsense"); !errors.Is(err, ErrLink) {
		t.Errorf("unknown code: %v", err)
	}
	code, _, _ = m.NewLink(alice)
	ck.t = ck.t.Add(LinkTTL)
	if _, err := redeem(code); !errors.Is(err, ErrLink) {
		t.Errorf("expired link: %v", err)
	}
	code, _, _ = m.NewLink(alice)
	revoked = true
	if c, err := redeem(code); !errors.Is(err, ErrLink) || c != nil {
		t.Errorf("revoked token's link: %v %v", c, err)
	}
}

// Waiting sign-in links are bounded: MaxLinks of them are kept, one more
// is ErrFull; once the older ones expire a new link sweeps them out, and
// the links still valid at the sweep keep working.
func TestLinksBounded(t *testing.T) {
	t.Parallel()
	ck := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := New(Config{Now: ck.now})
	for i := range MaxLinks / 2 {
		if _, _, err := m.NewLink(alice); err != nil {
			t.Fatalf("link %d: %v", i, err)
		}
	}
	ck.t = ck.t.Add(LinkTTL / 2)
	var young string
	for i := MaxLinks / 2; i < MaxLinks; i++ {
		code, _, err := m.NewLink(alice)
		if err != nil {
			t.Fatalf("link %d of %d: %v", i+1, MaxLinks, err)
		}
		young = code
	}
	if _, _, err := m.NewLink(alice); !errors.Is(err, ErrFull) {
		t.Fatalf("link %d: %v, want ErrFull", MaxLinks+1, err)
	}
	ck.t = ck.t.Add(LinkTTL / 2) // the first half has expired, the second not
	if _, _, err := m.NewLink(alice); err != nil {
		t.Fatalf("a link once the older half expired: %v", err)
	}
	if n := len(m.links); n != MaxLinks/2+1 {
		t.Errorf("%d links kept after the sweep, want %d", n, MaxLinks/2+1)
	}
	if _, err := m.Redeem(httptest.NewRecorder(), httptest.NewRequest("POST", "/signin/link", nil), young); err != nil {
		t.Errorf("a link still valid at the sweep: %v", err)
	}
}
