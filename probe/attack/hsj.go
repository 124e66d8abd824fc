package attack

import (
	"context"
	"math"
)

// HopSkipJump is the decision-based attack of Chen, Jordan and Wainwright
// (2020), untargeted, as ART 1.20's HopSkipJump implements it: an
// adversarial start (Problem.Starts, as ART's x_adv_init, else uniform
// random inputs, InitSize tries) brought to the boundary by an L2 binary
// search (threshold 0.001); then per iteration t: δ (0.1 of the box width at t = 0,
// else √d·θ·dist for L2 and d·θ·dist for L∞), a binary search to the
// boundary (threshold θ = 0.01/√d for L2, min(θ·dist, θ) with θ = 0.01/d
// for L∞, interpolating on the segment for L2 and by clipping to the L∞
// ball for L∞), a gradient-direction estimate from min(InitEval·√(t+1),
// MaxEval) boundary probes of size δ (Gaussian directions for L2, uniform
// for L∞, each scaled to unit length, baseline-corrected), and a
// geometric step search from 2·dist/√(t+1), halving until the step stays
// adversarial.
//
// Two differences from ART, both so that a query budget is honoured: the
// gradient probes are cut to what the budget leaves after a reserve for
// the next binary search and step, and the result is the closest
// adversarial input seen (ART returns the last step's point, which is
// never closer than the binary search before it); when the budget allows,
// a last binary search brings that point to the boundary.
type HopSkipJump struct {
	// Distance is L2 (default) or LInf.
	Distance Norm
	// MaxIter, MaxEval, InitEval and InitSize are ART's parameters
	// (defaults 50, 10000, 100, 100).
	MaxIter, MaxEval, InitEval, InitSize int
}

var _ Attack = HopSkipJump{}

// Name implements Attack.
func (h HopSkipJump) Name() string { return "hsj" }

// Norm implements Attack.
func (h HopSkipJump) Norm() Norm {
	if h.Distance == LInf {
		return LInf
	}
	return L2
}

func (h HopSkipJump) withDefaults() HopSkipJump {
	h.Distance = h.Norm()
	if h.MaxIter <= 0 {
		h.MaxIter = 50
	}
	if h.MaxEval <= 0 {
		h.MaxEval = 10000
	}
	if h.InitEval <= 0 {
		h.InitEval = 100
	}
	if h.InitSize <= 0 {
		h.InitSize = 100
	}
	return h
}

// Run implements Attack.
func (h HopSkipJump) Run(ctx context.Context, o Oracle, p *Problem) (Result, error) {
	h = h.withDefaults()
	s := newSession(o, p, h.Distance, 1)
	return s.finish(h.run(ctx, s))
}

func (h HopSkipJump) run(ctx context.Context, s *session) error {
	d := float64(len(s.p.X))
	theta := 0.01 / math.Sqrt(d)
	if h.Distance == LInf {
		theta = 0.01 / d
	}
	start, err := s.start(ctx, h.InitSize)
	if err != nil || start == nil {
		return err
	}
	cur, err := s.lineSearch(ctx, start, 0.001)
	if err != nil {
		return err
	}
	// reserve is what one binary search and a short step search cost.
	reserve := int(math.Ceil(math.Log2(1/theta))) + 8
	width := 0.0
	for j := range s.p.X {
		if s.free(j) {
			width = max(width, s.p.Hi[j]-s.p.Lo[j])
		}
	}
	for t := 0; t < h.MaxIter; t++ {
		var delta float64
		if t == 0 {
			delta = 0.1 * width
		} else if h.Distance == L2 {
			delta = math.Sqrt(d) * theta * dist(L2, s.p.X, cur)
		} else {
			delta = d * theta * dist(LInf, s.p.X, cur)
		}
		if cur, err = h.binarySearch(ctx, s, cur, theta); err != nil {
			return err
		}
		numEval := min(int(float64(h.InitEval)*math.Sqrt(float64(t+1))), h.MaxEval)
		numEval = min(numEval, s.left()-reserve)
		if numEval < 2 {
			// cur is on the boundary already; the budget ends the search.
			return errBudget
		}
		update, err := h.gradient(ctx, s, cur, numEval, delta)
		if err != nil {
			return err
		}
		if update == nil {
			return nil
		}
		eps := 2 * dist(h.Distance, s.p.X, cur) / math.Sqrt(float64(t+1))
		for {
			eps /= 2
			if eps < 1e-12 {
				// No step stays adversarial: the estimate is useless here.
				return nil
			}
			cand := make([]float64, len(cur))
			for j := range cur {
				cand[j] = cur[j] + eps*update[j]
			}
			s.project(cand)
			ok, err := s.isAdv(ctx, cand)
			if err != nil {
				return err
			}
			if ok {
				cur = cand
				break
			}
		}
	}
	if s.left() >= reserve {
		_, err = h.binarySearch(ctx, s, cur, theta)
	}
	return err
}

