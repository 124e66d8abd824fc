package chart

import (
	"fmt"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line is a threshold or reference line drawn across a chart.
type Line struct {
	Value float64
	Label string
}

// Series is one named sequence of values; NaN is a gap (no bar, no point).
type Series struct {
	Name   string
	Values []float64
}

// Look, shared by every chart and matched to report/templates/report.css.
// Every colour used for text or marks has at least 4.5:1 contrast on
// white (WCAG AA for text), and no chart relies on colour alone: series
// also differ by pattern, dash or marker shape and are named in a legend.
const (
	fontFamily = `-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif`
	fontSize   = 12
	ink        = "#1a1a1a" // body text
	muted      = "#555555" // secondary text (.muted)
	grid       = "#d0d0d0" // gridlines, not text
	axis       = "#767676" // axis lines (4.5:1)
	threshold  = "#8a1010" // failing red (.badge-failing)
	defaultW   = 640
	minW       = 320
	maxW       = 2000
)

// palette holds the series colours: the report's blue, then colours each
// at least 4.5:1 on white.
var palette = []string{"#1f4e79", "#a34700", "#0b5d1e", "#5e3c99", "#6b4a00", "#8a1010"}

// dashes tell line series apart without colour.
var dashes = []string{"", "6 3", "2 3", "8 3 2 3", "1 2", "10 4"}

// svg accumulates one chart's markup. Coordinates are written with one
// decimal so the output is byte-for-byte deterministic.
type svg struct {
	b  strings.Builder
	id string
}

// begin writes the root element with its accessible name and description.
func (s *svg) begin(w, h int, title, desc string, data ...any) {
	s.id = chartID(title, desc, data...)
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" font-family="%s" font-size="%d" style="max-width:100%%;height:auto">`,
		w, h, w, h, s.id, s.id, fontFamily, fontSize)
	fmt.Fprintf(&s.b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, s.id, esc(title), s.id, esc(desc))
	fmt.Fprintf(&s.b, `<rect width="%d" height="%d" fill="#ffffff"/>`, w, h)
}

func (s *svg) end() template.HTML {
	s.b.WriteString("</svg>")
	return template.HTML(s.b.String()) // every text was escaped by esc
}

