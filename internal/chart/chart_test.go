package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden SVG files in testdata")

var nan = math.NaN()

// samples are the charts the golden files pin, one per feature.
func samples() map[string]template.HTML {
	return map[string]template.HTML{
		"bar_fairness": BarChart{
			Title: "Selection rate by sex and race", Desc: "Share of people the model selects, per group",
			Bars: []Bar{
				{Label: "Female / White", Value: 0.112, Lo: 0.098, Hi: 0.127},
				{Label: "Female / Black", Value: 0.062, Lo: 0.041, Hi: 0.085, Note: "n = 212"},
				{Label: "Male / White", Value: 0.318, Lo: 0.305, Hi: 0.331},
				{Label: "Male / Amer-Indian-Eskimo", Value: nan, Lo: nan, Hi: nan, Note: "too small"},
			},
			Thresholds: []Line{{Value: 0.25, Label: "overall"}},
		}.SVG(),
		"bar_ratio": BarChart{
			Title: "Four-fifths check", Unit: "%",
			Bars:       []Bar{{Label: "Female", Value: 71.5}, {Label: "Male", Value: 100}},
			Thresholds: []Line{{Value: 80, Label: "four-fifths"}},
			Min:        0, Max: 120, Width: 480,
		}.SVG(),
		"bar_negative": BarChart{
			Title: "Difference to overall",
			Bars:  []Bar{{Label: "a", Value: -0.05, Lo: -0.08, Hi: -0.01}, {Label: "b", Value: 0.03}},
		}.SVG(),
		"hist_numeric": Histogram{
			Title: "age", Desc: "Reference against current",
			Edges: []float64{17, 24.3, 31.6, 38.9, 46.2, 53.5, 60.8, 68.1, 75.4, 82.7, 90},
			Series: []Series{
				{Name: "reference", Values: []float64{0.15, 0.19, 0.2, 0.17, 0.12, 0.08, 0.05, 0.02, 0.01, 0.01}},
				{Name: "current", Values: []float64{0.05, 0.1, 0.18, 0.2, 0.19, 0.13, 0.09, 0.04, nan, 0.02}},
			},
		}.SVG(),
		"hist_categories": Histogram{
			Title:      "workclass",
			Categories: []string{"Private", "Self-emp-not-inc", "Local-gov", "State-gov", "Self-emp-inc", "Federal-gov", "Without-pay", "Never-worked", "(missing)"},
			Series: []Series{
				{Name: "reference", Values: []float64{0.70, 0.08, 0.06, 0.04, 0.03, 0.03, 0.001, 0.0005, 0.05}},
				{Name: "current", Values: []float64{0.60, 0.12, 0.07, 0.05, 0.05, 0.04, 0.002, 0, 0.06}},
			},
		}.SVG(),
		"line_trend": LineChart{
			Title: "Demographic parity difference by version", Desc: "Lower is fairer",
			X: []string{"1.0.0", "1.1.0", "1.2.0", "2.0.0", "2.1.0", "2.2.0"},
			Series: []Series{
				{Name: "sex", Values: []float64{0.19, 0.17, nan, 0.12, 0.09, 0.08}},
				{Name: "race", Values: []float64{0.10, 0.11, 0.12, nan, nan, 0.07}},
			},
			Thresholds: []Line{{Value: 0.1, Label: "policy limit"}},
		}.SVG(),
		"empty": BarChart{Title: "Nothing yet"}.SVG(),
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for name, got := range samples() {
		path := filepath.Join("testdata", name+".svg")
		if *update {
			if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/chart -update)", err)
		}
		if string(got)+"\n" != string(want) {
			t.Errorf("%s differs from %s (run go test ./internal/chart -update and review the diff)", name, path)
		}
	}
}

// wellFormed parses s as XML and returns its text and element names.
func wellFormed(t *testing.T, s template.HTML) (text string, elems []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(s)))
	d.Strict = true
	var b strings.Builder
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if depth == 0 && (tk.Name.Local != "svg" || tk.Name.Space != "http://www.w3.org/2000/svg") {
				t.Fatalf("root element %v", tk.Name)
			}
			depth++
			elems = append(elems, tk.Name.Local)
		case xml.EndElement:
			depth--
		case xml.CharData:
			b.Write(tk)
			b.WriteByte('|')
		}
	}
	if depth != 0 {
		t.Fatal("unbalanced elements")
	}
	return b.String(), elems
}

