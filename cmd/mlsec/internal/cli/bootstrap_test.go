package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// authOK reports whether tok is accepted as an admin token by the server.
func authOK(t *testing.T, url, tok string) bool {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/v1/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode == 200
}

// TestBootstrapTokenFile: --bootstrap-token-file writes a new token 0600
// instead of printing it, uses a token an operator put there, and
// MLSEC_BOOTSTRAP_TOKEN supplies one; nothing is printed in either case.
func TestBootstrapTokenFile(t *testing.T) {
	t.Run("written", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		file := filepath.Join(t.TempDir(), "admin.token")
		url, stderr := startServeWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: dir, bootstrapFile: file})
		if tokenRE.MatchString(stderr.String()) || !strings.Contains(stderr.String(), "written to "+file) {
			t.Fatalf("stderr:\n%s", stderr.String())
		}
		raw, err := os.ReadFile(file)
		fi, _ := os.Stat(file)
		if err != nil || fi.Mode().Perm() != 0o600 || !authOK(t, url, strings.TrimSpace(string(raw))) {
			t.Fatalf("token file: %v %v %q", err, fi.Mode(), raw)
		}
	})
	t.Run("supplied", func(t *testing.T) {
		secret := "mlsec_" + strings.Repeat("ab12", 10)
		file := filepath.Join(t.TempDir(), "admin.token")
		os.WriteFile(file, []byte(secret+"\n"), 0o600)
		url, stderr := startServeWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"), bootstrapFile: file})
		if strings.Contains(stderr.String(), secret) || !authOK(t, url, secret) {
			t.Fatalf("supplied token: stderr\n%s", stderr.String())
		}
		url, stderr = startServeWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"), bootstrapToken: secret + "x"})
		if strings.Contains(stderr.String(), secret) || !authOK(t, url, secret+"x") || authOK(t, url, secret) {
			t.Fatalf("env token: stderr\n%s", stderr.String())
		}
	})
	t.Run("refused", func(t *testing.T) {
		for name, o := range map[string]serveOptions{
			"weak":  {bootstrapToken: "mlsec_short"},
			"other": {bootstrapToken: "ghp_" + strings.Repeat("a", 40)},
			"both":  {bootstrapToken: "mlsec_" + strings.Repeat("a", 40), bootstrapFile: filepath.Join(t.TempDir(), "f")},
		} {
			o.addr, o.dataDir = "127.0.0.1:0", filepath.Join(t.TempDir(), "data")
			if err := runServe(t.Context(), o, &syncBuffer{}, nil); exitCode(err, io.Discard) != ExitUsage {
				t.Errorf("%s: %v, want a usage error", name, err)
			}
		}
	})
}

// TestTokenRecovery: a lost admin token is replaced next to the database,
// the server still running; the recovery is in the signed audit log
// (token.recover, with who ran it) and the log still verifies; without
// the audit key nothing is issued.
func TestTokenRecovery(t *testing.T) {
	url, _, dir := auditServer(t, 1)
	code, out, errs := runCLI("token", "create", "ops", "--role", "admin", "--data-dir", dir, "--format", "json")
	var ct struct {
		Name   string `json:"name"`
		Role   string `json:"role"`
		Secret string `json:"secret"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &ct) != nil || ct.Role != "admin" || !authOK(t, url, ct.Secret) {
		t.Fatalf("recovery: %d\n%s\n%s", code, out, errs)
	}
	req, _ := http.NewRequest("GET", url+"/api/v1/audit?limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+ct.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	trail, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(trail), `"token.recover"`) || !strings.Contains(string(trail), "local-recovery") || !strings.Contains(string(trail), `"operator"`) {
		t.Fatalf("audit trail: %s", trail)
	}
	pub := filepath.Join(dir, "audit.key.pub")
	if code, out, errs := runCLI("audit", "verify", "--server", url, "--token", ct.Secret, "--key", pub); code != 0 {
		t.Fatalf("verify after recovery: %d\n%s\n%s", code, out, errs)
	}
	os.Rename(filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.key.moved"))
	if code, out, errs := runCLI("token", "create", "ops2", "--role", "admin", "--data-dir", dir); code != ExitUsage || !strings.Contains(errs, "audit key") {
		t.Fatalf("recovery without the audit key: %d\n%s\n%s", code, out, errs)
	}
	// The 401 hint names tokens and recovery, not serve.
	code, _, errs = runCLI("models", "--server", url, "--token", "mlsec_"+strings.Repeat("0", 64))
	if code != ExitUsage || strings.Contains(errs, "run 'mlsec serve'") || !strings.Contains(errs, "--role admin --data-dir") {
		t.Fatalf("401 hint: %d\n%s", code, errs)
	}
}
