package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mlsec/mlsec/internal/browsertest"
	"github.com/mlsec/mlsec/internal/oidctest"
)

// Single sign-on end to end: 'mlsec serve --oidc-config' against the
// loopback OpenID provider of internal/oidctest, 'mlsec login' through
// the device flow, and a person signing in to the web UI in Chromium.

var ssoPeople = []oidctest.User{
	{ID: "alice", Password: "pw-alice", Email: "alice@example.com", EmailVerified: true, Groups: []string{"team-a-maintainers"}},
	{ID: "carol", Password: "pw-carol", Email: "carol@example.com", EmailVerified: true, Groups: []string{"staff"}},
}

// freeAddr returns a loopback address nobody listens on (the registry's
// callback URL must be registered at the provider before serve starts).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveSSO starts a provider and 'mlsec serve' trusting it, with a
// bootstrap admin token; it returns the registry URL, the admin token and
// the provider.
func serveSSO(t *testing.T) (string, string, *oidctest.Provider) {
	t.Helper()
	addr := freeAddr(t)
	op := oidctest.Start(t, ssoPeople, "http://"+addr+"/signin/oidc/callback")
	dir := t.TempDir()
	secret := filepath.Join(dir, "client-secret")
	os.WriteFile(secret, []byte(oidctest.WebClientSecret+"\n"), 0o600)
	conf := filepath.Join(dir, "sso.yaml")
	os.WriteFile(conf, fmt.Appendf(nil, `name: Test IdP
issuer: %s
client_id: %s
client_secret_file: %s
redirect_url: http://%s/signin/oidc/callback
cli_client_id: %s
roles:
  - group: team-a-maintainers
    role: maintainer
    team: team-a
`, op.Issuer, oidctest.WebClientID, secret, addr, oidctest.CLIClientID), 0o600)
	admin := "mlsec_" + strings.Repeat("a1", 32)
	base, stderr := startServeWith(t, serveOptions{addr: addr, dataDir: filepath.Join(dir, "data"), workers: 0, bootstrapToken: admin,
		sso: ssoOptions{config: conf}})
	if !strings.Contains(stderr.String(), "sign in with Test IdP") {
		t.Fatalf("serve does not mention single sign-on:\n%s", stderr)
	}
	for _, m := range []string{"ma:team-a", "mb:team-b"} {
		name, team, _ := strings.Cut(m, ":")
		mdir := t.TempDir()
		writeModel(t, mdir, []byte(name))
		if code, _, errOut := runCLI("push", mdir, "--model", name, "--team", team, "--server", base, "--token", admin); code != 0 {
			t.Fatalf("push %s: %s", name, errOut)
		}
	}
	return base, admin, op
}

// userCodeRE finds the code 'mlsec login' asks the person to enter.
var userCodeRE = regexp.MustCompile(`enter the code (\S+)`)

