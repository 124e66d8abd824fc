package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Histogram compares distributions bin by bin, typically a reference and a
// current sample. Bins are numeric (Edges, one more than the bins) or
// categories (Categories, one per bin; they win when both are set). Each
// Series holds one share (0 to 1) per bin, drawn as a percentage; a NaN
// share is a gap, and values past the last bin are ignored. Width is in
// pixels (0 means 640).
type Histogram struct {
	Title, Desc string
	Edges       []float64
	Categories  []string
	Series      []Series
	Width       int
}

func (h Histogram) bins() int {
	if len(h.Categories) > 0 {
		return len(h.Categories)
	}
	return max(len(h.Edges)-1, 0)
}

// binLabel names bin i: its category, or its interval.
func (h Histogram) binLabel(i int) string {
	if len(h.Categories) > 0 {
		return h.Categories[i]
	}
	return Num(h.Edges[i]) + " to " + Num(h.Edges[i+1])
}

// SVG renders the histogram.
func (h Histogram) SVG() template.HTML {
	w := width(h.Width)
	nb := h.bins()
	if nb == 0 || len(h.Series) == 0 {
		return noData(h.Title, h.Desc, w)
	}
	top := 30.0
	if len(h.Series) > 1 {
		top += 22
	}
	const left, right, plotH = 56.0, 12.0, 200.0
	bottomH := 44.0
	rotate := false
	if len(h.Categories) > 0 {
		longest := 0.0
		for _, c := range h.Categories {
			longest = max(longest, textWidth(c))
		}
		if longest > (float64(w)-left-right)/float64(nb)-4 {
			rotate = true
			bottomH = math.Min(longest, 110)*0.72 + 34
		}
	}
	height := int(top + plotH + bottomH)
	hi := 0.0
	for _, s := range h.Series {
		for i, v := range s.Values {
			if i < nb && finite(v) {
				hi = math.Max(hi, v)
			}
		}
	}
	_, hi, ticks := niceDomain(0, hi, 4)
	bottom := top + plotH
	y := scale{0, hi, bottom, top}
	plotL, plotR := left, float64(w)-right
	groupW := (plotR - plotL) / float64(nb)

	var s svg
	s.begin(w, height, h.Title, h.desc(), h.Edges, h.Categories, h.Series, w)
	s.text(4, 18, "start", ink, true, h.Title)
	// Patterns: series after the first are hatched in their colour, so
	// they differ without colour too.
	s.raw("<defs>")
	for i := 1; i < len(h.Series); i++ {
		col := palette[i%len(palette)]
		s.raw(`<pattern id="%s-p%d" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(%d)"><rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="%s"/></pattern>`,
			s.id, i, 45+45*((i-1)%3), col)
	}
	s.raw("</defs>")
	if len(h.Series) > 1 {
		names := make([]string, len(h.Series))
		for i, sr := range h.Series {
			names[i] = sr.Name
		}
		s.legend(plotL, 44, plotR, names, func(i int, lx, ly float64) {
			s.raw(`<rect x="%s" y="%s" width="16" height="12" fill="%s" stroke="%s"/>`, f1(lx), f1(ly), h.fill(&s, i), palette[i%len(palette)])
		})
	}
	for _, t := range ticks {
		py := y.at(t)
		s.line(plotL, py, plotR, py, grid, 1, "")
		s.text(plotL-6, py+4, "end", muted, false, Num(t*100)+"%")
	}
	s.line(plotL, bottom, plotR, bottom, axis, 1, "")
	s.raw(`<text x="14" y="%s" text-anchor="middle" fill="%s" transform="rotate(-90 14 %s)">share of rows</text>`, f1(top+plotH/2), muted, f1(top+plotH/2))

	ns := float64(len(h.Series))
	barW := groupW * 0.8 / ns
	for i := range nb {
		gx := plotL + groupW*float64(i) + groupW*0.1
		for j, sr := range h.Series {
			if i >= len(sr.Values) {
				continue
			}
			v := sr.Values[i]
			label := h.binLabel(i)
			if !finite(v) {
				s.raw(`<g><title>%s</title></g>`, esc(sr.Name+", "+label+": n/a"))
				continue
			}
			py := y.at(math.Min(math.Max(v, 0), hi))
			s.raw(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="%s"><title>%s</title></rect>`,
				f1(gx+barW*float64(j)), f1(py), f1(math.Max(barW-1, 1)), f1(bottom-py), h.fill(&s, j), palette[j%len(palette)],
				esc(sr.Name+", "+label+": "+Num(v*100)+"%"))
		}
	}
	h.xLabels(&s, plotL, plotR, bottom, groupW, rotate)
	return s.end()
}

func (h Histogram) fill(s *svg, i int) string {
	if i == 0 {
		return palette[0]
	}
	return fmt.Sprintf("url(#%s-p%d)", s.id, i)
}

// xLabels writes the category under each bin (rotated when they do not
// fit), or the bin edges, thinned so they do not overlap.
func (h Histogram) xLabels(s *svg, plotL, plotR, bottom, groupW float64, rotate bool) {
	nb := h.bins()
	if len(h.Categories) > 0 {
		step := 1
		if rotate {
			step = int(math.Ceil(16 / groupW)) // one label per 16 px
		}
		for i := 0; i < nb; i += step {
			cx := plotL + groupW*(float64(i)+0.5)
			if rotate {
				s.raw(`<text x="%s" y="%s" text-anchor="end" fill="%s" transform="rotate(-45 %s %s)">%s</text>`,
					f1(cx+4), f1(bottom+14), ink, f1(cx+4), f1(bottom+14), esc(clipText(h.Categories[i], 110)))
			} else {
				s.text(cx, bottom+16, "middle", ink, false, h.Categories[i])
			}
		}
		return
	}
	widest := 0.0
	for _, e := range h.Edges {
		widest = max(widest, textWidth(Num(e)))
	}
	step := max(1, int(math.Ceil((widest+8)/groupW)))
	for i := 0; i < len(h.Edges); i += step {
		px := plotL + groupW*float64(i)
		s.line(px, bottom, px, bottom+4, axis, 1, "")
		s.text(px, bottom+17, "middle", ink, false, Num(h.Edges[i]))
	}
}

func (h Histogram) desc() string {
	parts := descStart(h.Desc)
	nb := h.bins()
	if nb > 30 {
		parts = append(parts, fmt.Sprintf("%d bins; hover a bar for its share.", nb))
		return joinDesc(parts, nil, "")
	}
	for _, sr := range h.Series {
		var vals []string
		for i := 0; i < nb && i < len(sr.Values); i++ {
			v := "n/a"
			if finite(sr.Values[i]) {
				v = Num(sr.Values[i]*100) + "%"
			}
			vals = append(vals, h.binLabel(i)+" "+v)
		}
		parts = append(parts, sr.Name+": "+strings.Join(vals, ", ")+".")
	}
	return joinDesc(parts, nil, "")
}
