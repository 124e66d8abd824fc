package cli

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// mlsec serve prints the UI's address; the bootstrap token signs in there,
// and the session cookie is Secure with --secure-cookies.
func TestServeWebUI(t *testing.T) {
	base, stderr := startServeWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"), workers: 0, secureCookies: true})
	if !strings.Contains(stderr.String(), "Web UI: "+base+"/") {
		t.Fatalf("no UI address printed:\n%s", stderr.String())
	}
	tok := tokenRE.FindString(stderr.String())
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Fatalf("/ without a session: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, err = noFollow.PostForm(base+"/signin", url.Values{"token": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cs := res.Cookies()
	if res.StatusCode != http.StatusSeeOther || len(cs) != 1 || !cs[0].Secure || !cs[0].HttpOnly || cs[0].Name != "__Host-mlsec-session" {
		t.Fatalf("sign in: %d %+v", res.StatusCode, cs)
	}
	// A browser would not send a Secure cookie over plain HTTP; a client
	// that does (the proxy case) is signed in.
	req, _ := http.NewRequest("GET", base+"/models", nil)
	req.Header.Set("Cookie", cs[0].Name+"="+cs[0].Value)
	res, err = noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "<h1>Models</h1>") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("models: %d %s", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	// mlsec ui login prints a one-time link: its page signs in once, and
	// both steps are in the audit trail.
	code, out, errOut := runCLI("ui", "login", "--server", base, "--token", tok)
	link := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(link, base+"/signin/link/") || strings.Contains(link, tok) {
		t.Fatalf("ui login: %d %q %s", code, out, errOut)
	}
	res, err = noFollow.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), `id="use-link"`) {
		t.Fatalf("link page: %d", res.StatusCode)
	}
	use := url.Values{"code": {strings.TrimPrefix(link, base+"/signin/link/")}}
	res, err = noFollow.PostForm(base+"/signin/link", use)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
		t.Fatalf("using the link: %d", res.StatusCode)
	}
	if res, err = noFollow.PostForm(base+"/signin/link", use); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("using the link twice: %v %v", err, res.StatusCode)
	}
	res.Body.Close()
	req, _ = http.NewRequest("GET", base+"/api/v1/audit?limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	trail, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, action := range []string{"ui.login_link.create", "ui.login_link.use"} {
		if !strings.Contains(string(trail), `"action":"`+action+`"`) {
			t.Errorf("no %s in the audit trail", action)
		}
	}
}
