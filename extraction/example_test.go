package extraction_test

import (
	"fmt"
	"time"

	"github.com/mlsec/mlsec/extraction"
)

func Example() {
	d, err := extraction.New(extraction.Config{
		Rate:     &extraction.RateConfig{Window: time.Minute, MaxPerWindow: 100},
		Boundary: &extraction.BoundaryConfig{},
	})
	if err != nil {
		panic(err)
	}
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var v extraction.Verdict
	for i := range 120 {
		// A client probing the decision boundary: every answer a near tie.
		v = d.Observe(extraction.Query{Client: "k1", Time: t0.Add(time.Duration(i) * 100 * time.Millisecond),
			Input: []float64{0.5, float64(i) / 1000}, Class: 1, Scores: []float64{0.49, 0.51}})
	}
	for _, f := range v.Findings {
		fmt.Println(f.Detector, f.Value, f.Threshold)
	}
	// Output:
	// rate 101 100
	// boundary 1 0.3
}
