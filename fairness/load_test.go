package fairness

import (
	"testing"
)

// The UCI Adult cases read the committed predictions file through Load
// (the table reader), then compare every number with fairlearn's.
func TestGoldenFairlearnAdult(t *testing.T) {
	t.Parallel()
	ran := 0
	for _, c := range readGolden(t).Cases {
		if c.Input.File == "" {
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			in := c.Input
			d, err := Load("testdata/"+in.File, LoadOptions{YTrue: "income", YPred: "prediction", YScore: "score",
				Sensitive: in.Order, PosLabel: labelOf(in.PosLabel).Raw})
			if err != nil {
				t.Fatal(err)
			}
			if d.Rows() != 16281 || d.Source.SHA256 == "" || d.Source.PosLabel != ">50K" {
				t.Fatalf("loaded %d rows, source %+v", d.Rows(), d.Source)
			}
			res, err := Evaluate(d, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			compareResult(t, res, in, c.Expected)
		})
	}
	if ran != 4 {
		t.Fatalf("%d file cases", ran)
	}
}
