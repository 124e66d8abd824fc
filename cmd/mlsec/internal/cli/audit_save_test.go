package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/audit"
)

// TestAuditSavedCheckpointDetectsTruncation: a log cut short at its end
// still verifies on its own, but not against a checkpoint saved earlier.
func TestAuditSavedCheckpointDetectsTruncation(t *testing.T) {
	url, tok, dir := auditServer(t, 4)
	pub := filepath.Join(dir, "audit.key.pub")
	saved := filepath.Join(t.TempDir(), "latest.checkpoint")
	if out, code, err := run(t, "audit", "verify", "--server", url, "--token", tok, "--key", pub, "--save-checkpoint", saved); code != ExitOK {
		t.Fatalf("verify --save-checkpoint: %d %v\n%s", code, err, out)
	}
	if b, err := os.ReadFile(saved); err != nil || !strings.HasPrefix(string(b), "mlsec-registry/audit\n5\n") {
		t.Fatalf("saved checkpoint: %v %q", err, b)
	}
	file := filepath.Join(t.TempDir(), "log.json")
	if _, code, err := run(t, "audit", "export", "--server", url, "--token", tok, "-o", file); code != ExitOK {
		t.Fatalf("export: %d %v", code, err)
	}
	// Cut the last two entries and every checkpoint beyond the new end.
	f, _ := os.Open(file)
	l, err := audit.ReadLog(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	l.Entries = l.Entries[:len(l.Entries)-2]
	key, _ := os.ReadFile(pub)
	v, err := audit.NewVerifier(string(key))
	if err != nil {
		t.Fatal(err)
	}
	var kept [][]byte
	for _, n := range l.Checkpoints {
		if c, err := v.Open(n); err == nil && c.Size <= uint64(len(l.Entries)) {
			kept = append(kept, n)
		}
	}
	l.Checkpoints = kept
	var buf bytes.Buffer
	l.Write(&buf)
	os.WriteFile(file, buf.Bytes(), 0o644)
	if out, code, _ := run(t, "audit", "verify", "--file", file, "--key", pub); code != ExitOK {
		t.Fatalf("the truncated log should verify on its own (the documented limit): %d\n%s", code, out)
	}
	if out, code, _ := run(t, "audit", "verify", "--file", file, "--key", pub, "--checkpoint", saved); code != ExitFindings {
		t.Fatalf("truncation against the saved checkpoint: exit %d, want %d\n%s", code, ExitFindings, out)
	}
}
