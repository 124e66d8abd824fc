package attack

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/modelclient/modeltest"
)

// linearOracle answers like modeltest.Linear, in process, and counts rows.
type linearOracle struct {
	m    modeltest.Linear
	rows int
}

func (o *linearOracle) Query(_ context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
	o.rows += len(rows)
	out := make([]modelclient.Prediction, len(rows))
	for i, r := range rows {
		l, s := o.m.Predict(r)
		out[i] = modelclient.Prediction{Label: map[float64]string{0: "0", 1: "1"}[l], Value: l, Scores: s}
	}
	return out, nil
}

// linearProblem is a random d-dimensional linear model on [0,1]^d whose
// boundary passes through the box, and points whose nearest boundary
// point lies inside the box (so |w·x+b|/‖w‖ is the exact optimum).
func linearProblem(d, points int, seed uint64) (modeltest.Linear, [][]float64) {
	r := rand.New(rand.NewPCG(seed, 7))
	w := make([]float64, d)
	for j := range w {
		w[j] = r.NormFloat64()
	}
	center := make([]float64, d)
	for j := range center {
		center[j] = 0.5
	}
	m := modeltest.Linear{W: w}
	m.B = -m.Decision(center)
	var xs [][]float64
	for len(xs) < points {
		x := make([]float64, d)
		for j := range x {
			x[j] = 0.2 + 0.6*r.Float64()
		}
		if inside(m, x) {
			xs = append(xs, x)
		}
	}
	return m, xs
}

// inside reports whether the projection of x on the boundary is in [0,1]^d.
func inside(m modeltest.Linear, x []float64) bool {
	var n2 float64
	for _, w := range m.W {
		n2 += w * w
	}
	k := m.Decision(x) / n2
	for j := range x {
		if p := x[j] - k*m.W[j]; p < 0 || p > 1 {
			return false
		}
	}
	return true
}

