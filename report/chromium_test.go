package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/internal/browsertest"
)

// TestReportRendersInChromium loads the golden HTML in headless Chromium,
// takes a screenshot and prints it to PDF (the print stylesheet). It skips
// when Chromium is not installed (apt-get install -y chromium).
func TestReportRendersInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	page, err := filepath.Abs(filepath.Join("testdata", "golden.html"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	png, pdf := filepath.Join(dir, "report.png"), filepath.Join(dir, "report.pdf")
	for _, out := range []string{"--screenshot=" + png, "--print-to-pdf=" + pdf} {
		browsertest.Run(t, bin, dir, page, "--window-size=1200,2400", "--no-pdf-header-footer", out)
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