func (s *svg) raw(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

// text writes escaped text; anchor is start, middle or end.
func (s *svg) text(x, y float64, anchor, fill string, bold bool, str string) {
	weight := ""
	if bold {
		weight = ` font-weight="bold"`
	}
	fmt.Fprintf(&s.b, `<text x="%s" y="%s" text-anchor="%s" fill="%s"%s>%s</text>`, f1(x), f1(y), anchor, fill, weight, esc(str))
}

// halo writes bold text with a white outline, readable over lines and bars.
func (s *svg) halo(x, y float64, anchor, fill, str string) {
	fmt.Fprintf(&s.b, `<text x="%s" y="%s" text-anchor="%s" fill="%s" font-weight="bold" stroke="#ffffff" stroke-width="3" paint-order="stroke">%s</text>`,
		f1(x), f1(y), anchor, fill, esc(str))
}

func (s *svg) line(x1, y1, x2, y2 float64, stroke string, width float64, dash string) {
	d := ""
	if dash != "" {
		d = ` stroke-dasharray="` + dash + `"`
	}
	fmt.Fprintf(&s.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`, f1(x1), f1(y1), f1(x2), f1(y2), stroke, f1(width), d)
}

// chartID derives a deterministic id from the chart's content, so several
// charts on one page have distinct ids without a counter.
func chartID(title, desc string, data ...any) string {
	h := fnv.New64a()
	fmt.Fprint(h, title, "\x00", desc, "\x00")
	for _, d := range data {
		fmt.Fprintf(h, "%v\x00", d)
	}
	return "c" + strconv.FormatUint(h.Sum64(), 36)
}

// esc makes s safe as XML text or attribute content: it escapes markup
// characters, drops the control characters XML 1.0 forbids and repairs
// invalid UTF-8, so any label keeps the document well-formed.
func esc(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune('\uFFFD')
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// f1 formats a coordinate with at most one decimal.
func f1(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// Num formats a value for a label: three decimals below 1, fewer above,
// trailing zeros dropped; NaN is "n/a". Callers use it to write values in
// tables next to a chart the same way the chart does.
func Num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "−∞"
	}
	prec := 3
	switch a := math.Abs(v); {
	case a >= 1000:
		prec = 0
	case a >= 100:
		prec = 1
	case a >= 1:
		prec = 2
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// withUnit appends a unit to a formatted value ("%" without a space).
func withUnit(s, unit string) string {
	switch unit {
	case "":
		return s
	case "%":
		return s + "%"
	}
	return s + " " + unit
}

func width(w int) int {
	if w <= 0 {
		return defaultW
	}
	return min(max(w, minW), maxW)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// scale maps a data interval onto a pixel interval.
type scale struct{ d0, d1, r0, r1 float64 }

func (s scale) at(v float64) float64 {
	if s.d1 == s.d0 {
		return s.r0
	}
	return s.r0 + (v-s.d0)/(s.d1-s.d0)*(s.r1-s.r0)
}

// niceDomain widens [lo, hi] to round tick steps (1, 2 or 5 × 10^k) and
// returns the ticks.
func niceDomain(lo, hi float64, n int) (float64, float64, []float64) {
	if !finite(lo) || !finite(hi) {
		lo, hi = 0, 1
	}
	if lo == hi {
		if lo == 0 {
			hi = 1
		} else {
			lo, hi = math.Min(0, lo), math.Max(0, hi)
			if lo == hi {
				lo, hi = lo-1, hi+1
			}
		}
	}
	step := niceStep((hi - lo) / float64(n))
	lo = math.Floor(lo/step+1e-9) * step
	hi = math.Ceil(hi/step-1e-9) * step
	var ticks []float64
	for i := 0; ; i++ {
		t := lo + float64(i)*step
		if t > hi+step/2 || i > 50 {
			break
		}
		ticks = append(ticks, math.Round(t/step)*step)
	}
	return lo, hi, ticks
}

// ticksWithin returns round ticks inside a fixed [lo, hi].
func ticksWithin(lo, hi float64, n int) []float64 {
	step := niceStep((hi - lo) / float64(n))
	var ticks []float64
	for t := math.Ceil(lo/step-1e-9) * step; t <= hi+step*1e-9 && len(ticks) <= 50; t += step {
		ticks = append(ticks, math.Round(t/step)*step)
	}
	return ticks
}

func niceStep(raw float64) float64 {
	if raw <= 0 || !finite(raw) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / mag; {
	case f <= 1:
		return mag
	case f <= 2:
		return 2 * mag
	case f <= 5:
		return 5 * mag
	}
	return 10 * mag
}

// textWidth estimates the rendered width of s at the chart font size: an
// average sans-serif glyph is about 0.6 em.
func textWidth(s string) float64 {
	return float64(utf8.RuneCountInString(s)) * fontSize * 0.6
}

// clipText shortens s to fit px pixels, ending it with "…".
func clipText(s string, px float64) string {
	maxRunes := int(px / (fontSize * 0.6))
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	if maxRunes < 2 {
		return "…"
	}
	r := []rune(s)
	return string(r[:maxRunes-1]) + "…"
}

// legend draws one swatch and name per series from x, y and returns the y
// below it. swatch draws the swatch for series i at (x, y).
func (s *svg) legend(x, y, maxX float64, names []string, swatch func(i int, x, y float64)) float64 {
	cx := x
	for i, n := range names {
		label := clipText(n, 200)
		w := 22 + textWidth(label) + 16
		if cx+w > maxX && cx > x {
			cx = x
			y += 18
		}
		swatch(i, cx, y-9)
		s.text(cx+22, y, "start", ink, false, label)
		cx += w
	}
	return y + 10
}

// noData draws the empty chart.
func noData(title, desc string, w int) template.HTML {
	var s svg
	s.begin(w, 80, title, desc)
	s.text(10, 22, "start", ink, true, title)
	s.text(10, 52, "start", muted, false, "No data to show.")
	return s.end()
}

// descStart begins a text alternative with the caller's description.
func descStart(desc string) []string {
	if desc == "" {
		return nil
	}
	return []string{strings.TrimRight(desc, ". ") + "."}
}

// joinDesc ends a text alternative with the thresholds and joins it.
func joinDesc(parts []string, ts []Line, unit string) string {
	if len(ts) > 0 {
		var t []string
		for _, l := range ts {
			t = append(t, thresholdText(l, unit))
		}
		parts = append(parts, "Thresholds: "+strings.Join(t, "; ")+".")
	}
	return strings.Join(parts, " ")
}
