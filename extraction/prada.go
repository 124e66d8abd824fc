package extraction

import (
	"fmt"
	"math"
)

// PRADA defaults (Juuti, Szyller, Marchal, Asokan: "PRADA: Protecting
// Against DNN Model Stealing Attacks", EuroS&P 2019).
const (
	// DefaultDelta is the Shapiro-Wilk W below which a client's distance
	// distribution is not normal enough to be benign. The paper tunes δ per
	// model on benign traffic so benign clients are never flagged (its
	// values: 0.87 to 0.96 on image models). On the tabular workload of the
	// tests (real rows of the breast-cancer set against HopSkipJump) benign
	// clients stay at W >= 0.774 and the attack at W <= 0.70 after 200
	// queries, so the default is 0.73; calibrate it per model
	// (docs/extraction.md).
	DefaultDelta = 0.73
	// DefaultMinDistances is the fewest distances tested (the paper
	// starts at 100 queries).
	DefaultMinDistances = 100
	// DefaultMaxGrowing caps the stored queries per client and class;
	// the oldest is evicted first.
	DefaultMaxGrowing = 2000
	// DefaultMaxDistances caps the distances kept per client (the newest
	// are tested).
	DefaultMaxDistances = 1000
)

// PRADAConfig configures the PRADA detector.
type PRADAConfig struct {
	Delta        float64 `json:"delta,omitempty" yaml:"delta,omitempty"`
	MinDistances int     `json:"min_distances,omitempty" yaml:"min_distances,omitempty"`
	MaxGrowing   int     `json:"max_growing,omitempty" yaml:"max_growing,omitempty"`
	MaxDistances int     `json:"max_distances,omitempty" yaml:"max_distances,omitempty"`
}

func (c *PRADAConfig) defaults() error {
	if c.Delta == 0 {
		c.Delta = DefaultDelta
	}
	if c.MinDistances == 0 {
		c.MinDistances = DefaultMinDistances
	}
	if c.MaxGrowing == 0 {
		c.MaxGrowing = DefaultMaxGrowing
	}
	if c.MaxDistances == 0 {
		c.MaxDistances = DefaultMaxDistances
	}
	if !(c.Delta > 0 && c.Delta < 1) || c.MinDistances < 3 || c.MaxDistances < c.MinDistances || c.MaxDistances > 5000 || c.MaxGrowing < 1 {
		return fmt.Errorf("%w: prada: delta in (0, 1), 3 <= min_distances <= max_distances <= 5000, max_growing >= 1", ErrConfig)
	}
	return nil
}

// prada is one client's PRADA state: per predicted class, the growing set
// G_c of queries and its threshold T_c; and the minimum distances D of every
// query to the growing set of its class.
type prada struct {
	growing map[int]*growSet
	dists   ring
}

type growSet struct {
	rows      [][]float64
	next      int // eviction position once full
	sum, sum2 float64
	n         int
	threshold float64
}

func newPRADA(c *PRADAConfig) *prada {
	return &prada{growing: map[int]*growSet{}, dists: newRing(c.MaxDistances)}
}

// observe adds one query with its predicted class, as the paper's
// algorithm 1: d_min is the smallest L2 distance to the class's growing
// set; the query joins the set when d_min exceeds T_c, and T_c becomes
// max(T_c, mean(D_c) - std(D_c)).
func (p *prada) observe(c *PRADAConfig, x []float64, class int) {
	g := p.growing[class]
	if g == nil {
		g = &growSet{}
		p.growing[class] = g
	}
	if len(g.rows) == 0 {
		g.rows = append(g.rows, clone(x))
		return
	}
	dmin := math.Inf(1)
	for _, y := range g.rows {
		dmin = min(dmin, l2(x, y))
	}
	p.dists.push(dmin)
	g.n++
	g.sum += dmin
	g.sum2 += dmin * dmin
	mean := g.sum / float64(g.n)
	std := math.Sqrt(max(0, g.sum2/float64(g.n)-mean*mean))
	if dmin > g.threshold {
		if len(g.rows) < c.MaxGrowing {
			g.rows = append(g.rows, clone(x))
		} else {
			g.rows[g.next] = clone(x)
			g.next = (g.next + 1) % len(g.rows)
		}
		g.threshold = max(g.threshold, mean-std)
	}
}

// check tests the distances; ok is false while too few are known.
func (p *prada) check(c *PRADAConfig) (w float64, ok bool) {
	d := p.dists.values()
	if len(d) < c.MinDistances {
		return 0, false
	}
	w, _, err := ShapiroWilk(d)
	if err != nil {
		// All distances equal (a client repeating one query): as far from
		// a natural distribution as it gets.
		return 0, true
	}
	return w, true
}

func l2(x, y []float64) float64 {
	s := 0.0
	for i := range min(len(x), len(y)) {
		d := x[i] - y[i]
		s += d * d
	}
	return math.Sqrt(s)
}

func clone(x []float64) []float64 { return append([]float64(nil), x...) }

// ring keeps the newest n values.
type ring struct {
	buf  []float64
	next int
}

func newRing(n int) ring { return ring{buf: make([]float64, 0, n)} }

func (r *ring) push(v float64) {
	if len(r.buf) < cap(r.buf) {
		r.buf = append(r.buf, v)
		return
	}
	r.buf[r.next] = v
	r.next = (r.next + 1) % len(r.buf)
}

func (r *ring) values() []float64 { return r.buf }