// TestLoginDeviceFlow: 'mlsec login' completes the device flow against the
// provider (the person's approval is automated), stores the exchanged
// token 0600, and the registry commands use it as the person; 'mlsec
// logout' revokes it. A person with no mapped group is refused (exit 1).
func TestLoginDeviceFlow(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	t.Setenv("MLSEC_TOKEN", "")
	t.Setenv("MLSEC_SERVER", "")
	base, _, op := serveSSO(t)

	login := func(user string) (int, string, string) {
		t.Helper()
		stderr := &syncBuffer{}
		var stdout strings.Builder
		done := make(chan int, 1)
		go func() { done <- Run([]string{"login", "--server", base}, &stdout, stderr) }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if m := userCodeRE.FindStringSubmatch(stderr.String()); m != nil {
				if err := op.Approve(context.Background(), m[1], user); err != nil {
					t.Fatalf("approve %s: %v", m[1], err)
				}
				break
			}
			select {
			case code := <-done:
				return code, stdout.String(), stderr.String()
			case <-time.After(50 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("login printed no code:\n%s", stderr)
			}
		}
		select {
		case code := <-done:
			return code, stdout.String(), stderr.String()
		case <-time.After(60 * time.Second):
			t.Fatalf("login did not finish:\n%s", stderr)
		}
		return 0, "", ""
	}

	code, out, errOut := login("alice")
	if code != 0 || !strings.Contains(out, "as sso:alice@example.com (maintainer of team team-a)") {
		t.Fatalf("login: exit %d\n%s\n%s", code, out, errOut)
	}
	cfg := filepath.Join(cfgHome, "mlsec", "config.yaml")
	fi, err := os.Stat(cfg)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v %v", fi, err)
	}
	saved, _ := os.ReadFile(cfg)
	if !tokenRE.Match(saved) || !strings.Contains(string(saved), base) {
		t.Fatalf("config file holds no token for %s:\n%s", base, saved)
	}

	// The saved token is alice's: team-a's model only.
	code, out, errOut = runCLI("models", "--server", base, "--format", "json")
	if code != 0 || !strings.Contains(out, `"name": "ma"`) && !strings.Contains(out, `"name":"ma"`) || strings.Contains(out, `"mb"`) {
		t.Fatalf("models with the login token: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := runCLI("pull", "mb@1", "-o", filepath.Join(t.TempDir(), "mb")); code == 0 {
		t.Error("alice pulled team-b's model")
	}

	code, out, errOut = runCLI("logout")
	if code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("logout: exit %d %s %s", code, out, errOut)
	}
	if after, _ := os.ReadFile(cfg); tokenRE.Match(after) || !strings.Contains(string(after), base) {
		t.Errorf("config after logout:\n%s", after)
	}
	if code, _, _ := runCLI("models", "--token", tokenRE.FindString(string(saved))); code != 2 {
		t.Errorf("the revoked token still works: exit %d", code)
	}

	// carol is in no mapped group: refused, nothing saved.
	code, _, errOut = login("carol")
	if code != 1 || !strings.Contains(errOut, "mapped") {
		t.Fatalf("unmapped login: exit %d\n%s", code, errOut)
	}
	if after, _ := os.ReadFile(cfg); tokenRE.Match(after) {
		t.Error("a refused login saved a token")
	}
}

// TestLoginWithoutSSO: a registry without single sign-on says so (exit 2).
func TestLoginWithoutSSO(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	base, _ := startServe(t, filepath.Join(t.TempDir(), "data"))
	code, _, errOut := runCLI("login", "--server", base)
	if code != 2 || !strings.Contains(errOut, "no single sign-on") {
		t.Fatalf("login without SSO: exit %d %s", code, errOut)
	}
}

// TestSSOBrowser: in headless Chromium, the sign-in page's "Sign in with
// Test IdP" leads to the provider's login page; alice signs in there and
// lands on the models page as the maintainer of team-a (team-b's model is
// neither listed nor readable).
func TestSSOBrowser(t *testing.T) {
	bin := browsertest.Chromium(t)
	base, _, _ := serveSSO(t)
	b := browsertest.Start(t, bin, 2*time.Minute)
	ctx, run, text := b.Ctx, b.Do, b.Text
	run("sign-in page", chromedp.Navigate(base+"/models"), chromedp.WaitVisible(chromedp.CSS("#sso")))
	if got := text("#sso"); got != "Sign in with Test IdP" {
		t.Fatalf("button: %q", got)
	}
	run("to the provider", chromedp.Click(chromedp.CSS("#sso")), chromedp.WaitVisible(chromedp.CSS("#username")))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if strings.HasPrefix(loc, base) {
		t.Fatalf("still on the registry: %s", loc)
	}
	run("provider login", chromedp.SendKeys(chromedp.CSS("#username"), "alice"), chromedp.SendKeys(chromedp.CSS("#password"), "pw-alice"),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("form.signout button")))
	loc, _ = chromedp.Run(ctx, chromedp.Location())
	if loc != base+"/models" {
		t.Errorf("landed on %s, want %s/models", loc, base)
	}
	page := text("body")
	if !strings.Contains(page, "sso:alice@example.com") || !strings.Contains(page, "ma") || strings.Contains(page, "mb") {
		t.Errorf("models page as alice:\n%s", page)
	}
	run("team-b's model", chromedp.Navigate(base+"/models/mb"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text("main h1"); !strings.Contains(got, "403") {
		t.Errorf("team-b's model as alice: %q", got)
	}
}
