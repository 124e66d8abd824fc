// Package testfs builds file trees for tests. It is a leaf shared by the
// test files of several packages (manifest, sign, bom, the CLI), so one
// helper writes every fixture folder.
package testfs

import (
	"os"
	"path/filepath"
	"testing"
)

// Tree writes files (slash paths relative to the root → content) under a
// new temporary folder and returns the folder.
func Tree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
