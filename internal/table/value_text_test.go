package table

import (
	"math"
	"strconv"
	"testing"
)

// Text refused without strconv.ParseFloat must be exactly what ParseFloat
// refuses.
func TestParseNumberTextLikeParseFloat(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"Female", "White", "x1", ".", ".e5", "-", "+", "-inf", "+Infinity", "NaN", "nan", "inferior", "n/a",
		"--inf", "_1", "e5", "Inf", "-nan", "i", "N", "0x1p-2", "1_000", "\u00e9"} {
		f, _, ok := parseNumber([]byte(s))
		pf, err := strconv.ParseFloat(s, 64)
		if want := err == nil; ok != want {
			t.Errorf("parseNumber(%q) ok=%v, ParseFloat err=%v", s, ok, err)
		} else if ok && !(f == pf || (math.IsNaN(f) && math.IsNaN(pf))) {
			t.Errorf("parseNumber(%q) = %v, ParseFloat %v", s, f, pf)
		}
	}
}

func BenchmarkParseNumberText(b *testing.B) {
	in := []byte("Amer-Indian-Eskimo")
	for b.Loop() {
		if _, _, ok := parseNumber(in); ok {
			b.Fatal("text parsed as a number")
		}
	}
}
