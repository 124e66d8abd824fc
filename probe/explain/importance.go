package explain

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mlsec/mlsec/modelclient"
)

// Model is what the explanations need of a served model.
type Model interface {
	Predict(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error)
}

var _ Model = (*modelclient.Client)(nil)

// Scoring is the score whose drop measures importance.
type Scoring string

// Scorings: scikit-learn's estimator.score for classifiers and
// regressors.
const (
	Accuracy Scoring = "accuracy"
	R2       Scoring = "r2"
)

// Options configure PermutationImportance.
type Options struct {
	// Repeats is scikit-learn's n_repeats (default 5).
	Repeats int
	// Seed seeds the permutations (our RNG, not numpy's: the same seed
	// gives the same permutations here, not the ones scikit-learn draws).
	Seed uint64
	// Scoring defaults to accuracy.
	Scoring Scoring
	// MaxSamples, when between 1 and the row count, permutes that many
	// rows drawn without replacement for each feature (scikit-learn's
	// max_samples as a count).
	MaxSamples int
	// Workers is how many features are scored at once (default 2; the
	// model client bounds the requests in flight).
	Workers int
	// Permutation, when set, gives the row order used for a feature's
	// repeat (a permutation of 0..rows-1) instead of drawing one, to
	// replay scikit-learn's exactly; it cannot be combined with
	// MaxSamples.
	Permutation func(feature, repeat int) []int
}

// Importance is permutation importance as scikit-learn's
// inspection.permutation_importance defines it.
type Importance struct {
	Scoring  string  `json:"scoring"`
	Baseline float64 `json:"baseline"`
	Repeats  int     `json:"repeats"`
	Seed     uint64  `json:"seed"`
	Rows     int     `json:"rows"`
	// Features are in input order; Rank orders them (1 = most
	// important).
	Features []FeatureImportance `json:"features"`
	Queries  int64               `json:"queries"`
}

// FeatureImportance is one feature's score drops: Values per repeat, their
// mean and standard deviation (ddof 0, as numpy's std).
type FeatureImportance struct {
	Name   string    `json:"name"`
	Mean   float64   `json:"mean"`
	Std    float64   `json:"std"`
	Rank   int       `json:"rank"`
	Values []float64 `json:"values"`
}

// PermutationImportance measures how much the model's score on (X, y)
// drops when one feature's column is shuffled, feature by feature,
// Repeats times each: importance = baseline score − permuted score.
//
// It follows scikit-learn 1.2 step for step, so that with the same
// permutations (Options.Permutation) and the same model answers the
// numbers are bit for bit scikit-learn's: every feature starts from the
// same seed; each repeat shuffles an index array in place and applies it
// to the already shuffled column (X[:, j] = X[idx, j]); scores and their
// mean and std are summed with numpy's pairwise summation. The cost is
// rows × (1 + features × Repeats) queries.
func PermutationImportance(ctx context.Context, m Model, names []string, X [][]float64, y []string, opt Options) (*Importance, error) {
	if opt.Repeats <= 0 {
		opt.Repeats = 5
	}
	if opt.Scoring == "" {
		opt.Scoring = Accuracy
	}
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	n := len(X)
	switch {
	case n == 0:
		return nil, fmt.Errorf("permutation importance needs rows")
	case len(y) != n:
		return nil, fmt.Errorf("%d labels for %d rows", len(y), n)
	case opt.Permutation != nil && opt.MaxSamples > 0:
		return nil, fmt.Errorf("replayed permutations cannot be combined with max samples")
	}
	for i, r := range X {
		if len(r) != len(names) {
			return nil, fmt.Errorf("row %d has %d values for %d features", i, len(r), len(names))
		}
	}
	score, err := scorer(opt.Scoring, y)
	if err != nil {
		return nil, err
	}
	cm := &modelclient.Counter{P: m}
	preds, err := cm.Predict(ctx, X)
	if err != nil {
		return nil, err
	}
	base := score(preds, nil)
	imp := &Importance{Scoring: string(opt.Scoring), Baseline: base, Repeats: opt.Repeats, Seed: opt.Seed, Rows: n,
		Features: make([]FeatureImportance, len(names))}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	jobs := make(chan int)
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				vals, err := permuted(ctx, cm, X, j, base, score, opt)
				mu.Lock()
				if err != nil && first == nil {
					first = err
					cancel()
				}
				imp.Features[j] = FeatureImportance{Name: names[j], Values: vals, Mean: npMean(vals), Std: npStd(vals)}
				mu.Unlock()
			}
		}()
	}
	for j := range names {
		if ctx.Err() != nil {
			break
		}
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	imp.Queries = cm.Queries()
	if first != nil {
		return nil, first
	}
	rank(imp.Features)
	return imp, nil
}

