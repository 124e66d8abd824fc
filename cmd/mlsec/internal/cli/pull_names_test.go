package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPullHostileNames is R1: files named with a space, non-ASCII, '%',
// '#' and '?' (in folders too) push and pull byte for byte, and a pull
// that fails leaves no folder and no file behind.
func TestPullHostileNames(t *testing.T) {
	dataDir, _, _ := clientEnv(t)
	model := t.TempDir()
	files := map[string]string{
		"a b.bin": "space", "ü-modèle.txt": "non-ascii", "100%.txt": "percent", "#1.bin": "hash", "what?.bin": "question",
		"sub dir/x#y?%20.bin": "all of them", "日本語/重み.bin": strings.Repeat("w", 5000),
	}
	for p, b := range files {
		full := filepath.Join(model, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errs := runCLI("push", model, "--model", "names"); code != 0 {
		t.Fatalf("push: %d %s %s", code, out, errs)
	}
	dst := filepath.Join(t.TempDir(), "out")
	if code, out, errs := runCLI("pull", "names@1", "-o", dst); code != 0 {
		t.Fatalf("pull: %d %s %s", code, out, errs)
	}
	for p, b := range files {
		got, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(p)))
		if err != nil || !bytes.Equal(got, []byte(b)) {
			t.Errorf("%s after pull: %q %v", p, got, err)
		}
	}
	// Damage one blob: the pull fails and leaves nothing, not even the
	// folder (nor its missing parents) or a staging folder.
	sum := sha256Hex([]byte(files["日本語/重み.bin"]))
	blob := filepath.Join(dataDir, "blobs", "sha256", sum[:2], sum)
	if err := os.WriteFile(blob, []byte(strings.Repeat("X", 5000)), 0o600); err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	dst2 := filepath.Join(parent, "new", "out")
	if code, _, errs := runCLI("pull", "names@1", "-o", dst2); code != 1 || !strings.Contains(errs, "重み.bin") {
		t.Fatalf("damaged pull: %d %s", code, errs)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 0 {
		t.Fatalf("a failed pull left %v in %s", ents, parent)
	}
	// Into an existing folder: it stays as it was.
	existing := t.TempDir()
	os.WriteFile(filepath.Join(existing, "keep.txt"), []byte("mine"), 0o644)
	if code, _, _ := runCLI("pull", "names@1", "-o", existing); code != 1 {
		t.Fatal("damaged pull into an existing folder succeeded")
	}
	if ents, _ := os.ReadDir(existing); len(ents) != 1 || ents[0].Name() != "keep.txt" {
		t.Fatalf("a failed pull changed the existing folder: %v", ents)
	}
}
