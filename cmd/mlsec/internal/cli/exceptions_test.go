package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// TestExceptionsCLI grants an exception through the CLI against a real
// 'mlsec serve': a malicious pickle is denied by MLSEC-SCAN-002; an
// exception for it is requested, refused to its requester, approved by the
// approve owner and listed by 'mlsec exceptions'; the promotion then passes
// the policy with the rule waived and executes after approval.
func TestExceptionsCLI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "policy-data.json")
	os.WriteFile(data, []byte(`{"mlsec": {"disabled_rules": ["MLSEC-SIG-001", "MLSEC-BOM-002", "MLSEC-BOM-003", "MLSEC-BOM-004"]}}`), 0o600)
	url, admin := clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: t.TempDir(), workers: 2, policyData: []string{data}})
	alice := newToken(t, url, admin, "alice", registry.RoleMaintainer)
	bob := newToken(t, url, admin, "bob", registry.RoleReviewer)

	dir := filepath.Join(t.TempDir(), "toy")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "model.pkl"), []byte("\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."), 0o644)
	if code, out, errs := as(alice, "push", dir, "--model", "toy"); code != 0 {
		t.Fatalf("push: %d %s %s", code, out, errs)
	}
	waitServerScan(t, "toy@1")
	if code, out, errs := as(admin, "owners", "toy", "--set", "approve=bob"); code != 0 {
		t.Fatalf("owners: %d %s %s", code, out, errs)
	}
	code, out, errs := as(alice, "request", "toy@1", "promote", "--rationale", "release")
	if code != 1 || !strings.Contains(out, ": denied") || !strings.Contains(out, "MLSEC-SCAN-002") {
		t.Fatalf("promotion before exception: %d %s %s", code, out, errs)
	}
	code, out, errs = as(alice, "request", "toy@1", "grant-exception", "--rule", "MLSEC-SCAN-002", "--expires", "2099-01-31", "--rationale", "x")
	if code == 0 || !strings.Contains(errs, "days ahead") {
		t.Fatalf("exception too far ahead: %d %s %s", code, out, errs)
	}
	exp := nowPlusDays(30)
	code, out, errs = as(alice, "request", "toy@1", "grant-exception", "--rule", "MLSEC-SCAN-002", "--expires", exp,
		"--rationale", "demo pickle, reviewed in SEC-123")
	if code != 0 || !strings.Contains(out, "grant_exception MLSEC-SCAN-002 for toy@1 until "+exp+" (owner alice): pending") {
		t.Fatalf("request exception: %d %s %s", code, out, errs)
	}
	id := requestIDOf(t, out)
	if code, _, errs := as(alice, "approve", id); code != 1 || !strings.Contains(errs, "separation of duties") {
		t.Fatalf("self-approval of an exception: %d %s", code, errs)
	}
	if code, out, errs := as(bob, "approve", id, "--comment", "accepted for 30 days"); code != 0 || !strings.Contains(out, ": executed") {
		t.Fatalf("approve exception: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI("exceptions", "toy")
	if code != 0 || !strings.Contains(out, "MLSEC-SCAN-002") || !strings.Contains(out, "active") || !strings.Contains(out, "alice") {
		t.Fatalf("exceptions: %d %s %s", code, out, errs)
	}
	code, out, _ = runCLI("exceptions", "toy", "--format", "json")
	var es []registry.ModelException
	if code != 0 || json.Unmarshal([]byte(out), &es) != nil || len(es) != 1 || es[0].Rule != "MLSEC-SCAN-002" || es[0].Expires != exp ||
		es[0].Owner != "alice" || es[0].GrantedBy != "bob" || es[0].Version != 1 || !es[0].Active {
		t.Fatalf("exceptions json: %d %s", code, out)
	}
	code, out, errs = as(alice, "request", "toy@1", "promote", "--rationale", "release with the reviewed exception")
	if code != 0 || !strings.Contains(out, ": pending") || !strings.Contains(out, "allowed=true") {
		t.Fatalf("promotion with exception: %d %s %s", code, out, errs)
	}
	if code, out, errs := as(bob, "approve", requestIDOf(t, out)); code != 0 || !strings.Contains(out, ": executed") {
		t.Fatalf("approve promotion: %d %s %s", code, out, errs)
	}
}

func requestIDOf(t *testing.T, out string) string {
	t.Helper()
	f := strings.Fields(out)
	if len(f) < 2 || f[0] != "request" {
		t.Fatalf("no request id in %q", out)
	}
	return strings.TrimSuffix(f[1], ":")
}

func nowPlusDays(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }
