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

// The gateway's loop: a reference profile, a window per batch of traffic
// (merged across replicas), a comparison, and per-column scores for gauges.
func ExampleCompareProfiles() {
	cols := []drift.ColumnSpec{{Name: "age", Kind: drift.KindNumber}, {Name: "plan", Kind: drift.KindString}}
	ref := drift.NewProfile("training", cols)
	for i := 0; i < 3000; i++ {
		_ = ref.Update([]drift.Value{{Num: float64(20 + i%40), IsNum: true, Int: true}, {Str: []string{"basic", "pro"}[i%2]}})
	}
	window := ref.NewWindow("window 1")
	for replica := 0; replica < 2; replica++ {
		part := ref.NewWindow("replica")
		for i := 0; i < 1500; i++ {
			_ = part.Update([]drift.Value{{Num: float64(35 + i%40), IsNum: true, Int: true}, {Str: []string{"basic", "pro", "pro"}[i%3]}})
		}
		_ = window.Merge(part)
	}
	rep, err := drift.CompareProfiles(ref, window, drift.Options{})
	if err != nil {
		panic(err)
	}
	for _, s := range rep.Scores() {
		fmt.Printf("mlsec_drift_score{feature=%q,method=%q} %.4f drifted=%v\n", s.Feature, s.Method, s.Score, s.Drifted)
	}
	fmt.Println("dataset drift:", rep.DatasetDrift)
	// Output:
	// mlsec_drift_score{feature="age",method="wasserstein"} 1.2879 drifted=true
	// mlsec_drift_score{feature="plan",method="jensenshannon"} 0.1198 drifted=true
	// dataset drift: true
}
