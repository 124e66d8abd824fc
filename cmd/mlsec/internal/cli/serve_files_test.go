package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestServeDataDirOwnerOnly is S7, R6 and R7 at start: a data dir made
// 0755 with a 0644 database (as serve left them before) is tightened to
// 0700 and 0600, new files (keys, blobs, database journal) are the
// owner's only, and what a killed server left (a blob no upload recorded,
// a blob folder temp file, a worker's analysis folder with a model copy)
// is removed.
func TestServeDataDirOwnerOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "data")
	url, stderr, stop := serveStoppable(t, serveOptions{addr: "127.0.0.1:0", dataDir: dir}) // creates everything
	tok := tokenRE.FindString(stderr.String())
	model := filepath.Join(t.TempDir(), "m")
	os.MkdirAll(model, 0o755)
	os.WriteFile(filepath.Join(model, "w.bin"), []byte("weights"), 0o644)
	if code, out, errs := runCLI("push", model, "--model", "m", "--server", url, "--token", tok); code != 0 {
		t.Fatalf("push: %d %s %s", code, out, errs)
	}
	checkOwnerOnly(t, dir)
	stop()

	// What older servers and a kill -9 leave behind.
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Join(dir, "registry.db"), 0o644)
	orphan := filepath.Join(dir, "blobs", "sha256", "ab", "ab"+strings.Repeat("0", 62))
	tmp := filepath.Join(dir, "blobs", "sha256", "ab", "ab"+strings.Repeat("1", 62)+".18f3a.tmp")
	scratch := filepath.Join(dir, "work", "mlsec-job-123", "m")
	for _, p := range []string{orphan, tmp, filepath.Join(scratch, "w.bin")} {
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte("left"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	startServe(t, dir)
	checkOwnerOnly(t, dir)
	for _, p := range []string{orphan, tmp, filepath.Dir(scratch)} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s survived the restart", p)
		}
	}
}

// checkOwnerOnly fails on anything in dir that the group or others can
// read.
func checkOwnerOnly(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		fi, err := d.Info()
		if err != nil || strings.HasSuffix(p, ".pub") { // audit.key.pub is the public key
			return nil
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v, readable by others", p, fi.Mode().Perm())
		}
		return nil
	})
}
