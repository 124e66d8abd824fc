package server

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/ui"
)

var _ Pages = (*ui.UI)(nil) // interface guard: package ui cannot import server

// browser is a cookie-carrying client of the web UI that does not follow
// redirects (so a redirect to the sign-in page is seen as one).
type browser struct {
	base   string
	cookie string
	csrf   string
}

func (b *browser) do(t *testing.T, method, path string, form url.Values, hdr ...string) resp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.cookie != "" {
		req.Header.Set("Cookie", b.cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, data}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn posts token to the sign-in form and returns a browser with the
// session cookie and its CSRF token.
func signIn(t *testing.T, base, token string) *browser {
	t.Helper()
	b := &browser{base: base}
	r := b.do(t, "POST", "/signin", url.Values{"token": {token}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", r.code, r.body)
	}
	for _, c := range (&http.Response{Header: r.hdr}).Cookies() {
		if c.HttpOnly && c.SameSite == http.SameSiteLaxMode {
			b.cookie = c.Name + "=" + c.Value
		}
	}
	if b.cookie == "" {
		t.Fatalf("no HttpOnly SameSite=Lax session cookie: %v", r.hdr["Set-Cookie"])
	}
	m := csrfInput.FindSubmatch(b.do(t, "GET", "/datasets", nil).body)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	b.csrf = string(m[1])
	return b
}

// pageOutcome is outcome for pages: a redirect to the sign-in page means
// unauthenticated (sign-out redirects there without ?next=).
func pageOutcome(r resp) string {
	if r.code == http.StatusSeeOther && strings.HasPrefix(r.hdr.Get("Location"), "/signin?next=") {
		return "unauthenticated"
	}
	return outcome(r)
}

// pageMarkers are, for each list page, what a side's item shows.
var pageMarkers = map[string]struct {
	marker  func(s side) string
	visible func(id identity, s side) bool
}{
	"GET /models":    {func(s side) string { return `data-model="` + s.model + `"` }, modelIn},
	"GET /datasets":  {func(s side) string { return `data-dataset="` + s.dataset + `"` }, datasetIn},
	"GET /decisions": {func(s side) string { return `>` + s.model + ` v1</a>` }, modelIn},
	"GET /audit":     {func(s side) string { return `<td>model/` + s.model + `</td>` }, modelIn},
}

// fillPage puts a side's fixtures into a page path.
func fillPage(rt route, s side) string {
	p := strings.NewReplacer("{model}", s.model, "{number}", "1", "{id}", fmt.Sprint(s.request), "{index}", "0",
		"{file}", "style.css", "{code}", "c0de").Replace(rt.path)
	p = strings.TrimSuffix(p, "{$}")
	if rt.path == "/audit" {
		p += "?action=model.create"
	}
	if rt.path == "/decisions" {
		// Every pending request in scope; the default view ("waiting
		// for me") is a subset of it, filtered by the service's vote rule.
		p += "?show=all"
	}
	return p
}

// The web UI's routes, for every role and scope: the same expectations as
// the API's (TestAuthorizationMatrix), with a session cookie instead of a
// bearer token, plus: no session means a redirect to the sign-in page.
func TestPageAuthorizationMatrix(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		sides, ids := matrixFixtures(t, e)
		anon := &browser{base: e.url}
		n := 0
		for _, rt := range routes {
			if !rt.page {
				continue
			}
			n++
			name := rt.method + " " + rt.path
			if rt.scope == scopeUnset {
				t.Errorf("%s declares no scope rule (routes.go)", name)
				continue
			}
			if rt.public {
				if r := anon.do(t, rt.method, fillPage(rt, sides[0]), url.Values{}); r.code >= 500 || r.code == 404 {
					t.Errorf("public %s: %d", name, r.code)
				}
				continue
			}
			for _, cookie := range []string{"", "mlsec-session=" + strings.Repeat("A", 43), "mlsec-session=x"} {
				b := &browser{base: e.url, cookie: cookie}
				if r := b.do(t, rt.method, fillPage(rt, sides[0]), url.Values{}); pageOutcome(r) != "unauthenticated" {
					t.Errorf("%s with cookie %q: %d, want a redirect to /signin", name, cookie, r.code)
				}
			}
			lm, isList := pageMarkers[name]
			if rt.scope == scopeList && !isList {
				t.Errorf("list page %s has no marker in pages_matrix_test.go", name)
				continue
			}
			for _, id := range ids {
				for _, s := range sides {
					checkPageCell(t, e, rt, id, s, lm.marker, lm.visible)
				}
			}
		}
		if n < 10 {
			t.Fatalf("only %d page routes", n)
		}
	})
}

