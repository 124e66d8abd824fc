package decfloat

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestRoundTrip appends values parsed from text (as a table reader does)
// and reads every one back bit for bit, across scale raises and the move
// to float64.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name    string
		text    func(i int) string
		decimal bool
	}{
		{"six places", func(int) string { return strconv.FormatFloat(r.Float64(), 'f', 6, 64) }, true},
		{"more places later", func(i int) string { return strconv.FormatFloat(r.Float64(), 'f', 1+i/200, 64) }, true},
		{"integers and negatives", func(i int) string { return strconv.Itoa(r.IntN(2000) - 1000) }, true},
		{"full precision", func(int) string { return strconv.FormatFloat(r.Float64(), 'g', -1, 64) }, false},
		{"large then small", func(i int) string {
			if i == 500 {
				return "0.000001"
			}
			return strconv.Itoa(1_000_000 + i)
		}, false},
		{"minus zero", func(i int) string {
			if i == 700 {
				return "-0"
			}
			return "0.5"
		}, false},
		{"inf", func(i int) string { return []string{"1.5", "inf"}[i%2] }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f Floats
			var want []float64
			for i := range 1000 {
				v, err := strconv.ParseFloat(c.text(i), 64)
				if err != nil {
					t.Fatal(err)
				}
				f.Append(v)
				want = append(want, v)
			}
			if f.Len() != len(want) || f.Decimal() != c.decimal {
				t.Fatalf("len %d decimal %v, want %d %v", f.Len(), f.Decimal(), len(want), c.decimal)
			}
			for i, v := range want {
				if got := f.At(i); math.Float64bits(got) != math.Float64bits(v) {
					t.Fatalf("value %d: got %v, want %v (scale %d)", i, got, v, f.Scale)
				}
			}
		})
	}
}

// TestAppendAllAndCap: the bulk append equals Append one by one, and the
// move to float64 takes the estimated capacity.
func TestAppendAllAndCap(t *testing.T) {
	t.Parallel()
	vs := []float64{0.25, 1.5, math.Pi, 2}
	f := Floats{Cap: func() int { return 100 }}
	f.AppendAll(vs)
	if f.Decimal() || f.Len() != 4 || cap(f.Vals) != 100 || f.At(2) != math.Pi || f.At(0) != 0.25 {
		t.Fatalf("got decimal=%v len=%d cap=%d %v", f.Decimal(), f.Len(), cap(f.Vals), f.Vals)
	}
}
