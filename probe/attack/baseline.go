package attack

import (
	"cmp"
	"context"
	"math"
	"slices"
)

// Noise is the cheapest baseline: random perturbations of growing size.
// For each ε in Epsilons (ascending), Samples random inputs at distance ε
// (L∞: uniform in the ε-cube; L2: a uniform direction scaled to ε), kept
// in the box, are tried; it stops at the first ε where one changes the
// answer. A model that random noise fools is not robust at all; one it
// does not fool may still be (the search attacks find out).
type Noise struct {
	Distance Norm
	// Epsilons are the sizes tried (attack-space units); default 0.01,
	// 0.02, 0.05, 0.1, 0.2.
	Epsilons []float64
	// Samples per ε (default 100).
	Samples int
}

var _ Attack = Noise{}

// Name implements Attack.
func (Noise) Name() string { return "noise" }

// Norm implements Attack.
func (n Noise) Norm() Norm {
	if n.Distance == LInf {
		return LInf
	}
	return L2
}

// Run implements Attack.
func (n Noise) Run(ctx context.Context, o Oracle, p *Problem) (Result, error) {
	if len(n.Epsilons) == 0 {
		n.Epsilons = []float64{0.01, 0.02, 0.05, 0.1, 0.2}
	}
	if n.Samples <= 0 {
		n.Samples = 100
	}
	eps := slices.Clone(n.Epsilons)
	slices.Sort(eps)
	s := newSession(o, p, n.Norm(), 4)
	return s.finish(n.run(ctx, s, eps))
}

func (n Noise) run(ctx context.Context, s *session, eps []float64) error {
	for _, e := range eps {
		rows := make([][]float64, n.Samples)
		for i := range rows {
			rows[i] = s.project(n.sample(s, e))
		}
		ok, err := s.adversarial(ctx, rows)
		if err != nil {
			return err
		}
		if slices.Contains(ok, true) {
			return nil
		}
	}
	return nil
}

func (n Noise) sample(s *session, e float64) []float64 {
	x := append([]float64(nil), s.p.X...)
	if n.Norm() == LInf {
		for j := range x {
			if s.free(j) {
				x[j] += e * (2*s.rng.Float64() - 1)
			}
		}
		return x
	}
	u := make([]float64, len(x))
	for j := range u {
		if s.free(j) {
			u[j] = s.rng.NormFloat64()
		}
	}
	if nrm := l2norm(u); nrm > 0 {
		for j := range x {
			x[j] += e * u[j] / nrm
		}
	}
	return x
}

// Featurewise changes one feature at a time: each changeable feature is
// set to each of its candidate values (Problem.Values: the valid integer
// or category values, else Steps values evenly spaced across its range),
// nearest to the input's value first. It finds the smallest single-feature
// change that flips the answer, and which feature that is. A feature that
// is not free and has no listed values is never changed. When the budget
// cannot pay for every candidate, each feature gets an equal share of its
// nearest ones.
type Featurewise struct {
	// Steps for continuous features (default 10).
	Steps int
}

var _ Attack = Featurewise{}

// Name implements Attack.
func (Featurewise) Name() string { return "featurewise" }

// Norm implements Attack.
func (Featurewise) Norm() Norm { return LInf }

// Run implements Attack.
func (f Featurewise) Run(ctx context.Context, o Oracle, p *Problem) (Result, error) {
	if f.Steps < 2 {
		f.Steps = 10
	}
	s := newSession(o, p, LInf, 5)
	per := make([][]float64, len(p.X))
	total := 0
	for j := range p.X {
		per[j] = f.candidates(s, j)
		total += len(per[j])
	}
	if total > s.left() {
		nonEmpty := 0
		for _, c := range per {
			if len(c) > 0 {
				nonEmpty++
			}
		}
		share := s.left() / max(nonEmpty, 1)
		for j := range per {
			per[j] = per[j][:min(len(per[j]), share)]
		}
	}
	var rows [][]float64
	for j, cands := range per {
		for _, v := range cands {
			x := append([]float64(nil), p.X...)
			x[j] = v
			rows = append(rows, x)
		}
	}
	if len(rows) == 0 {
		return s.finish(nil)
	}
	_, err := s.adversarial(ctx, rows)
	return s.finish(err)
}

// candidates lists feature j's values to try, nearest first.
func (f Featurewise) candidates(s *session, j int) []float64 {
	var vals []float64
	switch {
	case s.p.Values != nil && s.p.Values[j] != nil:
		vals = slices.Clone(s.p.Values[j])
	case s.free(j) && s.p.Hi[j] > s.p.Lo[j]:
		for k := range f.Steps {
			vals = append(vals, s.p.Lo[j]+(s.p.Hi[j]-s.p.Lo[j])*float64(k)/float64(f.Steps-1))
		}
	}
	x := s.p.X[j]
	vals = slices.DeleteFunc(vals, func(v float64) bool { return v == x })
	slices.SortStableFunc(vals, func(a, b float64) int { return cmp.Compare(math.Abs(a-x), math.Abs(b-x)) })
	return vals
}
