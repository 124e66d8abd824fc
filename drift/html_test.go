package drift

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/browsertest"
)

func adultShiftedReport(t *testing.T) *Report {
	t.Helper()
	rep, err := Compare(streamAdult(t, "adult-train.csv.gz"), streamAdult(t, "adult-test-shifted.csv.gz"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestWriteHTML checks the page a person reads: the verdict sentence, a
// histogram per tested column with both tables, the largest change in
// words, no script, and hostile names kept as text.
func TestWriteHTML(t *testing.T) {
	t.Parallel()
	rep := adultShiftedReport(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, rep); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"No dataset drift: 3 of 15 tested columns drifted (20.0%; the data as a whole counts as drifted when 50.0% of the columns drift)",
		`<section id="col-0"><h2>age: <span class="drifted">drifted</span></h2>`,
		"Wasserstein distance (normed) 0.7467 ≥ threshold 0.1: drift.",
		"Largest change: [21.88, 26.76), 12.5% of the reference, 0.0% of the current data.",
		"reference: adult-train.csv.gz; current: adult-test-shifted.csv.gz",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != rep.NumberOfColumns {
		t.Errorf("%d charts for %d tested columns", n, rep.NumberOfColumns)
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Error("the page has a script")
	}
	// Each chart is well-formed XML.
	for _, svg := range regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(page, -1) {
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Fatalf("chart is not XML: %v", err)
		}
	}
	// A hostile column name stays text, in the table and the chart.
	ref := &Table{Name: "r<b>", Rows: 4, Columns: []*Column{CategoricalColumn("<script>alert(1)</script>", []string{"a", "a", "b", "c"}, nil)}}
	cur := &Table{Name: "c", Rows: 4, Columns: []*Column{CategoricalColumn("<script>alert(1)</script>", []string{"c", "c", "c", "b"}, nil)}}
	r2, err := Compare(ref, cur, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := WriteHTML(&b, r2); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") || !strings.Contains(b.String(), "&lt;script&gt;") {
		t.Errorf("hostile name not escaped:\n%s", b.String())
	}
}

// TestHTMLRendersInChromium loads the Adult drift page in headless
// Chromium and takes a screenshot. It skips when Chromium is not
// installed, except in CI (browsertest.Chromium).
func TestHTMLRendersInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	rep := adultShiftedReport(t)
	dir := t.TempDir()
	page, png := filepath.Join(dir, "drift.html"), filepath.Join(dir, "drift.png")
	var b bytes.Buffer
	if err := WriteHTML(&b, rep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	browsertest.Run(t, bin, dir, page, "--window-size=1100,2400", "--screenshot="+png)
	shot, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(shot, []byte("\x89PNG\r\n\x1a\n")) || len(shot) < 20000 {
		t.Fatalf("screenshot: %v, %d bytes", err, len(shot))
	}
	if out := os.Getenv("MLSEC_DRIFT_SCREENSHOT"); out != "" {
		_ = os.WriteFile(out, shot, 0o644)
	}
}
