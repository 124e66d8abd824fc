package chart

import (
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

// FuzzCharts draws every chart type from arbitrary labels and values
// (NaN, ±Inf, huge, tiny, negative): the output must always be
// well-formed XML with no script element, and nothing may panic.
func FuzzCharts(f *testing.F) {
	f.Add("a<b>&c", []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 1, 2, 3, 4, 5, 6, 7, 8}, 3)
	f.Add("\x00\xff", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0x7f}, 0)
	f.Fuzz(func(t *testing.T, label string, raw []byte, n int) {
		var vals []float64
		for len(raw) >= 8 && len(vals) < 64 {
			vals = append(vals, math.Float64frombits(binary.LittleEndian.Uint64(raw)))
			raw = raw[8:]
		}
		get := func(i int) float64 {
			if len(vals) == 0 {
				return math.NaN()
			}
			return vals[i%len(vals)]
		}
		var bars []Bar
		var cats []string
		edges := []float64{}
		for i := range vals {
			bars = append(bars, Bar{Label: label, Value: get(i), Lo: get(i + 1), Hi: get(i + 2), Note: label})
			cats = append(cats, label)
			edges = append(edges, get(i))
		}
		series := []Series{{Name: label, Values: vals}, {Name: "b", Values: vals}}
		lines := []Line{{Value: get(3), Label: label}}
		for _, s := range []string{
			string(BarChart{Title: label, Desc: label, Unit: label, Bars: bars, Thresholds: lines, Min: get(4), Max: get(5), Width: n}.SVG()),
			string(Histogram{Title: label, Edges: edges, Series: series, Width: n}.SVG()),
			string(Histogram{Title: label, Categories: cats, Series: series, Width: n}.SVG()),
			string(LineChart{Title: label, Unit: label, X: cats, Series: series, Thresholds: lines, Width: n}.SVG()),
		} {
			d := xml.NewDecoder(strings.NewReader(s))
			for {
				tok, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed: %v\n%s", err, s)
				}
				if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "script" {
					t.Fatal("script element")
				}
			}
		}
	})
}