func problem(o Oracle, x []float64, budget int, seed uint64) *Problem {
	d := len(x)
	lo, hi := make([]float64, d), make([]float64, d)
	for j := range hi {
		hi[j] = 1
	}
	ps, _ := o.Query(context.Background(), [][]float64{x})
	return &Problem{X: x, Answer: ps[0], Lo: lo, Hi: hi, Budget: budget, Seed: seed}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// TestHopSkipJumpNearExactOptimum is the quality bar in process: on a
// linear model the median of found/exact L2 distances is within 10 % at
// 5,000 queries per point, and no adversarial input is closer than the
// exact optimum (which would mean we counted a non-adversarial one).
func TestHopSkipJumpNearExactOptimum(t *testing.T) {
	t.Parallel()
	for _, d := range []int{4, 30} {
		m, xs := linearProblem(d, 25, uint64(d))
		o := &linearOracle{m: m}
		var ratios []float64
		for i, x := range xs {
			p := problem(o, x, 5000, uint64(i))
			res, err := HopSkipJump{}.Run(context.Background(), o, p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Adv == nil {
				t.Fatalf("d=%d point %d: no adversarial input found", d, i)
			}
			if res.Queries > 5000 {
				t.Fatalf("spent %d queries, budget 5000", res.Queries)
			}
			exact := m.Distance(x)
			found := Dist(L2, x, res.Adv)
			if found < exact*(1-1e-9) {
				t.Fatalf("d=%d point %d: found %.6g below the exact optimum %.6g", d, i, found, exact)
			}
			ratios = append(ratios, found/exact)
		}
		med := median(ratios)
		t.Logf("d=%d: median found/exact %.4f (max %.4f)", d, med, slices.Max(ratios))
		if med > 1.10 {
			t.Errorf("d=%d: median found/exact = %.4f, want ≤ 1.10", d, med)
		}
	}
}

// TestEveryAttackFindsOnlyRealAdversarials runs each attack on a linear
// model: each finds adversarial inputs for most points, every one of them
// really changes the answer, stays in the box and leaves fixed features
// alone, the budget holds, and a seed gives the same result twice.
func TestEveryAttackFindsOnlyRealAdversarials(t *testing.T) {
	t.Parallel()
	m, xs := linearProblem(6, 12, 3)
	for _, a := range []Attack{
		HopSkipJump{}, HopSkipJump{Distance: LInf}, Boundary{}, SimBA{},
		Noise{Epsilons: []float64{0.05, 0.1, 0.2, 0.4}}, Noise{Distance: LInf, Epsilons: []float64{0.05, 0.1, 0.2, 0.4}}, Featurewise{},
	} {
		found := 0
		for i, x := range xs {
			o := &linearOracle{m: m}
			p := problem(o, x, 2000, uint64(i))
			p.Free = []bool{true, true, true, true, true, false}
			o.rows = 0
			res, err := a.Run(context.Background(), o, p)
			if err != nil {
				t.Fatalf("%s: %v", a.Name(), err)
			}
			if res.Queries > 2000 || res.Queries != o.rows {
				t.Fatalf("%s: Queries %d, oracle saw %d, budget 2000", a.Name(), res.Queries, o.rows)
			}
			if res.Adv == nil {
				continue
			}
			found++
			if res.Adv[5] != x[5] {
				t.Errorf("%s: changed a fixed feature", a.Name())
			}
			for _, v := range res.Adv {
				if v < 0 || v > 1 {
					t.Errorf("%s: left the box: %v", a.Name(), res.Adv)
				}
			}
			ps, _ := o.Query(context.Background(), [][]float64{res.Adv})
			if modelclient.SameAnswer(ps[0], p.Answer) {
				t.Errorf("%s: point %d: the adversarial input does not change the answer", a.Name(), i)
			}
			again, _ := a.Run(context.Background(), &linearOracle{m: m}, p)
			if !slices.Equal(again.Adv, res.Adv) {
				t.Errorf("%s: the same seed gave a different result", a.Name())
			}
		}
		t.Logf("%s: %d/%d", a.Name(), found, len(xs))
		if found < len(xs)/2 {
			t.Errorf("%s found adversarial inputs for %d of %d points", a.Name(), found, len(xs))
		}
	}
}

func TestBudgetExhaustedKeepsBest(t *testing.T) {
	t.Parallel()
	m, xs := linearProblem(10, 1, 5)
	o := &linearOracle{m: m}
	p := problem(o, xs[0], 300, 1)
	res, err := HopSkipJump{}.Run(context.Background(), o, p)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Exhausted || res.Queries > 300 || res.Adv == nil {
		t.Fatalf("result %+v: want the budget exhausted with a best-so-far input", res)
	}
}

func TestSimBANeedsScores(t *testing.T) {
	t.Parallel()
	m, xs := linearProblem(3, 1, 5)
	m.NoScores = true
	o := &linearOracle{m: m}
	_, err := SimBA{}.Run(context.Background(), o, problem(o, xs[0], 100, 1))
	if err != ErrNoScores {
		t.Fatalf("err = %v, want ErrNoScores", err)
	}
}

func TestFeaturewiseUsesValidValues(t *testing.T) {
	t.Parallel()
	// P(1) rises with x0; x1 only takes the values 0, 0.5 and 1.
	m := modeltest.Linear{W: []float64{0.1, 4}, B: -1}
	o := &linearOracle{m: m}
	p := problem(o, []float64{0.5, 0}, 100, 1)
	p.Values = [][]float64{nil, {0, 0.5, 1}}
	res, err := Featurewise{}.Run(context.Background(), o, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Adv == nil || res.Adv[0] != 0.5 || res.Adv[1] != 0.5 {
		t.Fatalf("Adv = %v, want x1 moved to the valid value 0.5 and x0 unchanged", res.Adv)
	}
}

func TestBoundaryApproachesOptimum(t *testing.T) {
	t.Parallel()
	m, xs := linearProblem(10, 10, 11)
	var ratios []float64
	for i, x := range xs {
		o := &linearOracle{m: m}
		res, err := Boundary{}.Run(context.Background(), o, problem(o, x, 5000, uint64(i)))
		if err != nil || res.Adv == nil {
			t.Fatalf("point %d: %v %v", i, res, err)
		}
		ratios = append(ratios, Dist(L2, x, res.Adv)/m.Distance(x))
	}
	med := median(ratios)
	t.Logf("boundary d=10 median found/exact %.3f", med)
	if med > 1.5 || slices.Min(ratios) < 1-1e-9 {
		t.Errorf("median found/exact %.3f (min %.3f), want in [1, 1.5]", med, slices.Min(ratios))
	}
}