// permuted returns the score drops of feature j over the repeats.
func permuted(ctx context.Context, m Model, X [][]float64, j int, base float64, score func([]modelclient.Prediction, []int) float64, opt Options) ([]float64, error) {
	rng := rand.New(rand.NewPCG(opt.Seed, 0))
	rows := make([]int, len(X))
	for i := range rows {
		rows[i] = i
	}
	if opt.MaxSamples > 0 && opt.MaxSamples < len(X) {
		rows = rng.Perm(len(X))[:opt.MaxSamples]
	}
	Xp := make([][]float64, len(rows))
	for i, r := range rows {
		Xp[i] = slices.Clone(X[r])
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	col := make([]float64, len(rows))
	vals := make([]float64, opt.Repeats)
	for r := range opt.Repeats {
		if opt.Permutation != nil {
			idx = opt.Permutation(j, r)
			if len(idx) != len(rows) {
				return nil, fmt.Errorf("permutation %d of feature %d has %d rows, want %d", r, j, len(idx), len(rows))
			}
		} else {
			rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		}
		for i, k := range idx {
			col[i] = Xp[k][j]
		}
		for i := range Xp {
			Xp[i][j] = col[i]
		}
		preds, err := m.Predict(ctx, Xp)
		if err != nil {
			return nil, err
		}
		vals[r] = base - score(preds, rows)
	}
	return vals, nil
}

// scorer returns the score of predictions against y restricted to rows
// (nil: all rows, in order).
func scorer(s Scoring, y []string) (func([]modelclient.Prediction, []int) float64, error) {
	switch s {
	case Accuracy:
		truth := make([]modelclient.Prediction, len(y))
		for i, l := range y {
			truth[i] = modelclient.Prediction{Label: l, Value: parse(l)}
		}
		return func(p []modelclient.Prediction, rows []int) float64 {
			hit := 0
			for i := range p {
				if modelclient.SameAnswer(p[i], truth[at(rows, i)]) {
					hit++
				}
			}
			return float64(hit) / float64(len(p))
		}, nil
	case R2:
		t := make([]float64, len(y))
		for i, l := range y {
			t[i] = parse(l)
			if math.IsNaN(t[i]) {
				return nil, fmt.Errorf("r2 needs numeric labels; label %d is %q", i, l)
			}
		}
		return func(p []modelclient.Prediction, rows []int) float64 {
			yt, yp := make([]float64, len(p)), make([]float64, len(p))
			for i := range p {
				yt[i], yp[i] = t[at(rows, i)], p[i].Value
			}
			return r2(yt, yp)
		}, nil
	}
	return nil, fmt.Errorf("scoring %q: want accuracy or r2", s)
}

func at(rows []int, i int) int {
	if rows == nil {
		return i
	}
	return rows[i]
}

func parse(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// r2 is scikit-learn 1.2's r2_score for one output: 1 − SSres/SStot, 1
// when SSres is 0, 0 when only SStot is 0; sums are numpy's pairwise sums.
// A NaN prediction (a text answer) makes it NaN.
func r2(yt, yp []float64) float64 {
	sq := make([]float64, len(yt))
	for i := range yt {
		d := yt[i] - yp[i]
		sq[i] = d * d
	}
	num := pairwiseSum(sq)
	mean := pairwiseSum(yt) / float64(len(yt))
	for i := range yt {
		d := yt[i] - mean
		sq[i] = d * d
	}
	den := pairwiseSum(sq)
	switch {
	case num == 0:
		return 1
	case den == 0:
		return 0
	}
	return 1 - num/den
}

// pairwiseSum is numpy's pairwise summation of a contiguous float64
// array (numpy/core/src/umath/loops_utils.h.src): blocks of at most 128
// summed with eight accumulators, halves combined recursively.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		var res float64
		for _, v := range a {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for k := range r {
				r[k] += a[i+k]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}

// npMean and npStd are numpy's mean and std (ddof 0) of a 1-D array.
func npMean(v []float64) float64 { return pairwiseSum(v) / float64(len(v)) }

func npStd(v []float64) float64 {
	m := npMean(v)
	d := make([]float64, len(v))
	for i, x := range v {
		d[i] = (x - m) * (x - m)
	}
	return math.Sqrt(pairwiseSum(d) / float64(len(v)))
}

// rank numbers features by mean importance, highest first (ties keep
// input order).
func rank(fs []FeatureImportance) {
	order := make([]int, len(fs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return fs[order[a]].Mean > fs[order[b]].Mean })
	for r, i := range order {
		fs[i].Rank = r + 1
	}
}
