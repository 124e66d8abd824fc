package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mlsec/mlsec/registry"
)

// newToken creates an API token named name with role through the API.
func newToken(t *testing.T, url, admin, name string, role registry.Role) string {
	t.Helper()
	return newScopedToken(t, url, admin, name, role, "")
}

// newScopedToken is newToken scoped to team ("" = unscoped).
func newScopedToken(t *testing.T, url, admin, name string, role registry.Role, team string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "role": string(role), "scope_team": team})
	req, _ := http.NewRequest("POST", url+"/api/v1/tokens", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create token %s: %v %v", name, err, res)
	}
	defer res.Body.Close()
	var tok struct{ Secret string }
	json.NewDecoder(res.Body).Decode(&tok)
	return tok.Secret
}

// waitServerScan waits until the server's worker stored its scan of model@n.
func waitServerScan(t *testing.T, ref string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, out, _ := runCLI("evidence", ref, "--type", "scan", "--format", "json")
		var es []registry.Evidence
		json.Unmarshal([]byte(out), &es)
		for _, e := range es {
			if e.CreatedBy == registry.System.Name {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no server scan of %s after 60s: %s", ref, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// as runs the CLI with token tok.
func as(tok string, args ...string) (int, string, string) {
	return runCLI(append(args, "--token", tok)...)
}

// TestGovernanceEndToEnd runs the governance scenario through a real
// 'mlsec serve' (with its analysis workers) and the CLI: owners, a
// promotion blocked by a missing approval, separation of duties, approval
// by an owner, a malicious version denied by the scan policy, a second
// promotion, a rollback, a decision record and the history.
func TestGovernanceEndToEnd(t *testing.T) {
	// The scenario signs nothing and its toy models have no model card, so
	// this registry turns off the signature and BOM-completeness rules
	// (docs/governance.md); the scan rules stay on.
	data := filepath.Join(t.TempDir(), "policy-data.json")
	os.WriteFile(data, []byte(`{"mlsec": {"disabled_rules": ["MLSEC-SIG-001", "MLSEC-BOM-002", "MLSEC-BOM-003", "MLSEC-BOM-004"]}}`), 0o600)
	url, admin := clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: t.TempDir(), workers: 2, policyData: []string{data}})
	alice := newToken(t, url, admin, "alice", registry.RoleMaintainer)
	bob := newToken(t, url, admin, "bob", registry.RoleReviewer)
	carol := newToken(t, url, admin, "carol", registry.RoleReviewer)

	push := func(files map[string]string) {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "toy")
		os.MkdirAll(dir, 0o755)
		for p, b := range files {
			if err := os.WriteFile(filepath.Join(dir, p), []byte(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if code, out, errs := as(alice, "push", dir, "--model", "toy"); code != 0 {
			t.Fatalf("push: %d %s %s", code, out, errs)
		}
	}
	requestID := func(out string) string {
		t.Helper()
		f := strings.Fields(out)
		if len(f) < 2 || f[0] != "request" {
			t.Fatalf("no request id in %q", out)
		}
		return strings.TrimSuffix(f[1], ":")
	}

	// v1: a clean model, scanned by the server.
	push(map[string]string{"config.json": `{"model_type": "toy"}`, "weights.safetensors.txt": "v1 weights"})
	waitServerScan(t, "toy@1")

	// No approve owner yet: the request is refused.
	code, out, errs := as(alice, "request", "toy@1", "promote", "--stage", "production", "--rationale", "first release")
	if code != 1 || !strings.Contains(errs, "no approve owner") {
		t.Fatalf("request without owner: %d %s %s", code, out, errs)
	}
	// A maintainer naming approvers opens a decision (the governance
	// floor) that she cannot approve; an admin does.
	code, out, errs = as(alice, "owners", "toy", "--set", "approve=bob", "--set", "rollback=bob", "--set", "retire=alice",
		"--rationale", "bob reviews toy models")
	if code != 0 || !strings.Contains(out, "governance change of toy: pending") {
		t.Fatalf("owners: %d %s %s", code, out, errs)
	}
	govID := requestID(out)
	if code, _, errs := as(alice, "approve", govID); code != 1 || !strings.Contains(errs, "separation of duties") {
		t.Fatalf("alice approves her own governance change: %d %s", code, errs)
	}
	if code, out, errs := as(admin, "approve", govID); code != 0 || !strings.Contains(out, "executed") {
		t.Fatalf("admin approves the governance change: %d %s %s", code, out, errs)
	}
	if code, out, errs := as(alice, "owners", "toy"); code != 0 || !strings.Contains(out, "bob") {
		t.Fatalf("owners: %d %s %s", code, out, errs)
	}
	// Direct moves into production are refused.
	if code, _, errs := as(admin, "stage", "toy@1", "production"); code != 1 || !strings.Contains(errs, "only through a decision") {
		t.Fatalf("direct stage to production: %d %s", code, errs)
	}

	// The request waits for an approval (the policy allows the clean scan).
	code, out, errs = as(alice, "request", "toy@1", "promote", "--stage", "production", "--rationale", "first release, eval run 7")
	if code != 0 || !strings.Contains(out, ": pending") || !strings.Contains(out, "blocked by approvals: 1 more needed from bob") {
		t.Fatalf("request v1: %d %s %s", code, out, errs)
	}
	id1 := requestID(out)
	// The requester cannot approve; neither can a reviewer who is no owner.
	if code, _, errs := as(alice, "approve", id1); code != 1 || !strings.Contains(errs, "separation of duties") {
		t.Fatalf("self-approval: %d %s", code, errs)
	}
	if code, _, errs := as(carol, "approve", id1); code != 1 || !strings.Contains(errs, "not an approver") {
		t.Fatalf("approval by a non-owner: %d %s", code, errs)
	}
	if code, out, errs := as(bob, "approve", id1, "--comment", "eval reviewed"); code != 0 || !strings.Contains(out, ": executed") {
		t.Fatalf("approval by bob: %d %s %s", code, out, errs)
	}

	// v2: a malicious pickle: denied by the scan policy, whoever approves.
	push(map[string]string{"model.pkl": "\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."})
	waitServerScan(t, "toy@2")
	code, out, errs = as(alice, "request", "toy@2", "promote", "--rationale", "hotfix")
	if code != 1 || !strings.Contains(out, ": denied") || !strings.Contains(out, "MLSEC-SCAN-002") {
		t.Fatalf("request v2: %d %s %s", code, out, errs)
	}
	if code, _, errs := as(bob, "approve", requestID(out)); code != 1 || !strings.Contains(errs, "is denied") {
		t.Fatalf("approve a denied request: %d %s", code, errs)
	}

	// v3 replaces v1, then production is rolled back to v1.
	push(map[string]string{"config.json": `{"model_type": "toy"}`, "weights.safetensors.txt": "v3 weights"})
	waitServerScan(t, "toy@3")
	code, out, errs = as(alice, "request", "toy@3", "promote", "--rationale", "better recall")
	if code != 0 {
		t.Fatalf("request v3: %d %s %s", code, out, errs)
	}
	if code, out, errs := as(bob, "approve", requestID(out)); code != 0 || !strings.Contains(out, ": executed") {
		t.Fatalf("approve v3: %d %s %s", code, out, errs)
	}
	if code, _, errs := as(alice, "rollback", "toy", "--to", "1", "--reason", "v3 latency"); code != 1 || !strings.Contains(errs, "rollback owners") {
		t.Fatalf("rollback by a non-owner: %d %s", code, errs)
	}
	if code, out, errs := as(bob, "rollback", "toy", "--to", "1", "--reason", "v3 doubles p99 latency"); code != 0 || !strings.Contains(out, "rollback toy@1 to production: executed") {
		t.Fatalf("rollback: %d %s %s", code, out, errs)
	}
	_, out, _ = runCLI("versions", "toy", "--format", "json")
	var vs []registry.Version
	json.Unmarshal([]byte(out), &vs)
	if len(vs) != 3 || vs[0].Stage != registry.StageProduction || vs[1].Stage != registry.StageDevelopment || vs[2].Stage != registry.StageDeprecated {
		t.Fatalf("stages after rollback: %s", out)
	}
	// models names the production and the latest version.
	_, out, _ = runCLI("models", "--format", "json")
	var rows []struct {
		Name       string `json:"name"`
		Production int    `json:"production_version"`
		Latest     int    `json:"latest_version"`
	}
	if json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0].Name != "toy" || rows[0].Production != 1 || rows[0].Latest != 3 {
		t.Errorf("models json: %s", out)
	}
	if _, out, _ = runCLI("models"); !regexp.MustCompile(`(?m)^NAME\s+TEAM\s+PRODUCTION\s+LATEST\s+TAGS.*\ntoy\s+\S+\s+1\s+3\s`).MatchString(out) {
		t.Errorf("models table:\n%s", out)
	}

	if code, out, errs := as(bob, "record", "toy@1", "--title", "Excluded 2019 data", "--body", "collection bug, DATA-12"); code != 0 || !strings.Contains(out, "by bob") {
		t.Fatalf("record: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI("requests", "toy")
	if code != 0 || strings.Count(out, "\n") != 6 || !strings.Contains(out, "MLSEC-SCAN-002") || !strings.Contains(out, "change_governance") {
		t.Fatalf("requests: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI("history", "toy", "--format", "json")
	var h []registry.HistoryEntry
	if code != 0 || json.Unmarshal([]byte(out), &h) != nil {
		t.Fatalf("history: %d %s %s", code, out, errs)
	}
	var lines []string
	for _, e := range h {
		lines = append(lines, e.Actor+" "+e.Action+" "+e.What+" | "+e.Why)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		"alice decision.request requested a governance change: pending | bob reviews toy models",
		"bootstrap-admin owners.set",
		"alice decision.request requested promote to production: pending | first release, eval run 7",
		"bob decision.approve approved request " + id1 + ": executed",
		"| eval reviewed",
		"alice decision.request requested promote to production: denied (denied by policy: MLSEC-SCAN-002) | hotfix",
		"bob version.stage stage production -> deprecated | replaced in production by version 3",
		"bob decision.rollback rolled production back to version 1 (digest re-verified): executed",
		"| v3 doubles p99 latency",
		"bob record.add decision record: Excluded 2019 data | collection bug, DATA-12",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("history lacks %q:\n%s", want, all)
		}
	}
	// The table is words, in 100 columns.
	code, out, _ = runCLI("history", "toy")
	if code != 0 || !strings.HasPrefix(out, "WHEN") || !strings.Contains(out, "rolled production back to version 1") || strings.Contains(out, "decision.rollback") {
		t.Fatalf("history table: %d %s", code, out)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if n := utf8.RuneCountInString(l); n > 100 {
			t.Errorf("history line of %d columns: %q", n, l)
		}
	}
}
