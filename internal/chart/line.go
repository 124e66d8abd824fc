package chart

import (
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
)

// LineChart draws trends over versions or dates: one line per Series, one
// point per X label, a NaN value leaving a gap, and threshold lines across.
// Width is in pixels (0 means 640).
type LineChart struct {
	Title, Desc, Unit string
	X                 []string
	Series            []Series
	Thresholds        []Line
	Width             int
}

func (c LineChart) points() int {
	n := len(c.X)
	for _, s := range c.Series {
		n = max(n, len(s.Values))
	}
	return n
}

func (c LineChart) xLabel(i int) string {
	if i < len(c.X) {
		return c.X[i]
	}
	return strconv.Itoa(i + 1)
}

// SVG renders the chart.
func (c LineChart) SVG() template.HTML {
	w := width(c.Width)
	n := c.points()
	hasValue := false
	for _, s := range c.Series {
		for _, v := range s.Values {
			hasValue = hasValue || finite(v)
		}
	}
	if n == 0 || !hasValue {
		return noData(c.Title, c.Desc, w)
	}
	top := 30.0
	if len(c.Series) > 1 {
		top += 22
	}
	endW := 0.0
	for _, s := range c.Series {
		endW = max(endW, textWidth(s.Name))
	}
	const left, plotH, bottomH = 56.0, 200.0, 48.0
	right := math.Min(endW+16, float64(w)*0.25)
	h := int(top + plotH + bottomH)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, v := range s.Values {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	for _, t := range c.Thresholds {
		if finite(t.Value) {
			lo, hi = math.Min(lo, t.Value), math.Max(hi, t.Value)
		}
	}
	if lo > 0 && lo < hi && lo < (hi-lo) { // keep zero in view when it is near
		lo = 0
	}
	lo, hi, ticks := niceDomain(lo, hi, 4)
	plotL, plotR := left, float64(w)-right
	bottom := top + plotH
	y := scale{lo, hi, bottom, top}
	xAt := func(i int) float64 {
		if n == 1 {
			return (plotL + plotR) / 2
		}
		return plotL + 10 + (plotR-plotL-20)*float64(i)/float64(n-1)
	}

	var s svg
	s.begin(w, h, c.Title, c.desc(), c.Unit, c.X, c.Series, c.Thresholds, w)
	s.text(4, 18, "start", ink, true, c.Title)
	if len(c.Series) > 1 {
		names := make([]string, len(c.Series))
		for i, sr := range c.Series {
			names[i] = sr.Name
		}
		s.legend(plotL, 44, float64(w), names, func(i int, lx, ly float64) {
			col := palette[i%len(palette)]
			s.line(lx, ly+6, lx+16, ly+6, col, 2, dashes[i%len(dashes)])
			marker(&s, i, lx+8, ly+6, col)
		})
	}
	for _, t := range ticks {
		py := y.at(t)
		s.line(plotL, py, plotR, py, grid, 1, "")
		s.text(plotL-6, py+4, "end", muted, false, Num(t))
	}
	s.line(plotL, bottom, plotR, bottom, axis, 1, "")
	if c.Unit != "" {
		s.raw(`<text x="14" y="%s" text-anchor="middle" fill="%s" transform="rotate(-90 14 %s)">%s</text>`, f1(top+plotH/2), muted, f1(top+plotH/2), esc(c.Unit))
	}
	// X labels, thinned so they do not overlap.
	widest := 0.0
	for i := range n {
		widest = max(widest, textWidth(c.xLabel(i)))
	}
	gap := (plotR - plotL - 20) / float64(max(n-1, 1))
	step := max(1, int(math.Ceil((math.Min(widest, 120)+10)/gap)))
	for i := 0; i < n; i += step {
		s.line(xAt(i), bottom, xAt(i), bottom+4, axis, 1, "")
		s.text(xAt(i), bottom+18, "middle", ink, false, clipText(c.xLabel(i), 120))
	}
	for _, t := range c.Thresholds {
		if !finite(t.Value) || t.Value < lo || t.Value > hi {
			continue
		}
		py := y.at(t.Value)
		s.line(plotL, py, plotR, py, threshold, 2, "6 4")
		s.halo(plotR-4, py-5, "end", threshold, thresholdText(t, c.Unit))
	}
	type end struct {
		y    float64
		name string
		col  string
	}
	var ends []end
	for i, sr := range c.Series {
		col := palette[i%len(palette)]
		// One path of segments: a NaN starts a new one, so gaps stay gaps.
		var d strings.Builder
		pen := false
		last := -1
		for j, v := range sr.Values {
			if !finite(v) {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			d.WriteString(cmd + f1(xAt(j)) + " " + f1(y.at(v)) + " ")
			pen = true
			last = j
		}
		if d.Len() > 0 {
			dash := ""
			if dashes[i%len(dashes)] != "" {
				dash = ` stroke-dasharray="` + dashes[i%len(dashes)] + `"`
			}
			s.raw(`<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, strings.TrimSpace(d.String()), col, dash)
		}
		for j, v := range sr.Values {
			if !finite(v) {
				continue
			}
			s.raw(`<g><title>%s</title>`, esc(sr.Name+", "+c.xLabel(j)+": "+withUnit(Num(v), c.Unit)))
			marker(&s, i, xAt(j), y.at(v), col)
			s.raw(`</g>`)
		}
		if last >= 0 {
			ends = append(ends, end{y.at(sr.Values[last]), sr.Name, col})
		}
	}
	// Name each line at the right edge, pushed apart so names do not overlap.
	sort.SliceStable(ends, func(a, b int) bool { return ends[a].y < ends[b].y })
	for i := range ends {
		if i > 0 && ends[i].y-ends[i-1].y < 14 {
			ends[i].y = ends[i-1].y + 14
		}
	}
	for _, e := range ends {
		s.text(plotR+6, e.y+4, "start", e.col, true, clipText(e.name, right-8))
	}
	return s.end()
}

// marker draws series i's point shape: circle, square, triangle, diamond…
func marker(s *svg, i int, x, y float64, col string) {
	switch i % 4 {
	case 0:
		s.raw(`<circle cx="%s" cy="%s" r="4" fill="%s"/>`, f1(x), f1(y), col)
	case 1:
		s.raw(`<rect x="%s" y="%s" width="8" height="8" fill="%s"/>`, f1(x-4), f1(y-4), col)
	case 2:
		s.raw(`<path d="M%s %sL%s %sL%s %sZ" fill="%s"/>`, f1(x), f1(y-5), f1(x+5), f1(y+4), f1(x-5), f1(y+4), col)
	default:
		s.raw(`<path d="M%s %sL%s %sL%s %sL%s %sZ" fill="%s"/>`, f1(x), f1(y-5), f1(x+5), f1(y), f1(x), f1(y+5), f1(x-5), f1(y), col)
	}
}

func (c LineChart) desc() string {
	parts := descStart(c.Desc)
	for _, sr := range c.Series {
		var vals []string
		for j, v := range sr.Values {
			t := "n/a"
			if finite(v) {
				t = withUnit(Num(v), c.Unit)
			}
			vals = append(vals, c.xLabel(j)+" "+t)
		}
		parts = append(parts, sr.Name+": "+strings.Join(vals, ", ")+".")
	}
	return joinDesc(parts, c.Thresholds, c.Unit)
}
