package cli

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/audit"
)

// auditServer starts 'mlsec serve', makes n audited changes (after the
// bootstrap token's, entry 0) and returns
// the URL, the admin token and the data dir.
func auditServer(t *testing.T, n int) (url, tok, dir string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	url, stderr := startServe(t, dir)
	tok = tokenRE.FindString(stderr.String())
	pub, err := os.ReadFile(filepath.Join(dir, "audit.key.pub"))
	if err != nil || !strings.Contains(stderr.String(), strings.TrimSpace(string(pub))) {
		t.Fatalf("serve did not create and print the audit key: %v\n%s", err, stderr.String())
	}
	if fi, err := os.Stat(filepath.Join(dir, "audit.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit.key: %v %v", fi, err)
	}
	for i := range n {
		body := fmt.Sprintf(`{"name":"m%d","team":"t"}`, i)
		req, _ := http.NewRequest("POST", url+"/api/v1/models", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 201 {
			t.Fatalf("create model: %v %v", err, res)
		}
		res.Body.Close()
	}
	return url, tok, dir
}

func TestAuditVerifyAndExportCLI(t *testing.T) {
	url, tok, dir := auditServer(t, 6)
	pub := filepath.Join(dir, "audit.key.pub")
	out, code, err := run(t, "audit", "verify", "--server", url, "--token", tok, "--key", pub)
	if code != ExitOK || !strings.Contains(out, "audit log OK: 7 entries, 7 signed checkpoints") {
		t.Fatalf("verify --server: %d %v\n%s", code, err, out)
	}
	out, code, err = run(t, "audit", "verify", "--database", filepath.Join(dir, "registry.db"), "--key", pub, "--format", "json")
	var res struct {
		OK      bool `json:"ok"`
		Entries int  `json:"entries"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &res) != nil || !res.OK || res.Entries != 7 {
		t.Fatalf("verify --database: %d %v\n%s", code, err, out)
	}
	// Export, then verify offline with the public key only.
	file := filepath.Join(t.TempDir(), "audit-log.json")
	if _, code, err := run(t, "audit", "export", "--server", url, "--token", tok, "-o", file); code != ExitOK {
		t.Fatalf("export: %d %v", code, err)
	}
	key, _ := os.ReadFile(pub)
	if out, code, err := run(t, "audit", "verify", "--file", file, "--key", string(key)); code != ExitOK {
		t.Fatalf("verify --file: %d %v\n%s", code, err, out)
	}
	// Another key: every checkpoint fails, exit 1.
	_, other, _ := audit.GenerateKey("mlsec-registry/audit")
	if out, code, _ := run(t, "audit", "verify", "--file", file, "--key", other); code != ExitFindings || !strings.Contains(out, "bad-signature") {
		t.Fatalf("wrong key: %d\n%s", code, out)
	}
	// Edit entry 3 (entry 0 is the bootstrap token) in the exported file:
	// exit 1, entry 3 named.
	f, _ := os.Open(file)
	l, err := audit.ReadLog(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	l.Entries[3].Data = bytes.Replace(l.Entries[3].Data, []byte(`"m2"`), []byte(`"mX"`), 1)
	var buf bytes.Buffer
	l.Write(&buf)
	os.WriteFile(file, buf.Bytes(), 0o644)
	out, code, _ = run(t, "audit", "verify", "--file", file, "--key", pub)
	if code != ExitFindings || !strings.Contains(out, "first problem at entry 3 (altered)") {
		t.Fatalf("tampered file: %d\n%s", code, out)
	}
}

func TestAuditVerifyDetectsDatabaseTamper(t *testing.T) {
	url, tok, dir := auditServer(t, 5)
	db := filepath.Join(dir, "registry.db")
	raw, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DELETE FROM audit_log WHERE idx = 3`); err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(dir, "audit.key.pub")
	for _, src := range [][]string{{"--database", db}, {"--server", url, "--token", tok}} {
		out, code, _ := run(t, append([]string{"audit", "verify", "--key", pub}, src...)...)
		if code != ExitFindings || !strings.Contains(out, "entry 3 was deleted") {
			t.Fatalf("%v: %d\n%s", src, code, out)
		}
	}
}

func TestAuditCLIUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"audit", "verify", "--server", "http://x", "--file", "f"},
		{"audit", "verify", "--file", filepath.Join(dir, "missing.json"), "--key", "k"},
		{"audit", "verify", "--database", filepath.Join(dir, "missing.db")},
		{"audit", "export", "--database", filepath.Join(dir, "missing.db")},
		{"audit", "verify", "--file", "x", "--format", "xml"},
	} {
		if _, code, _ := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
	// A malformed key is a usage error, not a tamper verdict.
	l := &audit.Log{Format: audit.LogFormat}
	var buf bytes.Buffer
	l.Write(&buf)
	file := filepath.Join(dir, "empty.json")
	os.WriteFile(file, buf.Bytes(), 0o644)
	if _, code, _ := run(t, "audit", "verify", "--file", file, "--key", "not-a-key"); code != ExitUsage {
		t.Errorf("bad key: exit %d", code)
	}
}
