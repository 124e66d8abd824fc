package attack_test

import (
	"context"
	"fmt"
	"math"

	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/probe/attack"
)

// Find the smallest change that flips a linear classifier's answer with
// HopSkipJump, asking only for labels: the exact answer is the distance
// to the line x + y = 1, |x + y − 1| / √2.
func Example() {
	model := attack.OracleFunc(func(_ context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
		out := make([]modelclient.Prediction, len(rows))
		for i, r := range rows {
			if r[0]+r[1] > 1 {
				out[i] = modelclient.Prediction{Label: "yes", Value: math.NaN()}
			} else {
				out[i] = modelclient.Prediction{Label: "no", Value: math.NaN()}
			}
		}
		return out, nil
	})
	x := []float64{0.2, 0.3}
	res, err := attack.HopSkipJump{}.Run(context.Background(), model, &attack.Problem{
		X: x, Answer: modelclient.Prediction{Label: "no", Value: math.NaN()},
		Lo: []float64{0, 0}, Hi: []float64{1, 1}, Budget: 2000, Seed: 1,
	})
	if err != nil {
		panic(err)
	}
	exact := math.Abs(x[0]+x[1]-1) / math.Sqrt2
	fmt.Printf("found %.3f, exact %.3f, within budget: %v\n", attack.Dist(attack.L2, x, res.Adv), exact, res.Queries <= 2000)
	// Output:
	// found 0.354, exact 0.354, within budget: true
}