// binarySearch moves cur (adversarial) towards X to the boundary.
func (h HopSkipJump) binarySearch(ctx context.Context, s *session, cur []float64, theta float64) ([]float64, error) {
	if h.Distance == L2 {
		return s.lineSearch(ctx, cur, theta)
	}
	hi := dist(LInf, s.p.X, cur)
	lo := 0.0
	threshold := min(hi*theta, theta)
	for hi-lo > threshold {
		mid := (lo + hi) / 2
		ok, err := s.isAdv(ctx, clipBall(cur, s.p.X, mid))
		if err != nil {
			return clipBall(cur, s.p.X, hi), err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return clipBall(cur, s.p.X, hi), nil
}

// clipBall clips cur to the L∞ ball of radius r around x.
func clipBall(cur, x []float64, r float64) []float64 {
	out := make([]float64, len(cur))
	for j := range cur {
		out[j] = min(max(cur[j], x[j]-r), x[j]+r)
	}
	return out
}

// gradient estimates the direction that leaves the model's answer at X
// (Eq. 14 of the paper with ART's baseline correction), or nil when it
// cannot (all probes zero).
func (h HopSkipJump) gradient(ctx context.Context, s *session, cur []float64, n int, delta float64) ([]float64, error) {
	dim := len(cur)
	noise := make([][]float64, n)
	rows := make([][]float64, n)
	for i := range noise {
		u := make([]float64, dim)
		for j := range u {
			if !s.free(j) {
				continue
			}
			if h.Distance == L2 {
				u[j] = s.rng.NormFloat64()
			} else {
				u[j] = 2*s.rng.Float64() - 1
			}
		}
		nrm := l2norm(u)
		if nrm == 0 {
			nrm = 1
		}
		row := make([]float64, dim)
		for j := range u {
			row[j] = cur[j] + delta*u[j]/nrm
		}
		s.project(row)
		for j := range u {
			u[j] = (row[j] - cur[j]) / delta
		}
		noise[i], rows[i] = u, row
	}
	adv, err := s.adversarial(ctx, rows)
	if err != nil {
		return nil, err
	}
	mean := 0.0
	for _, a := range adv {
		if a {
			mean++
		} else {
			mean--
		}
	}
	mean /= float64(n)
	grad := make([]float64, dim)
	for i, u := range noise {
		f := -1.0
		if adv[i] {
			f = 1
		}
		switch mean {
		case 1, -1:
			f = mean
		default:
			f -= mean
		}
		for j := range grad {
			grad[j] += f * u[j] / float64(n)
		}
	}
	if h.Distance == LInf {
		for j, g := range grad {
			grad[j] = sign(g)
		}
		return grad, nil
	}
	nrm := l2norm(grad)
	if nrm == 0 {
		return nil, nil
	}
	for j := range grad {
		grad[j] /= nrm
	}
	return grad, nil
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
