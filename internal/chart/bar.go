package chart

import (
	"html/template"
	"math"
	"strings"
)

// Bar is one bar of a BarChart. A NaN (or infinite) Value is drawn as
// "n/a". Lo and Hi bound a confidence interval drawn as a whisker; NaN in
// either, or both zero (the zero value), means no whisker.
type Bar struct {
	Label  string
	Value  float64
	Lo, Hi float64
	Note   string
}

// BarChart is a horizontal bar chart, one bar per group, with optional
// confidence-interval whiskers and threshold lines. Min and Max fix the
// value axis; both zero means automatic (including zero, every value, every
// whisker and every threshold). Width is in pixels (0 means 640).
type BarChart struct {
	Title, Desc, Unit string
	Bars              []Bar
	Thresholds        []Line
	Min, Max          float64
	Width             int
}

func (b Bar) whisker() bool {
	return finite(b.Lo) && finite(b.Hi) && !(b.Lo == 0 && b.Hi == 0)
}

// SVG renders the chart (see the package doc for what every chart
// guarantees).
func (c BarChart) SVG() template.HTML {
	w := width(c.Width)
	if len(c.Bars) == 0 {
		return noData(c.Title, c.Desc, w)
	}
	const rowH, barH, titleH, axisH = 28.0, 16.0, 30.0, 44.0
	labelW := 0.0
	for _, b := range c.Bars {
		labelW = max(labelW, textWidth(b.Label))
	}
	labelW = min(labelW+10, float64(w)*0.32)
	valueW := 0.0
	for _, b := range c.Bars {
		valueW = max(valueW, textWidth(barText(b, c.Unit)))
	}
	valueW = min(valueW+14, float64(w)*0.3)
	top := titleH + 18*float64(len(c.Thresholds)) + 6
	left, right := labelW+6, float64(w)-valueW
	h := int(top + rowH*float64(len(c.Bars)) + axisH)

	lo, hi := c.Min, c.Max
	fixed := !(lo == 0 && hi == 0) && finite(lo) && finite(hi) && lo < hi
	if !fixed {
		lo, hi = 0, 0
		include := func(v float64) {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		for _, b := range c.Bars {
			include(b.Value)
			if b.whisker() {
				include(b.Lo)
				include(b.Hi)
			}
		}
		for _, t := range c.Thresholds {
			include(t.Value)
		}
	}
	var ticks []float64
	if fixed {
		ticks = ticksWithin(lo, hi, 5)
	} else {
		lo, hi, ticks = niceDomain(lo, hi, 5)
	}
	x := scale{lo, hi, left, right}

	var s svg
	s.begin(w, h, c.Title, c.desc(), c.Unit, c.Bars, c.Thresholds, lo, hi, w)
	s.text(4, 18, "start", ink, true, c.Title)
	bottom := top + rowH*float64(len(c.Bars))
	// Gridlines and the value axis.
	for _, t := range ticks {
		px := x.at(t)
		s.line(px, top, px, bottom, grid, 1, "")
		s.text(px, bottom+16, "middle", muted, false, Num(t))
	}
	s.line(left, bottom, right, bottom, axis, 1, "")
	if c.Unit != "" {
		s.text((left+right)/2, bottom+34, "middle", muted, false, c.Unit)
	}
	base := x.at(math.Max(lo, math.Min(0, hi)))
	for i, b := range c.Bars {
		y := top + rowH*float64(i)
		cy := y + rowH/2
		s.raw(`<g><title>%s</title>`, esc(barTitle(b, c.Unit)))
		s.text(left-8, cy+4, "end", ink, false, clipText(b.Label, labelW-4))
		if finite(b.Value) {
			v := math.Max(lo, math.Min(hi, b.Value))
			x0, x1 := base, x.at(v)
			if x1 < x0 {
				x0, x1 = x1, x0
			}
			s.raw(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, f1(x0), f1(cy-barH/2), f1(math.Max(x1-x0, 1)), f1(barH), palette[0])
		} else {
			s.text(left+6, cy+4, "start", muted, false, "no value")
		}
		if b.whisker() {
			wl, wh := x.at(math.Max(lo, math.Min(b.Lo, b.Hi))), x.at(math.Min(hi, math.Max(b.Lo, b.Hi)))
			s.line(wl, cy, wh, cy, ink, 1.5, "")
			s.line(wl, cy-5, wl, cy+5, ink, 1.5, "")
			s.line(wh, cy-5, wh, cy+5, ink, 1.5, "")
		}
		s.text(right+8, cy+4, "start", ink, false, clipText(barText(b, c.Unit), valueW-10))
		s.raw(`</g>`)
	}
	// Thresholds last, so they sit on top of the bars, each labelled in its
	// own row above the plot.
	for i, t := range c.Thresholds {
		if !finite(t.Value) || t.Value < lo || t.Value > hi {
			continue
		}
		px := x.at(t.Value)
		ly := titleH + 18*float64(i) + 8
		s.line(px, ly+4, px, bottom, threshold, 2, "6 4")
		anchor := "middle"
		if px-left < 80 {
			anchor = "start"
		} else if right-px < 80 {
			anchor = "end"
		}
		s.halo(px, ly, anchor, threshold, thresholdText(t, c.Unit))
	}
	return s.end()
}

// barText is what is written next to a bar: its value and note.
func barText(b Bar, unit string) string {
	t := withUnit(Num(b.Value), unit)
	if !finite(b.Value) {
		t = "n/a"
	}
	if b.Note != "" {
		t += " · " + b.Note
	}
	return t
}

func barTitle(b Bar, unit string) string {
	t := b.Label + ": " + barText(b, unit)
	if b.whisker() {
		t += " (interval " + withUnit(Num(b.Lo), unit) + " to " + withUnit(Num(b.Hi), unit) + ")"
	}
	return t
}

func thresholdText(t Line, unit string) string {
	v := withUnit(Num(t.Value), unit)
	if t.Label == "" {
		return v
	}
	return t.Label + " (" + v + ")"
}

// desc is the text alternative: the caller's description, then every value
// and threshold, so a screen reader gets what the picture shows.
func (c BarChart) desc() string {
	parts := descStart(c.Desc)
	var vals []string
	for _, b := range c.Bars {
		vals = append(vals, barTitle(b, c.Unit))
	}
	parts = append(parts, "Values: "+strings.Join(vals, "; ")+".")
	return joinDesc(parts, c.Thresholds, c.Unit)
}
