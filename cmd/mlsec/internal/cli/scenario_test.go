package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/sign"
)

// TestGovernanceScenario is the board-level story of issue 6, end to end
// through a real 'mlsec serve' and the CLI with the DEFAULT policy (no rule
// disabled): a signed model with a model card is registered, pushed and
// analysed by the server (scan, BOM, signature against --trusted-key); its
// promotion waits for an approval; the requester and a non-owner cannot
// approve; the approve owner can; a signed but malicious version is denied
// by policy; production moves on and is rolled back; the audit log
// verifies, is tampered with, and the tamper is found at its entry.
func TestGovernanceScenario(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	url, admin, signer := signedServer(t, data)
	alice := newToken(t, url, admin, "alice", registry.RoleMaintainer)
	bob := newToken(t, url, admin, "bob", registry.RoleReviewer)
	carol := newToken(t, url, admin, "carol", registry.RoleReviewer)

	release := func(n int, extra map[string]string) string {
		t.Helper()
		return releaseSigned(t, signer, alice, "sentiment", n, extra)
	}
	requestID := func(out string) string { t.Helper(); return requestIDOf(t, out) }

	v1 := release(1, nil)
	// The server verified the signature with the trusted key.
	_, out, _ := runCLI("evidence", v1, "--type", "signature", "--format", "json")
	if !strings.Contains(out, "verified") || strings.Contains(out, "unsigned") {
		t.Fatalf("no verified signature evidence for %s: %s", v1, out)
	}
	if code, _, errs := as(admin, "owners", "sentiment", "--set", "approve=bob", "--set", "rollback=bob", "--set", "retire=alice"); code != 0 {
		t.Fatalf("owners: %s", errs)
	}
	// Request promotion: the policy allows (signed, clean, BOM complete
	// enough) but the approval is missing.
	code, out, errs := as(alice, "request", v1, "promote", "--stage", "production", "--rationale", "first release")
	if code != 0 || !strings.Contains(out, ": pending") || !strings.Contains(out, "1 more needed from bob") {
		t.Fatalf("request v1: %d %s %s", code, out, errs)
	}
	id := requestID(out)
	if code, _, errs := as(alice, "approve", id); code != 1 || !strings.Contains(errs, "separation of duties") {
		t.Fatalf("self-approval: %d %s", code, errs)
	}
	if code, _, errs := as(carol, "approve", id); code != 1 || !strings.Contains(errs, "not an approver") {
		t.Fatalf("approval by the wrong person: %d %s", code, errs)
	}
	if code, out, errs := as(bob, "approve", id, "--comment", "eval reviewed"); code != 0 || !strings.Contains(out, ": executed") {
		t.Fatalf("approval by the reviewer: %d %s %s", code, out, errs)
	}

	// A signed version carrying a malicious pickle: denied by policy.
	v2 := release(2, map[string]string{"extra.bin": "\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."})
	code, out, errs = as(alice, "request", v2, "promote", "--rationale", "hotfix")
	if code != 1 || !strings.Contains(out, ": denied") || !strings.Contains(out, "MLSEC-SCAN-002") {
		t.Fatalf("request v2: %d %s %s", code, out, errs)
	}

	// v3 goes to production, then production is rolled back to v1.
	v3 := release(3, map[string]string{"generation_config.json": `{"max_new_tokens": 64}`})
	code, out, errs = as(alice, "request", v3, "promote", "--rationale", "better recall")
	if code != 0 {
		t.Fatalf("request v3: %d %s %s", code, out, errs)
	}
	if code, out, errs := as(bob, "approve", requestID(out)); code != 0 || !strings.Contains(out, ": executed") {
		t.Fatalf("approve v3: %d %s %s", code, out, errs)
	}
	if code, out, errs := as(bob, "rollback", "sentiment", "--to", "1", "--reason", "v3 doubles p99 latency"); code != 0 || !strings.Contains(out, "executed") {
		t.Fatalf("rollback: %d %s %s", code, out, errs)
	}
	_, out, _ = runCLI("versions", "sentiment", "--stage", "production", "--format", "json")
	var vs []registry.Version
	if json.Unmarshal([]byte(out), &vs) != nil || len(vs) != 1 || vs[0].Number != 1 {
		t.Fatalf("production after rollback: %s", out)
	}

	// The audit log verifies; a row edited in the database is found.
	key := filepath.Join(data, "audit.key.pub")
	db := filepath.Join(data, "registry.db")
	if out, code, err := run(t, "audit", "verify", "--database", db, "--key", key); code != ExitOK {
		t.Fatalf("audit verify: %d %v\n%s", code, err, out)
	}
	raw, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_log SET entry = CAST(REPLACE(CAST(entry AS TEXT), 'Z"', 'Z" ') AS BLOB) WHERE idx = 5`); err != nil {
		t.Fatal(err)
	}
	out, code, _ = run(t, "audit", "verify", "--database", db, "--key", key)
	if code != ExitFindings || !strings.Contains(out, "entry 5") {
		t.Fatalf("tampered audit log: exit %d\n%s", code, out)
	}
}

// signedServer starts 'mlsec serve' on loopback with its data in dataDir
// and two analysis workers, trusting a new release key, and returns the
// URL, the bootstrap admin token and a signer with that key.
func signedServer(t *testing.T, dataDir string) (url, admin string, signer *sign.Signer) {
	t.Helper()
	return signedServerOn(t, dataDir, "")
}

// signedServerOn is signedServer on database (a PostgreSQL URL; "" is the
// SQLite store in dataDir).
func signedServerOn(t *testing.T, dataDir, database string) (url, admin string, signer *sign.Signer) {
	t.Helper()
	priv, _, pub, err := sign.GenerateKey("P-256")
	if err != nil {
		t.Fatal(err)
	}
	pubPath := filepath.Join(t.TempDir(), "release.pub.pem")
	if err := os.WriteFile(pubPath, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	url, admin = clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: dataDir, database: database, workers: 2, trustedKeys: []string{pubPath}})
	if signer, err = sign.NewKeySigner(priv); err != nil {
		t.Fatal(err)
	}
	return url, admin, signer
}

// releaseSigned copies the Hugging Face-style fixture (a model card with a
// licence and datasets), applies extra files, signs it, pushes it as
// version n of model with token tok, waits for the server's scan and
// returns MODEL@n.
func releaseSigned(t *testing.T, signer *sign.Signer, tok, name string, n int, extra map[string]string) string {
	t.Helper()
	model := filepath.Join(t.TempDir(), name)
	copyTree(t, "../../../../scan/testdata/benign/hf-bert-tiny", model)
	for p, b := range extra {
		if err := os.WriteFile(filepath.Join(model, p), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, _, err := signer.Sign(context.Background(), model, sign.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := b.Marshal()
	if err := os.WriteFile(filepath.Join(model, "model.sig"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := as(tok, "push", model, "--model", name); code != 0 {
		t.Fatalf("push v%d: %d %s %s", n, code, out, errs)
	}
	ref := fmt.Sprintf("%s@%d", name, n)
	waitServerScan(t, ref)
	return ref
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
