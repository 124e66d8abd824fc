package attack

import (
	"context"
	"math"
)

// Boundary is the decision-based Boundary attack of Brendel, Rauber and
// Bethge (2018), untargeted, as ART 1.20's BoundaryAttack implements it:
// per iteration, SampleSize candidates on a sphere around the current
// adversarial input (an orthogonal step of relative size Delta), then a
// step of relative size Epsilon towards the input from those that stayed
// adversarial, each step size adapted by StepAdapt when fewer than 20 % or
// more than 50 % of the tries stay adversarial, for up to NumTrial tries.
//
// The start is the first of Problem.Starts the model confirms (ART's
// x_adv_init), else a uniform random adversarial input. Unlike ART, which
// starts from that input itself, we start from the boundary point on the
// segment to it (an L2 binary search, as foolbox does): ART's start wastes most of a small budget walking in
// from the far corner of the box. The attack stops when its budget is
// spent and returns the closest adversarial input seen.
type Boundary struct {
	// Delta, Epsilon, StepAdapt and MinEpsilon are ART's parameters
	// (defaults 0.01, 0.01, 0.667, 0).
	Delta, Epsilon, StepAdapt, MinEpsilon float64
	// MaxIter, NumTrial, SampleSize and InitSize are ART's (defaults
	// 5000, 25, 20, 100).
	MaxIter, NumTrial, SampleSize, InitSize int
}

var _ Attack = Boundary{}

// Name implements Attack.
func (Boundary) Name() string { return "boundary" }

// Norm implements Attack.
func (Boundary) Norm() Norm { return L2 }

func (b Boundary) withDefaults() Boundary {
	def := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&b.Delta, 0.01)
	def(&b.Epsilon, 0.01)
	def(&b.StepAdapt, 0.667)
	defi := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defi(&b.MaxIter, 5000)
	defi(&b.NumTrial, 25)
	defi(&b.SampleSize, 20)
	defi(&b.InitSize, 100)
	return b
}

// Run implements Attack.
func (b Boundary) Run(ctx context.Context, o Oracle, p *Problem) (Result, error) {
	b = b.withDefaults()
	s := newSession(o, p, L2, 2)
	return s.finish(b.run(ctx, s))
}

func (b Boundary) run(ctx context.Context, s *session) error {
	start, err := s.start(ctx, b.InitSize)
	if err != nil || start == nil {
		return err
	}
	cur, err := s.lineSearch(ctx, start, 0.001)
	if err != nil {
		return err
	}
	delta, eps := b.Delta, b.Epsilon
	for range b.MaxIter {
		var advs [][]float64
		for range b.NumTrial {
			cands := make([][]float64, b.SampleSize)
			for i := range cands {
				cands[i] = s.project(b.orthogonal(s, cur, delta))
			}
			ok, err := s.adversarial(ctx, cands)
			if err != nil {
				return err
			}
			ratio := share(ok)
			delta = adapt(delta, ratio, b.StepAdapt)
			if ratio > 0 {
				for i, a := range ok {
					if a {
						advs = append(advs, cands[i])
					}
				}
				break
			}
		}
		if advs == nil {
			return nil
		}
		moved := false
		for range b.NumTrial {
			pots := make([][]float64, len(advs))
			for i, a := range advs {
				p := make([]float64, len(a))
				for j := range a {
					p[j] = a[j] + eps*(s.p.X[j]-a[j])
				}
				pots[i] = s.project(p)
			}
			ok, err := s.adversarial(ctx, pots)
			if err != nil {
				return err
			}
			ratio := share(ok)
			eps = adapt(eps, ratio, b.StepAdapt)
			if ratio > 0 {
				cur = closest(s, pots, ok)
				moved = true
				break
			}
		}
		if !moved || eps < b.MinEpsilon {
			return nil
		}
	}
	return nil
}

// orthogonal is ART's _orthogonal_perturb: a random step of length
// delta·‖X−cur‖ orthogonal to X−cur, projected back on the sphere around
// X through cur.
func (b Boundary) orthogonal(s *session, cur []float64, delta float64) []float64 {
	n := len(cur)
	pert := make([]float64, n)
	for j := range pert {
		if s.free(j) {
			pert[j] = s.rng.NormFloat64()
		}
	}
	dir := make([]float64, n)
	for j := range dir {
		dir[j] = s.p.X[j] - cur[j]
	}
	dn := l2norm(dir)
	pn := l2norm(pert)
	if dn == 0 || pn == 0 {
		return append([]float64(nil), cur...)
	}
	var dot float64
	for j := range pert {
		pert[j] *= delta * dn / pn
		dir[j] /= dn
		dot += pert[j] * dir[j]
	}
	hyp := math.Sqrt(1 + delta*delta)
	out := make([]float64, n)
	for j := range pert {
		pert[j] -= dot * dir[j]
		out[j] = cur[j] + ((1-hyp)*(cur[j]-s.p.X[j])+pert[j])/hyp
	}
	return out
}

func share(ok []bool) float64 {
	n := 0
	for _, a := range ok {
		if a {
			n++
		}
	}
	return float64(n) / float64(len(ok))
}

func adapt(v, ratio, step float64) float64 {
	switch {
	case ratio < 0.2:
		return v * step
	case ratio > 0.5:
		return v / step
	}
	return v
}

// closest returns the adversarial row nearest X (L2).
func closest(s *session, rows [][]float64, ok []bool) []float64 {
	var best []float64
	bd := math.Inf(1)
	for i, r := range rows {
		if ok[i] {
			if d := dist(L2, r, s.p.X); d < bd {
				best, bd = r, d
			}
		}
	}
	return best
}