func TestWellFormedAndAccessible(t *testing.T) {
	t.Parallel()
	for name, s := range samples() {
		_, elems := wellFormed(t, s)
		str := string(s)
		if !strings.Contains(str, `role="img"`) || !strings.Contains(str, "aria-labelledby=") ||
			len(elems) < 3 || elems[1] != "title" || elems[2] != "desc" {
			t.Errorf("%s: not accessible: %v", name, elems[:min(3, len(elems))])
		}
		for _, bad := range []string{"<script", "NaN", "Inf", "javascript:", "href="} {
			if strings.Contains(str, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}

func TestEscaping(t *testing.T) {
	t.Parallel()
	evil := `<script>alert("x")</script> & 'quote' ` + "\x00\x1b\xff"
	charts := []template.HTML{
		BarChart{Title: evil, Desc: evil, Unit: evil, Bars: []Bar{{Label: evil, Value: 1, Note: evil}}, Thresholds: []Line{{Value: 0.5, Label: evil}}}.SVG(),
		Histogram{Title: evil, Categories: []string{evil, "b"}, Series: []Series{{Name: evil, Values: []float64{0.5, 0.5}}, {Name: "x", Values: []float64{0.2, 0.8}}}}.SVG(),
		LineChart{Title: evil, Unit: evil, X: []string{evil, "2"}, Series: []Series{{Name: evil, Values: []float64{1, 2}}, {Name: "y", Values: []float64{2, 1}}}, Thresholds: []Line{{Value: 1.5, Label: evil}}}.SVG(),
		noData(evil, evil, 400),
	}
	for i, c := range charts {
		text, elems := wellFormed(t, c)
		for _, e := range elems {
			if e == "script" {
				t.Fatalf("chart %d has a script element", i)
			}
		}
		if !strings.Contains(text, `<script>alert("x")</script> & 'quote'`) {
			t.Errorf("chart %d: the label is not kept as text: %q", i, text)
		}
		if strings.Contains(string(c), "<script>") {
			t.Errorf("chart %d: raw <script> in output", i)
		}
	}
}

func TestNaNHandling(t *testing.T) {
	t.Parallel()
	bar := string(BarChart{Title: "t", Bars: []Bar{{Label: "a", Value: nan}, {Label: "b", Value: math.Inf(1)}}}.SVG())
	if strings.Count(bar, ">n/a<") != 2 || strings.Contains(bar, "<rect x=") {
		t.Errorf("NaN and Inf bars should be n/a with no bar:\n%s", bar)
	}
	// Whiskers need both ends; the zero value draws none.
	w := string(BarChart{Title: "t", Bars: []Bar{{Label: "a", Value: 0.5, Lo: nan, Hi: 0.6}, {Label: "b", Value: 0.4}}}.SVG())
	if strings.Contains(w, `stroke="#1a1a1a" stroke-width="1.5"`) {
		t.Error("a whisker was drawn without both ends")
	}
	line := string(LineChart{Title: "t", X: []string{"1", "2", "3", "4", "5"}, Series: []Series{{Name: "s", Values: []float64{1, 2, nan, 4, 5}}}}.SVG())
	if strings.Count(line, "<path d=\"M") != 1 || strings.Count(line, "M") < 2 || strings.Count(line, "<circle") != 4 {
		t.Errorf("a NaN should split the line into two segments with 4 points:\n%s", line)
	}
	if !strings.Contains(line, "3 n/a") {
		t.Error("the description does not say the missing value is n/a")
	}
	all := string(LineChart{Title: "t", X: []string{"1"}, Series: []Series{{Name: "s", Values: []float64{nan}}}}.SVG())
	if !strings.Contains(all, "No data to show.") {
		t.Error("an all-NaN line chart should say there is no data")
	}
	hist := string(Histogram{Title: "h", Edges: []float64{0, 1, 2}, Series: []Series{{Name: "s", Values: []float64{nan, 0.5}}}}.SVG())
	if strings.Count(hist, "<rect x=") != 1 {
		t.Errorf("a NaN share should have no bar:\n%s", hist)
	}
}

func TestDeterministicAndDistinctIDs(t *testing.T) {
	t.Parallel()
	a := samples()
	b := samples()
	ids := map[string]string{}
	for name := range a {
		if a[name] != b[name] {
			t.Errorf("%s renders differently twice", name)
		}
		i := strings.Index(string(a[name]), `<title id="`)
		id := string(a[name])[i+11 : i+11+strings.IndexByte(string(a[name])[i+11:], '"')]
		if other, ok := ids[id]; ok {
			t.Errorf("%s and %s share id %s", name, other, id)
		}
		ids[id] = name
	}
}

func TestNum(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{0: "0", 0.1234: "0.123", 0.5: "0.5", 1.005: "1", 12.345: "12.35", 123.45: "123.5",
		12345.6: "12346", -0.0001: "0", -0.25: "-0.25", math.Inf(1): "∞"} {
		if got := Num(v); got != want {
			t.Errorf("Num(%v) = %q, want %q", v, got, want)
		}
	}
	if Num(nan) != "n/a" {
		t.Error("Num(NaN)")
	}
}

func TestWidthBounds(t *testing.T) {
	t.Parallel()
	for in, want := range map[int]string{0: `width="640"`, 100: `width="320"`, 99999: `width="2000"`, 800: `width="800"`} {
		if s := string(BarChart{Title: "t", Bars: []Bar{{Label: "a", Value: 1}}, Width: in}.SVG()); !bytes.Contains([]byte(s), []byte(want)) {
			t.Errorf("Width %d: want %s", in, want)
		}
	}
}

// TestContrast pins the doc's promise: every colour used for text or marks
// has at least 4.5:1 contrast on white (WCAG 2 AA).
func TestContrast(t *testing.T) {
	t.Parallel()
	lum := func(hex string) float64 {
		var l float64
		for i, w := range []float64{0.2126, 0.7152, 0.0722} {
			var v int
			if _, err := fmt.Sscanf(hex[1+2*i:3+2*i], "%02x", &v); err != nil {
				t.Fatal(err)
			}
			c := float64(v) / 255
			if c <= 0.04045 {
				c /= 12.92
			} else {
				c = math.Pow((c+0.055)/1.055, 2.4)
			}
			l += w * c
		}
		return l
	}
	for _, c := range append([]string{ink, muted, axis, threshold}, palette...) {
		if r := 1.05 / (lum(c) + 0.05); r < 4.5 {
			t.Errorf("%s has contrast %.2f:1 on white", c, r)
		}
	}
}
