package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// registryCommands returns the path (without "mlsec") of every runnable
// command that talks to the registry: those with a --server flag.
func registryCommands() []string {
	var out []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && (c.Flags().Lookup("server") != nil || c.InheritedFlags().Lookup("server") != nil) {
			out = append(out, strings.TrimPrefix(c.CommandPath(), "mlsec "))
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(NewRoot())
	sort.Strings(out)
	return out
}

// registryCommandArgs gives each registry command arguments that are valid
// on the client side, so that the command reaches the server. A new
// registry command must be added here (TestRegistryExitCodes fails
// otherwise).
func registryCommandArgs(t *testing.T) map[string][]string {
	model := t.TempDir()
	writeModel(t, model, []byte("w"))
	out := t.TempDir()
	digest := "sha256:" + strings.Repeat("ab", 32)
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "t.csv"), []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string][]string{
		"data approve":        {"data", "approve", "adult@1"},
		"data diff":           {"data", "diff", "adult@1", "adult@2"},
		"data locate":         {"data", "locate", data},
		"data register":       {"data", "register", data, "--name", "adult", "--classification", "internal"},
		"data push":           {"data", "push", data, "--name", "adult", "--classification", "internal"},
		"data pull":           {"data", "pull", "adult@1", filepath.Join(out, "adult")},
		"data reject":         {"data", "reject", "adult@1"},
		"data versions":       {"data", "versions", "adult"},
		"gate":                {"gate", "--dataset", "adult@1"},
		"alias":               {"alias", "toy", "prod", "--set", "1"},
		"approve":             {"approve", "1"},
		"audit export":        {"audit", "export", "-o", filepath.Join(out, "audit.json")},
		"audit verify":        {"audit", "verify"},
		"datasets":            {"datasets"},
		"datasets add":        {"datasets", "add", "tx", "--digest", digest},
		"ui login":            {"ui", "login"},
		"evidence":            {"evidence", "toy@1"},
		"exceptions":          {"exceptions", "toy"},
		"fairness history":    {"fairness", "history", "toy"},
		"history":             {"history", "toy"},
		"lineage":             {"lineage", "toy@1"},
		"login":               {"login"},
		"logout":              {"logout"},
		"models":              {"models"},
		"owners":              {"owners", "toy"},
		"profile set":         {"profile", "set", "--model", "toy", "strict"},
		"profile show":        {"profile", "show", "--model", "toy"},
		"profile unset":       {"profile", "unset", "--team", "risk"},
		"pull":                {"pull", "toy@1", "-o", filepath.Join(out, "pulled")},
		"push":                {"push", model, "--model", "toy"},
		"record":              {"record", "toy@1", "--title", "t", "--body", "b"},
		"reject":              {"reject", "1"},
		"report":              {"report", "toy", "-o", filepath.Join(out, "report.html")},
		"request":             {"request", "toy@1", "promote", "--stage", "production", "--rationale", "r"},
		"requests":            {"requests", "toy"},
		"rollback":            {"rollback", "toy", "--to", "1", "--reason", "r"},
		"stage":               {"stage", "toy@1", "production"},
		"token":               {"token"},
		"token create":        {"token", "create", "ci", "--role", "maintainer"},
		"token revoke":        {"token", "revoke", "1"},
		"versions":            {"versions", "toy"},
		"webhooks":            {"webhooks"},
		"webhooks add":        {"webhooks", "add", "https://hooks.example/x", "--event", "version.created"},
		"webhooks deliveries": {"webhooks", "deliveries", "1"},
		"webhooks rm":         {"webhooks", "rm", "1"},
	}
}

