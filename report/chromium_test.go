package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestReportRendersInChromium loads the golden HTML in headless Chromium,
// takes a screenshot and prints it to PDF (the print stylesheet). It skips
// when Chromium is not installed (apt-get install -y chromium).
func TestReportRendersInChromium(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed in CI: .ci/run should have installed it")
		}
		t.Skip("chromium is not installed")
	}
	page, err := filepath.Abs(filepath.Join("testdata", "golden.html"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	png, pdf := filepath.Join(dir, "report.png"), filepath.Join(dir, "report.pdf")
	for _, out := range []string{"--screenshot=" + png, "--print-to-pdf=" + pdf} {
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
			"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1200,2400", "--no-pdf-header-footer", out, "file://"+page)
		msg, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("chromium %s: %v\n%s", out, err, msg)
		}
	}
	for path, magic := range map[string][]byte{png: []byte("\x89PNG\r\n\x1a\n"), pdf: []byte("%PDF-")} {
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(b, magic) || len(b) < 10000 {
			t.Errorf("%s: %v, %d bytes", filepath.Base(path), err, len(b))
		}
	}
	if os.Getenv("MLSEC_REPORT_SCREENSHOT") != "" { // keep it to look at
		b, _ := os.ReadFile(png)
		os.WriteFile(os.Getenv("MLSEC_REPORT_SCREENSHOT"), b, 0o644)
	}
}
