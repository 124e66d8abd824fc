package fairness

import (
	"math"
	"reflect"
	"testing"
)

func TestBootstrapDeterministic(t *testing.T) {
	t.Parallel()
	run := func(seed uint64, workers int) map[string]*Headline {
		opt := DefaultOptions()
		opt.Bootstrap, opt.Seed, opt.Workers = 300, seed, workers
		return goldenResult(t, "random_three_columns", opt).FairnessMetrics
	}
	a, b, c := run(42, 1), run(42, 4), run(43, 2)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the intervals depend on the number of workers")
	}
	if reflect.DeepEqual(a, c) {
		t.Fatal("another seed gave the same intervals")
	}
	for name, h := range a {
		for _, iv := range []*Interval{h.BetweenCI, h.ToOverallCI} {
			if iv == nil || iv.Defined == 0 || iv.Defined > 300 {
				t.Fatalf("%s: interval %+v", name, iv)
			}
			if iv.Low.Defined() && iv.High.Defined() && iv.Low > iv.High {
				t.Fatalf("%s: low %v > high %v", name, iv.Low, iv.High)
			}
		}
	}
	// The point estimate of a well-populated metric lies inside its interval.
	h := a[DemographicParityDifference]
	if h.BetweenGroups < h.BetweenCI.Low || h.BetweenGroups > h.BetweenCI.High {
		t.Fatalf("DPD %v outside [%v, %v]", h.BetweenGroups, h.BetweenCI.Low, h.BetweenCI.High)
	}
}

func TestQuantileIsNumpyLinear(t *testing.T) {
	t.Parallel()
	x := []float64{1, 2, 3, 4, 10}
	// numpy.quantile([1,2,3,4,10], [0, .025, .5, .975, 1]) = 1, 1.1, 3, 9.4, 10
	for p, want := range map[float64]float64{0: 1, 0.025: 1.1, 0.5: 3, 0.975: 9.4, 1: 10} {
		if got := quantile(x, p); math.Abs(got-want) > 1e-12 {
			t.Errorf("quantile(%v) = %v, want %v", p, got, want)
		}
	}
	if !math.IsNaN(quantile(nil, 0.5)) {
		t.Error("quantile of nothing must be NaN")
	}
}

func TestEvaluateRejectsBadOptionsAndData(t *testing.T) {
	t.Parallel()
	d := &Data{YTrue: []bool{true, false}, YPred: []bool{true, true},
		Features: []Feature{{Name: "g", Codes: []uint32{0, 1}, Dict: []string{"a", "b"}}}}
	for name, opt := range map[string]Options{
		"ci":        {Bootstrap: 10, CI: 1.5},
		"bootstrap": {Bootstrap: -1},
		"missing":   {Missing: "ignore"},
		"min size":  {MinGroupSize: -3},
	} {
		if _, err := Evaluate(d, opt); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	empty := &Data{Features: d.Features[:0]}
	if _, err := Evaluate(empty, DefaultOptions()); err == nil {
		t.Error("no rows: no error")
	}
	missing := &Data{YTrue: []bool{true, false}, YPred: []bool{true, true},
		Features: []Feature{{Name: "g", Codes: []uint32{MissingCode, 0}, Dict: []string{"a"}}}}
	if _, err := Evaluate(missing, DefaultOptions()); err == nil {
		t.Error("a missing string value must be an error by default")
	}
	opt := DefaultOptions()
	opt.Missing = MissingDrop
	res, err := Evaluate(missing, opt)
	if err != nil || res.Ungrouped != 1 || len(res.ByGroup) != 1 {
		t.Fatalf("drop: %+v %v", res, err)
	}
	allMissing := &Data{YTrue: []bool{true}, YPred: []bool{true},
		Features: []Feature{{Name: "n", Numeric: true, Num: []float64{math.NaN()}}}}
	if _, err := Evaluate(allMissing, DefaultOptions()); err == nil {
		t.Error("no group at all: no error")
	}
}
