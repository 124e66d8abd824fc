package modelclient_test

import (
	"context"
	"fmt"

	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/modelclient/modeltest"
)

// Ask a model served with the KServe v2 protocol for its answers and
// scores, within a query budget.
func Example() {
	srv := modeltest.NewServer(modeltest.Linear{W: []float64{1, -2}, B: 0.5})
	defer srv.Close()

	c, err := modelclient.New(modelclient.Config{
		Endpoint: srv.URL, Protocol: modelclient.KServeV2, Model: "credit",
		Budget: 1000,
	})
	if err != nil {
		panic(err)
	}
	ps, err := c.Predict(context.Background(), [][]float64{{0, 0}, {0, 1}})
	if err != nil {
		panic(err)
	}
	for _, p := range ps {
		fmt.Printf("label %s, P(1) = %.3f\n", p.Label, p.Scores[1])
	}
	fmt.Printf("%d queries, %d left\n", c.Stats().Queries, c.Remaining())
	// Output:
	// label 1, P(1) = 0.622
	// label 0, P(1) = 0.182
	// 2 queries, 998 left
}
