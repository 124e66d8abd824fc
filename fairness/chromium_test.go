package fairness

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestHTMLRendersInChromium loads an Adult page in headless Chromium and
// takes a screenshot (charts are inline SVG, no script). It skips when
// Chromium is not installed, except in CI.
func TestHTMLRendersInChromium(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed in CI")
		}
		t.Skip("chromium is not installed")
	}
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
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--no-first-run", "--disable-sync", "--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1000,2600", "--screenshot="+png, "file://"+page)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, msg)
	}
	shot, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(shot, []byte("\x89PNG\r\n\x1a\n")) || len(shot) < 20000 {
		t.Fatalf("screenshot: %v, %d bytes", err, len(shot))
	}
}
