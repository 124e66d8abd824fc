package attack

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlsec/mlsec/modelclient"
)

// Oracle asks the served model about rows of the attack space. The probe
// implements it over a modelclient.Client (mapping rows back to input
// units); tests and benchmarks implement it in process.
type Oracle interface {
	Query(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error)
}

// OracleFunc adapts a function to Oracle.
type OracleFunc func(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error)

// Query calls f.
func (f OracleFunc) Query(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
	return f(ctx, rows)
}

// Norm is the distance an attack minimises.
type Norm string

// Norms.
const (
	L2   Norm = "l2"
	LInf Norm = "linf"
)

// ParseNorm reads "l2" or "linf" ("inf" too).
func ParseNorm(s string) (Norm, error) {
	switch s {
	case "l2", "L2", "2":
		return L2, nil
	case "linf", "Linf", "LInf", "inf":
		return LInf, nil
	}
	return "", fmt.Errorf("norm %q: want l2 or linf", s)
}

// Problem is one input to attack.
type Problem struct {
	// X is the input, in the attack space (the probe scales each feature
	// to its range, so the box is usually [0, 1] per feature).
	X []float64
	// Answer is the served model's answer at X; an input is adversarial
	// when the model's answer differs from it (modelclient.SameAnswer).
	Answer modelclient.Prediction
	// Lo and Hi bound every feature (inclusive).
	Lo, Hi []float64
	// Free marks the features the search attacks may change (nil: all).
	Free []bool
	// Values lists, per feature, the valid values Featurewise tries
	// (attack space), for integer and categorical features; nil (or a nil
	// entry) means evenly spaced values across the range of a free feature.
	Values [][]float64
	// Starts are candidate adversarial inputs to start from, nearest
	// first (ART's x_adv_init; package probe passes the sample rows the
	// model answers differently). The search attacks try them, one query
	// each, before drawing random inputs.
	Starts [][]float64
	// Budget is the most queries this attack may spend on X.
	Budget int
	// Seed makes the attack's random choices reproducible.
	Seed uint64
}

// Result is what an attack found.
type Result struct {
	// Adv is the closest adversarial input found (attack space), or nil.
	Adv []float64
	// Queries is how many rows the attack sent.
	Queries int
	// Exhausted says the attack stopped because its budget ran out.
	Exhausted bool
}

// Attack searches for an adversarial input near Problem.X.
type Attack interface {
	// Name is the attack's short name (hsj, boundary, simba, noise,
	// featurewise).
	Name() string
	// Norm is the distance the attack minimises.
	Norm() Norm
	// Run attacks one input. It returns the best adversarial input found
	// within the budget; an error only when the model could not be
	// queried (then Result still says what was spent).
	Run(ctx context.Context, o Oracle, p *Problem) (Result, error)
}

// errBudget ends an attack when its budget is spent; Run turns it into
// Result.Exhausted.
var errBudget = errors.New("attack budget spent")

// session counts an attack's queries, enforces its budget, and keeps the
// closest adversarial input seen.
type session struct {
	o       Oracle
	p       *Problem
	norm    Norm
	rng     *rand.Rand
	queries int
	best    []float64
	bestD   float64
}

func newSession(o Oracle, p *Problem, norm Norm, stream uint64) *session {
	return &session{o: o, p: p, norm: norm, rng: rand.New(rand.NewPCG(p.Seed, stream)), bestD: math.Inf(1)}
}

func (s *session) left() int { return s.p.Budget - s.queries }

// query asks for rows, or fails with errBudget without asking when the
// budget cannot pay for all of them.
func (s *session) query(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
	if len(rows) > s.left() {
		return nil, errBudget
	}
	s.queries += len(rows)
	ps, err := s.o.Query(ctx, rows)
	if err != nil {
		return nil, err
	}
	if len(ps) != len(rows) {
		return nil, fmt.Errorf("the oracle answered %d rows for %d", len(ps), len(rows))
	}
	return ps, nil
}

