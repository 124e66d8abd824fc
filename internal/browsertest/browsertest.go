// Package browsertest finds headless Chromium for tests that render HTML
// pages (the governance report, the fairness page) and runs it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Chromium returns the Chromium binary. Without one the test is skipped,
// except in CI (CI=true), where it fails: .ci/run installs Chromium.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed in CI: .ci/run should have installed it")
	}
	t.Skip("chromium is not installed")
	return ""
}

// Run loads the page at path (a file) headless, sandbox off, with its own
// profile under dir and the extra flags (e.g. --screenshot=FILE), within
// 90 seconds.
func Run(t testing.TB, bin, dir, path string, flags ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--no-first-run", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "profile")}, flags...)
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+path)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", flags, err, msg)
	}
}