func checkPageCell(t *testing.T, e *secEnv, rt route, id identity, s side, marker func(side) string, visible func(identity, side) bool) {
	t.Helper()
	name := rt.method + " " + rt.path
	b := signIn(t, e.url, id.secret)
	var form url.Values
	if rt.method == "POST" {
		form = url.Values{"csrf": {b.csrf}, "verdict": {"reject"}, "comment": {"matrix"}}
	}
	r := b.do(t, rt.method, fillPage(rt, s), form)
	got := pageOutcome(r)
	if !(registry.Actor{Role: id.role}).Can(rt.perm) {
		if r.code != 403 || got != "role" {
			t.Errorf("%s as %s on %s: %d %s, want 403 for the role", name, id, s.name, r.code, r.body)
		}
		return
	}
	want := true
	switch rt.scope {
	case scopeModel:
		want = modelIn(id, s)
	case scopeWhole:
		want = id.team == "" && id.model == ""
	case scopeList:
		if got != "passed" || r.code != 200 {
			t.Errorf("%s as %s: %d %s", name, id, r.code, r.body)
			return
		}
		for _, x := range []side{{name: "a", team: "team-a", model: "ma", dataset: "ds-a"}, {name: "b", team: "team-b", model: "mb", dataset: "ds-b"}} {
			if shown := strings.Contains(string(r.body), marker(x)); shown != visible(id, x) {
				t.Errorf("%s as %s: side %s shown=%v, want %v", name, id, x.name, shown, visible(id, x))
			}
		}
		return
	}
	switch {
	case want && got != "passed":
		t.Errorf("%s as %s on %s: %d %s, want it past authorization", name, id, s.name, r.code, r.body)
	case !want && got != "scope":
		t.Errorf("%s as %s on %s: %d %s, want 403 for the scope", name, id, s.name, r.code, r.body)
	}
}

// A form posted from another site, or without the session's CSRF token,
// is refused before anything changes; the same vote from the page works.
func TestPageCSRF(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		sides, _ := matrixFixtures(t, e)
		b := signIn(t, e.url, e.tokens[registry.RoleAdmin])
		path := fmt.Sprintf("/decisions/%d", sides[0].request)
		vote := url.Values{"csrf": {b.csrf}, "verdict": {"approve"}}
		for _, tc := range []struct {
			name string
			form url.Values
			hdr  []string
		}{
			{"cross-site fetch metadata", vote, []string{"Sec-Fetch-Site", "cross-site"}},
			{"foreign Origin", vote, []string{"Origin", "https://evil.example"}},
			{"no CSRF token", url.Values{"verdict": {"approve"}}, nil},
			{"wrong CSRF token", url.Values{"csrf": {"x" + b.csrf[1:]}, "verdict": {"approve"}}, nil},
		} {
			if r := b.do(t, "POST", path, tc.form, tc.hdr...); r.code != 403 {
				t.Errorf("%s: %d, want 403", tc.name, r.code)
			}
		}
		d, err := e.svc.GetDecisionRequest(t.Context(), registry.System, sides[0].request)
		if err != nil || d.Status != registry.RequestPending {
			t.Fatalf("a refused vote changed the request: %v %v", d.Status, err)
		}
		if r := b.do(t, "POST", path, vote, "Sec-Fetch-Site", "same-origin"); r.code != 303 {
			t.Fatalf("same-origin vote: %d %s", r.code, r.body)
		}
		if d, _ := e.svc.GetDecisionRequest(t.Context(), registry.System, sides[0].request); d.Status != registry.RequestExecuted {
			t.Errorf("the vote did not execute the request: %s", d.Status)
		}
		// Signing out ends the session for good.
		if r := b.do(t, "POST", "/signout", url.Values{"csrf": {b.csrf}}); r.code != 303 {
			t.Fatalf("sign out: %d", r.code)
		}
		if r := b.do(t, "GET", "/models", nil); pageOutcome(r) != "unauthenticated" {
			t.Errorf("after sign-out: %d", r.code)
		}
	})
}

// Revoking the token a session signed in with ends the session.
func TestPageSessionEndsWithToken(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		ct := e.tokenBy(t, e.tokens[registry.RoleAdmin], map[string]any{"name": "carol", "role": "reviewer"})
		b := signIn(t, e.url, ct.Secret)
		if r := b.do(t, "GET", "/models", nil); r.code != 200 {
			t.Fatalf("models: %d", r.code)
		}
		e.must(t, 204, e.tokens[registry.RoleAdmin], "DELETE", fmt.Sprintf("/api/v1/tokens/%d", ct.ID), nil)
		if r := b.do(t, "GET", "/models", nil); pageOutcome(r) != "unauthenticated" {
			t.Errorf("revoked token's session: %d", r.code)
		}
		if r := (&browser{base: e.url}).do(t, "POST", "/signin", url.Values{"token": {ct.Secret}}); r.code != 401 {
			t.Errorf("sign-in with a revoked token: %d", r.code)
		}
	})
}
