package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPushWait: push --wait waits for the server's analysis and prints its
// outcome; with no worker running it gives up after its bound (exit 1) and
// a decision request is refused as pending, not denied.
func TestPushWait(t *testing.T) {
	t.Run("analysed", func(t *testing.T) {
		clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"), workers: 1})
		model := t.TempDir()
		writeModel(t, model, []byte("weights"))
		code, out, errs := runCLI("push", model, "--model", "toy", "--wait", "2m")
		if code != 0 || !strings.Contains(out, "analysis complete: scan") || !strings.Contains(out, "bom") {
			t.Fatalf("push --wait: %d\n%s\n%s", code, out, errs)
		}
		code, out, _ = runCLI("versions", "toy")
		if code != 0 || !strings.Contains(out, "ANALYSIS") || !strings.Contains(out, "complete") {
			t.Fatalf("versions: %d\n%s", code, out)
		}
	})
	t.Run("no worker", func(t *testing.T) {
		clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"), analysisWait: -1})
		model := t.TempDir()
		writeModel(t, model, []byte("weights"))
		code, out, errs := runCLI("push", model, "--model", "toy", "--wait", "1500ms")
		if code != 1 || !strings.Contains(errs, "analysis still pending") {
			t.Fatalf("push --wait without worker: %d\n%s\n%s", code, out, errs)
		}
		code, out, errs = runCLI("request", "toy@1", "promote", "--stage", "staging", "--rationale", "ci passed")
		if code != 1 || !strings.Contains(errs, "analysis pending, retry") || !strings.Contains(errs, "--wait") || strings.Contains(out, "denied") {
			t.Fatalf("request on pending analysis: %d\n%s\n%s", code, out, errs)
		}
		code, out, _ = runCLI("history", "toy", "--format", "json")
		if code != 0 || strings.Contains(out, "decision") {
			t.Fatalf("history after a refused request: %d\n%s", code, out)
		}
	})
}
