package fairness

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestHTMLSelfContainedAndReadable(t *testing.T) {
	t.Parallel()
	opt := DefaultOptions()
	opt.Bootstrap, opt.Seed = 50, 1
	for _, name := range []string{"toy", "all_zero_predictions", "random_three_columns"} {
		res := goldenResult(t, name, opt)
		var b bytes.Buffer
		if err := WriteHTML(&b, res); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		// Well-formed (XHTML-compatible): every element closed, entities valid.
		dec := xml.NewDecoder(strings.NewReader(page))
		dec.Strict = true
		dec.Entity = xml.HTMLEntity
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed: %v", name, err)
			}
		}
		lower := strings.ToLower(page)
		for _, bad := range []string{"<script", "src=\"http", "href=\"http", "@import", "url("} {
			if strings.Contains(lower, bad) {
				t.Errorf("%s: page is not self-contained: %q", name, bad)
			}
		}
		if n := strings.Count(page, `<svg`); n != 3 {
			t.Errorf("%s: %d charts, want 3", name, n)
		}
		for _, want := range []string{`role="img"`, "Share of each group predicted positive", "FAILED", "What it means",
			"[low, high] is a 0.95 confidence interval", res.ByGroup[0].Group.Label()} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q", name, want)
			}
		}
	}
	// The four-fifths line is drawn when a group is selected at all.
	var b bytes.Buffer
	if err := WriteHTML(&b, goldenResult(t, "toy", DefaultOptions())); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "four-fifths line") || !strings.Contains(b.String(), "gives the positive outcome to 80.0% of sex=F but to 40.0% of sex=M") {
		t.Errorf("toy page lacks the four-fifths line or the summary:\n%s", b.String())
	}
}
