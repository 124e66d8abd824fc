package explain_test

import (
	"context"
	"fmt"

	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/probe/explain"
)

// approve says yes when income (thousands) is over 2 × debt + 30; age is
// ignored.
type approve struct{}

func (approve) Predict(_ context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
	out := make([]modelclient.Prediction, len(rows))
	for i, r := range rows {
		out[i] = modelclient.Prediction{Label: "0", Value: 0}
		if r[0] > 2*r[1]+30 {
			out[i] = modelclient.Prediction{Label: "1", Value: 1}
		}
	}
	return out, nil
}

// Rank features by permutation importance, as scikit-learn defines it.
func Example() {
	names := []string{"income", "debt", "age"}
	var X [][]float64
	var y []string
	for i := range 200 {
		x := []float64{float64(20 + (i*37)%80), float64((i * 13) % 30), float64(20 + i%50)}
		X = append(X, x)
		p, _ := approve{}.Predict(context.Background(), [][]float64{x})
		y = append(y, p[0].Label)
	}
	imp, err := explain.PermutationImportance(context.Background(), approve{}, names, X, y, explain.Options{Repeats: 5, Seed: 1})
	if err != nil {
		panic(err)
	}
	for _, f := range imp.Features {
		fmt.Printf("%-6s rank %d, importance %.2f\n", f.Name, f.Rank, f.Mean)
	}
	fmt.Println("queries:", imp.Queries)
	// Output:
	// income rank 1, importance 0.40
	// debt   rank 2, importance 0.27
	// age    rank 3, importance 0.00
	// queries: 3200
}
