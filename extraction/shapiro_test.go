package extraction

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

// TestShapiroWilkGolden compares ShapiroWilk with scipy.stats.shapiro
// (testdata/shapiro_golden.py). scipy computes in float32, so agreement is
// to float32 rounding: up to 1000 values, 2e-6 absolute on W and, on p,
// 2e-6 absolute or 1e-3 relative, whichever is larger. At 5000 values
// scipy's single-precision sums drift (W by 3e-6, p by 3e-3): there the
// test allows 1e-5 on W and 0.01 on p.
func TestShapiroWilkGolden(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/shapiro_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Name string
			X    []float64
			W, P float64
		}
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 60 {
		t.Fatalf("%d golden cases", len(g.Cases))
	}
	var maxW, maxP, bigW, bigP float64
	for _, c := range g.Cases {
		w, p, err := ShapiroWilk(c.X)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		dw, dp := math.Abs(w-c.W), math.Abs(p-c.P)
		tolW, tolP := 2e-6, max(2e-6, 1e-3*c.P)
		if len(c.X) > 1000 {
			tolW, tolP = 1e-5, 0.01
			bigW, bigP = max(bigW, dw), max(bigP, dp)
		} else {
			maxW, maxP = max(maxW, dw), max(maxP, dp)
		}
		if dw > tolW {
			t.Errorf("%s: W %.9g, scipy %.9g", c.Name, w, c.W)
		}
		if dp > tolP {
			t.Errorf("%s: p %.9g, scipy %.9g", c.Name, p, c.P)
		}
	}
	t.Logf("n <= 1000: max |ΔW| %.3g, max |Δp| %.3g; n = 5000: %.3g, %.3g (%d cases)", maxW, maxP, bigW, bigP, len(g.Cases))
}

func TestShapiroWilkErrors(t *testing.T) {
	t.Parallel()
	for _, x := range [][]float64{{1, 2}, {3, 3, 3, 3}, {1, math.NaN(), 2}, make([]float64, 5001)} {
		if _, _, err := ShapiroWilk(x); !errors.Is(err, ErrShapiro) {
			t.Errorf("%d values: err %v", len(x), err)
		}
	}
}