// adversarial reports which rows change the model's answer, remembering
// the closest one.
func (s *session) adversarial(ctx context.Context, rows [][]float64) ([]bool, error) {
	ps, err := s.query(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(rows))
	for i, p := range ps {
		out[i] = !modelclient.SameAnswer(p, s.p.Answer)
		if out[i] {
			s.consider(rows[i])
		}
	}
	return out, nil
}

func (s *session) isAdv(ctx context.Context, x []float64) (bool, error) {
	a, err := s.adversarial(ctx, [][]float64{x})
	if err != nil {
		return false, err
	}
	return a[0], nil
}

// consider keeps x if it is the closest adversarial input so far.
func (s *session) consider(x []float64) {
	if d := dist(s.norm, x, s.p.X); d < s.bestD {
		s.bestD = d
		s.best = append(s.best[:0:0], x...)
	}
}

// finish turns the search's end into a Result.
func (s *session) finish(err error) (Result, error) {
	r := Result{Adv: s.best, Queries: s.queries}
	if errors.Is(err, errBudget) {
		r.Exhausted = true
		err = nil
	}
	return r, err
}

// free reports whether feature j may change.
func (s *session) free(j int) bool { return s.p.Free == nil || s.p.Free[j] }

// project clips x to the box and resets the fixed features, in place.
func (s *session) project(x []float64) []float64 {
	for j := range x {
		if !s.free(j) {
			x[j] = s.p.X[j]
			continue
		}
		x[j] = min(max(x[j], s.p.Lo[j]), s.p.Hi[j])
	}
	return x
}

// uniform draws a point uniformly in the box (fixed features kept).
func (s *session) uniform() []float64 {
	x := make([]float64, len(s.p.X))
	for j := range x {
		x[j] = s.p.Lo[j] + s.rng.Float64()*(s.p.Hi[j]-s.p.Lo[j])
	}
	return s.project(x)
}

// start returns a first adversarial input: the first of Problem.Starts
// (at most tries of them) the model confirms, else the first of up to
// tries uniform random points, or nil.
func (s *session) start(ctx context.Context, tries int) ([]float64, error) {
	for _, st := range s.p.Starts[:min(len(s.p.Starts), tries)] {
		x := s.project(append([]float64(nil), st...))
		ok, err := s.isAdv(ctx, x)
		if err != nil || ok {
			return x, err
		}
	}
	for range tries {
		x := s.uniform()
		ok, err := s.isAdv(ctx, x)
		if err != nil {
			return nil, err
		}
		if ok {
			return x, nil
		}
	}
	return nil, nil
}

// lineSearch returns the point on the segment from X to adv (adversarial)
// closest to X that is still adversarial, to within tol of the segment's
// length (the L2 binary search of HopSkipJump's initialisation).
func (s *session) lineSearch(ctx context.Context, adv []float64, tol float64) ([]float64, error) {
	lo, hi := 0.0, 1.0
	for hi-lo > tol {
		mid := (lo + hi) / 2
		ok, err := s.isAdv(ctx, blend(s.p.X, adv, mid))
		if err != nil {
			return blend(s.p.X, adv, hi), err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return blend(s.p.X, adv, hi), nil
}

// blend returns (1-a)·x + a·y.
func blend(x, y []float64, a float64) []float64 {
	out := make([]float64, len(x))
	for j := range x {
		out[j] = (1-a)*x[j] + a*y[j]
	}
	return out
}

// dist is the distance between x and y in norm.
func dist(n Norm, x, y []float64) float64 {
	var d float64
	for j := range x {
		v := math.Abs(x[j] - y[j])
		if n == LInf {
			d = max(d, v)
		} else {
			d += v * v
		}
	}
	if n == LInf {
		return d
	}
	return math.Sqrt(d)
}

func l2norm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

// Dist is the distance between x and y in norm n.
func Dist(n Norm, x, y []float64) float64 { return dist(n, x, y) }
