package cli

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/audit"
)

// TestAuditVerifyNamesTamperedRow is issue 10's reproduction: an
// audit_events row edited by hand (the history now names mallory) makes
// verify exit 1 naming the table, the row and the field, through the
// database and through the server. Every sealed table on both dialects:
// registry.TestSealedTablesTamper.
func TestAuditVerifyNamesTamperedRow(t *testing.T) {
	url, tok, dir := auditServer(t, 4)
	db := filepath.Join(dir, "registry.db")
	pub := filepath.Join(dir, "audit.key.pub")
	srcs := [][]string{{"--database", db}, {"--server", url, "--token", tok}}
	for _, src := range srcs {
		out, code, err := run(t, append([]string{"audit", "verify", "--key", pub}, src...)...)
		if code != ExitOK || !strings.Contains(out, "tables OK:") {
			t.Fatalf("%v before tampering: %d %v\n%s", src, code, err, out)
		}
	}
	raw, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// seq 3 is entry 2 (seq counts from 1).
	if _, err := raw.Exec(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	for _, src := range srcs {
		out, code, _ := run(t, append([]string{"audit", "verify", "--key", pub}, src...)...)
		if code != ExitFindings || !strings.Contains(out, "TAMPERED: table audit_events row 3 (altered)") || !strings.Contains(out, `audit_events row 3 field actor is "mallory" but the audit log (entry 2) says`) {
			t.Fatalf("%v: %d\n%s", src, code, out)
		}
		out, code, _ = run(t, append([]string{"audit", "verify", "--key", pub, "--format", "json"}, src...)...)
		var res struct {
			OK    bool          `json:"ok"`
			First audit.Problem `json:"first"`
		}
		if code != ExitFindings || json.Unmarshal([]byte(out), &res) != nil || res.OK ||
			res.First.Table != "audit_events" || res.First.Row != "3" || res.First.Field != "actor" {
			t.Fatalf("%v json: %d\n%s", src, code, out)
		}
	}
}

// TestAuditExportCountsLikeVerify: the checkpoints an export holds are
// the checkpoints verify counts (the latest was written twice before).
func TestAuditExportCountsLikeVerify(t *testing.T) {
	url, tok, dir := auditServer(t, 3)
	pub := filepath.Join(dir, "audit.key.pub")
	for _, src := range [][]string{{"--server", url, "--token", tok}, {"--database", filepath.Join(dir, "registry.db")}} {
		file := filepath.Join(t.TempDir(), "log.json")
		if _, code, err := run(t, append([]string{"audit", "export", "-o", file}, src...)...); code != ExitOK {
			t.Fatalf("export %v: %v", src, err)
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		l, err := audit.ReadLog(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		out, code, _ := run(t, "audit", "verify", "--file", file, "--key", pub, "--format", "json")
		var res struct {
			Checkpoints int `json:"checkpoints"`
		}
		if code != ExitOK || json.Unmarshal([]byte(out), &res) != nil || res.Checkpoints != len(l.Checkpoints) || res.Checkpoints != 4 {
			t.Fatalf("%v: export holds %d checkpoints, verify counts %d (want 4)\n%s", src, len(l.Checkpoints), res.Checkpoints, out)
		}
	}
}
