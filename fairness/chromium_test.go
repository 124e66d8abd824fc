package fairness

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/internal/browsertest"
)

// TestHTMLRendersInChromium loads an Adult page in headless Chromium and
// takes a screenshot (charts are inline SVG, no script). It skips when
// Chromium is not installed, except in CI (browsertest.Chromium).
func TestHTMLRendersInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	d, err := Load("testdata/adult/adult-predictions.csv.gz", LoadOptions{YTrue: "income", YPred: "prediction", YScore: "score",
		Sensitive: []string{"race", "sex"}, PosLabel: ">50K"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(d, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page, png := filepath.Join(dir, "fairness.html"), filepath.Join(dir, "fairness.png")
	var b bytes.Buffer
	if err := WriteHTML(&b, res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	browsertest.Run(t, bin, dir, page, "--window-size=1000,2600", "--screenshot="+png)
	shot, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(shot, []byte("\x89PNG\r\n\x1a\n")) || len(shot) < 20000 {
		t.Fatalf("screenshot: %v, %d bytes", err, len(shot))
	}
}
