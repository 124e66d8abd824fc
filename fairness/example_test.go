package fairness_test

import (
	"fmt"

	"github.com/mlsec/mlsec/fairness"
)

// Evaluate on plain slices: the toy example of fairlearn's documentation.
func ExampleEvaluate() {
	yTrue := []bool{true, true, true, true, true, false, false, true, true, false}
	yPred := []bool{false, true, true, true, true, false, false, false, true, true}
	sex := fairness.Feature{Name: "sex", Codes: []uint32{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, Dict: []string{"F", "M"}}
	res, err := fairness.Evaluate(&fairness.Data{YTrue: yTrue, YPred: yPred, Features: []fairness.Feature{sex}}, fairness.DefaultOptions())
	if err != nil {
		panic(err)
	}
	for _, g := range res.ByGroup {
		fmt.Printf("%s: selection rate %.2f\n", g.Group, g.Metrics[fairness.SelectionRate])
	}
	dp := res.FairnessMetrics[fairness.DemographicParityDifference]
	fmt.Printf("demographic parity difference %.2f (to overall %.2f)\n", dp.BetweenGroups, dp.ToOverall)
	fmt.Printf("four-fifths rule passed: %v (ratio %.2f)\n", res.FourFifths.Passed, res.FourFifths.Ratio)
	// Output:
	// sex=F: selection rate 0.80
	// sex=M: selection rate 0.40
	// demographic parity difference 0.40 (to overall 0.20)
	// four-fifths rule passed: false (ratio 0.50)
}
