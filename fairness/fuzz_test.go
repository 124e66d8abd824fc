package fairness

import (
	"math"
	"testing"
)

// FuzzEvaluate builds tables from bytes (each byte: true label, prediction,
// a value of two sensitive columns, one of them numeric with NaN) and
// checks that Evaluate never panics and its numbers stay in range.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte{0x00, 0x13, 0x27, 0xff}, uint8(0))
	f.Add([]byte{0x01, 0x01, 0x01}, uint8(2))
	f.Add([]byte{0xf0, 0x0f, 0x33, 0xcc, 0x55, 0xaa}, uint8(3))
	f.Fuzz(func(t *testing.T, rows []byte, policy uint8) {
		if len(rows) == 0 || len(rows) > 4096 {
			return
		}
		d := &Data{YTrue: make([]bool, len(rows)), YPred: make([]bool, len(rows))}
		a := Feature{Name: "a", Codes: make([]uint32, len(rows)), Dict: []string{"x", "y", "", "z"}}
		b := Feature{Name: "b", Numeric: true, Num: make([]float64, len(rows))}
		for i, r := range rows {
			d.YTrue[i], d.YPred[i] = r&1 == 1, r&2 == 2
			a.Codes[i] = uint32(r>>2) & 3
			if r>>4 == 0xf {
				a.Codes[i] = MissingCode
			}
			b.Num[i] = float64(r >> 5)
			if r>>5 == 7 {
				b.Num[i] = math.NaN()
			}
		}
		d.Features = []Feature{a, b}
		opt := DefaultOptions()
		opt.Missing = []MissingPolicy{MissingAuto, MissingDrop, MissingGroup, MissingError}[policy%4]
		res, err := Evaluate(d, opt)
		if err != nil {
			return // missing values under auto/error, or no group at all
		}
		for _, g := range res.ByGroup {
			for name, v := range g.Metrics {
				if name != Count && v.Defined() && (v < 0 || v > 1) {
					t.Fatalf("%s of %s = %v", name, g.Group, v)
				}
			}
		}
		for name, h := range res.FairnessMetrics {
			for _, m := range Methods {
				v := h.Value(m)
				if v.Defined() && (v < 0 || (IsRatio(name) && v > 1)) {
					t.Fatalf("%s(%s) = %v", name, m, v)
				}
			}
		}
		if res.Passed && !(res.FourFifths.Ratio.Defined() && float64(res.FourFifths.Ratio) >= opt.MinRatio) {
			t.Fatalf("passed with four-fifths ratio %v", res.FourFifths.Ratio)
		}
	})
}
