package attack

import (
	"context"
	"errors"

	"github.com/mlsec/mlsec/modelclient"
)

// ErrNoScores is returned by score-based attacks when the model's answers
// carry no scores.
var ErrNoScores = errors.New("the model returns no scores; score-based attacks need them")

// ScoreBased is implemented by attacks that need per-class scores.
type ScoreBased interface{ NeedsScores() bool }

// SimBA is the score-based Simple Black-box Attack of Guo et al. (2019)
// in the pixel (here: feature) basis, untargeted, as ART 1.20's SimBA with
// attack="px" and order="random": features in a random order, each moved
// by −Epsilon then +Epsilon, a move kept when it lowers the score of the
// input's class, until the answer changes or MaxIter steps. Once the
// answer changes we add an L2 binary search on the segment back to the
// input (not in ART), so the perturbation reported is the smallest on
// that line.
type SimBA struct {
	// Epsilon is the step in attack-space units (default 0.1, ART's).
	Epsilon float64
	// MaxIter is the most feature steps (default 3000, ART's).
	MaxIter int
}

var (
	_ Attack     = SimBA{}
	_ ScoreBased = SimBA{}
)

// Name implements Attack.
func (SimBA) Name() string { return "simba" }

// Norm implements Attack.
func (SimBA) Norm() Norm { return L2 }

// NeedsScores implements ScoreBased.
func (SimBA) NeedsScores() bool { return true }

// Run implements Attack.
func (a SimBA) Run(ctx context.Context, o Oracle, p *Problem) (Result, error) {
	if a.Epsilon <= 0 {
		a.Epsilon = 0.1
	}
	if a.MaxIter <= 0 {
		a.MaxIter = 3000
	}
	if p.Answer.Scores == nil {
		return Result{}, ErrNoScores
	}
	s := newSession(o, p, L2, 3)
	return s.finish(a.run(ctx, s))
}

func (a SimBA) run(ctx context.Context, s *session) error {
	c := s.p.Answer.Top()
	var order []int
	for j := range s.p.X {
		if s.free(j) && s.p.Hi[j] > s.p.Lo[j] {
			order = append(order, j)
		}
	}
	if len(order) == 0 {
		return nil
	}
	s.rng.Shuffle(len(order), func(i, k int) { order[i], order[k] = order[k], order[i] })
	x := append([]float64(nil), s.p.X...)
	last := s.p.Answer.Scores[c]
	for i := range a.MaxIter {
		j := order[i%len(order)]
		for _, step := range []float64{-a.Epsilon, a.Epsilon} {
			cand := append([]float64(nil), x...)
			cand[j] += step
			s.project(cand)
			if cand[j] == x[j] {
				continue
			}
			ps, err := s.query(ctx, [][]float64{cand})
			if err != nil {
				return err
			}
			if !modelclient.SameAnswer(ps[0], s.p.Answer) {
				s.consider(cand)
				_, err := s.lineSearch(ctx, cand, 0.001)
				return err
			}
			if len(ps[0].Scores) > c && ps[0].Scores[c] < last {
				x, last = cand, ps[0].Scores[c]
				break
			}
		}
	}
	return nil
}
