package scan

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/internal/fixture"
)

// Helpers shared by the scan tests: write crafted bytes to disk, scan with
// the default options, and find the benign fixtures that real libraries
// wrote (testdata/gen_benign.py).

// scanPaths scans paths with the default options; an error fails the test.
func scanPaths(t testing.TB, paths ...string) *Report {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(context.Background(), paths...)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// writeFile writes data to dir/name, creating the folders name implies,
// and returns the file's path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// scanBytes writes files (names may hold slashes) into a temporary folder
// and scans the folder.
func scanBytes(t testing.TB, files map[string][]byte) *Report {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		writeFile(t, dir, name, data)
	}
	return scanPaths(t, dir)
}

// benignDir returns testdata/benign/sub..., the fixtures written by the
// real libraries, and skips the test when they have not been generated.
func benignDir(t testing.TB, sub ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{"testdata", "benign"}, sub...)...)
	if _, err := os.Stat(dir); err != nil {
		fixture.Missing(t, "no benign fixtures in %s (run scan/testdata/gen_benign.py)", dir)
	}
	return dir
}
