package drift_test

import (
	"fmt"

	"github.com/mlsec/mlsec/drift"
)

// Evidently's categorical anchor: a:25 b:25 c:50 against a:50 b:25 c:25.
func ExampleCompare() {
	rep := func(vals map[string]int) []string {
		var out []string
		for _, k := range []string{"a", "b", "c"} {
			for i := 0; i < vals[k]; i++ {
				out = append(out, k)
			}
		}
		return out
	}
	ref := &drift.Table{Name: "reference", Columns: []*drift.Column{drift.CategoricalColumn("grade", rep(map[string]int{"a": 25, "b": 25, "c": 50}), nil)}}
	cur := &drift.Table{Name: "current", Columns: []*drift.Column{drift.CategoricalColumn("grade", rep(map[string]int{"a": 50, "b": 25, "c": 25}), nil)}}
	for _, m := range []string{"", "psi", "jensenshannon"} {
		r, err := drift.Compare(ref, cur, drift.Options{Method: m})
		if err != nil {
			panic(err)
		}
		c := r.Columns[0]
		fmt.Printf("%s %s score=%.6g drift=%v psi=%.6f\n", c.Type, c.Method, float64(c.Score), c.Drift, float64(c.PSI))
	}
	// Output:
	// cat chisquare score=7.19413e-09 drift=true psi=0.346574
	// cat psi score=0.346574 drift=true psi=0.346574
	// cat jensenshannon score=0.206094 drift=true psi=0.346574
}