// answering starts a loopback HTTP server that answers every request with
// status and the registry's error body.
func answering(t *testing.T, status int, code, msg string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error": {"code": %q, "message": %q}}`, code, msg)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRegistryExitCodes walks every registry client command and checks the
// exit-code table of docs/exit-codes.md: a 403 is 1 everywhere; a 400 (a
// usage error found by the server), a 401, a 404, a 5xx and an unreachable
// registry are 2 everywhere, as a usage error found by the client is; each
// with the hint of its cause.
func TestRegistryExitCodes(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("MLSEC_SERVER", "")
	t.Setenv("MLSEC_TOKEN", "mlsec_"+strings.Repeat("0", 64))
	args := registryCommandArgs(t)
	cmds := registryCommands()
	for _, c := range cmds {
		if _, ok := args[c]; !ok {
			t.Errorf("registry command %q has no entry in registryCommandArgs: add one", c)
		}
	}
	if len(cmds) < 25 {
		t.Fatalf("only %d registry commands found: %v", len(cmds), cmds)
	}
	cases := []struct {
		name    string
		server  string
		code    int
		hint    string // in stderr
		notHint string // never in stderr
	}{
		{"forbidden", answering(t, 403, "forbidden", "token role auditor does not allow this"), 1, "role or scope", "registry running"},
		{"invalid", answering(t, 400, "invalid", "bad field"), 2, "bad field", "registry running"},
		{"unauthenticated", answering(t, 401, "unauthenticated", "token not recognised"), 2, "Set MLSEC_TOKEN", "registry running"},
		{"not found", answering(t, 404, "not_found", "model toy not found"), 2, "mlsec models", "registry running"},
		{"conflict", answering(t, 409, "conflict", "not allowed now"), 1, "not allowed now", "registry running"},
		{"internal", answering(t, 500, "internal", "boom"), 2, "boom", "registry running"},
		{"unreachable", "http://127.0.0.1:1", 2, "Is the registry running at http://127.0.0.1:1", "Set MLSEC_TOKEN"},
	}
	// Hints that differ because the cause does: a 404 to 'mlsec login'
	// means the registry has no single sign-on.
	// A 404 to 'mlsec data pull' is about a dataset, not a model.
	hintFor := map[string]map[string]string{"login": {"not found": "no single sign-on"}, "data pull": {"not found": "mlsec data versions adult"}}
	for _, tc := range cases {
		for _, c := range cmds {
			a := append(append([]string{}, args[c]...), "--server", tc.server)
			code, stdout, stderr := runCLI(a...)
			hint := tc.hint
			if h, ok := hintFor[c][tc.name]; ok {
				hint = h
			}
			if code != tc.code || !strings.Contains(stderr, hint) || strings.Contains(stderr, tc.notHint) {
				t.Errorf("%s: mlsec %s: exit %d (want %d), stderr %q (want %q, never %q), stdout %q",
					tc.name, strings.Join(a, " "), code, tc.code, stderr, hint, tc.notHint, stdout)
			}
		}
	}
	// A client-side usage error is 2 everywhere, before any request.
	for _, c := range cmds {
		a := append(append([]string{}, args[c]...), "--server", "http://127.0.0.1:1", "--no-such-flag")
		if code, _, stderr := runCLI(a...); code != 2 || strings.Contains(stderr, "registry running") {
			t.Errorf("mlsec %s: exit %d, %q", strings.Join(a, " "), code, stderr)
		}
	}
}

// A local path that does not exist is 2, and the hint does not suggest the
// registry is down.
func TestRegistryLocalPathErrors(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("MLSEC_TOKEN", "mlsec_"+strings.Repeat("0", 64))
	srv := answering(t, 403, "forbidden", "should not be asked")
	missing := filepath.Join(t.TempDir(), "no-such-model")
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, []byte("x"), 0o644)
	for _, a := range [][]string{
		{"push", missing, "--model", "toy"},
		{"audit", "verify", "--file", missing},
		{"audit", "verify", "--server", srv, "--checkpoint", missing},
	} {
		a = append(a, "--server", srv)
		if a[0] == "audit" && a[2] == "--file" {
			a = a[:len(a)-2]
		}
		code, _, stderr := runCLI(a...)
		if code != 2 || !strings.Contains(stderr, "no-such-model") || strings.Contains(stderr, "registry running") || strings.Contains(stderr, "should not be asked") {
			t.Errorf("mlsec %s: exit %d, %q", strings.Join(a, " "), code, stderr)
		}
	}
}
