package drift

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// DefaultSketchK is the compactor capacity of numeric sketches. Its
// normalised rank error is about 1/(2k) per query (0.02 % for 2048), far
// below the KS tolerance of 0.01 the gateway needs; a column costs about
// k·log2(n/k) floats (≈ 200 KB at 10^7 rows).
const DefaultSketchK = 2048

// maxExactDistinct is how many distinct numbers a sketch counts exactly;
// with at most this many values the categorical tests and the choice of
// test stay exact.
const maxExactDistinct = 64

// pseudoSampleSize is the number of quantiles a sketch expands to for the
// tests (KS, Wasserstein, histograms): the discretisation error is at most
// 1/pseudoSampleSize of rank.
const pseudoSampleSize = 10000

// Quantiles is a mergeable quantile sketch in the style of KLL (Karnin,
// Lang, Liberty 2016) with equal-capacity compactors: level h holds items of
// weight 2^h; a full level is sorted, and every other item (random offset)
// moves up a level. It keeps exact moments, min, max and, while there are
// few, the exact distinct values. We wrote it because no maintained Go KLL
// with merge and serialisation exists among the project's dependencies.
type Quantiles struct {
	K      int         `json:"k"`
	N      int64       `json:"n"`
	Min    float64     `json:"min"`
	Max    float64     `json:"max"`
	Mean   float64     `json:"mean"`
	M2     float64     `json:"m2"`
	Levels [][]float64 `json:"levels"`
	// Distinct counts each value exactly until there are more than
	// maxExactDistinct of them; then it is nil and Many is true.
	Distinct map[float64]int64 `json:"-"`
	Many     bool              `json:"many"`
	seed     uint64
	scratch  []uint64
	up       []float64 // reused buffers of compact
	spare    []float64
}

// NewQuantiles returns an empty sketch with compactor capacity k (0 =
// DefaultSketchK).
func NewQuantiles(k int) *Quantiles {
	if k <= 0 {
		k = DefaultSketchK
	}
	k += k % 2
	return &Quantiles{K: k, Levels: [][]float64{make([]float64, 0, k)}, Distinct: map[float64]int64{}, seed: 0x9e3779b97f4a7c15}
}

// Add adds one finite value.
func (q *Quantiles) Add(x float64) {
	q.N++
	d := x - q.Mean
	q.Mean += d / float64(q.N)
	q.M2 += d * (x - q.Mean)
	if q.N == 1 || x < q.Min {
		q.Min = x
	}
	if q.N == 1 || x > q.Max {
		q.Max = x
	}
	if !q.Many {
		q.Distinct[x]++
		if len(q.Distinct) > maxExactDistinct {
			q.Distinct, q.Many = nil, true
		}
	}
	q.Levels[0] = append(q.Levels[0], x)
	if len(q.Levels[0]) >= q.K {
		q.compact(0)
	}
}

// coin returns a pseudo-random bit (splitmix64): deterministic per sketch,
// so a profile rebuilt from the same rows is byte-identical.
func (q *Quantiles) coin() int {
	q.seed += 0x9e3779b97f4a7c15
	z := q.seed
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return int((z ^ (z >> 31)) & 1)
}

func (q *Quantiles) compact(h int) {
	for ; h < len(q.Levels) && len(q.Levels[h]) >= q.K; h++ {
		lv := q.Levels[h]
		if h == 0 {
			if q.scratch == nil {
				q.scratch = make([]uint64, len(lv))
			}
			sortFloats(lv, q.scratch)
		}
		var keep []float64
		if len(lv)%2 == 1 { // the largest item stays at this level
			keep = []float64{lv[len(lv)-1]}
			lv = lv[:len(lv)-1]
		}
		up := q.up[:0]
		for i := q.coin(); i < len(lv); i += 2 {
			up = append(up, lv[i])
		}
		q.up = up
		q.Levels[h] = append(lv[:0], keep...)
		if h+1 == len(q.Levels) {
			q.Levels = append(q.Levels, make([]float64, 0, q.K+1))
		}
		merged := mergeInto(q.spare[:0], q.Levels[h+1], up)
		q.spare = q.Levels[h+1]
		q.Levels[h+1] = merged
	}
}

func mergeSorted(a, b []float64) []float64 {
	return mergeInto(make([]float64, 0, len(a)+len(b)), a, b)
}

// mergeInto appends the merge of sorted a and b to out.
func mergeInto(out, a, b []float64) []float64 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// ErrMerge is wrapped when two sketches or profiles cannot be merged.
var ErrMerge = errors.New("cannot merge")

// Merge adds o's values into q (Chan et al.'s formula for the moments).
func (q *Quantiles) Merge(o *Quantiles) error {
	if o.K != q.K {
		return fmt.Errorf("%w: sketch capacities %d and %d differ", ErrMerge, q.K, o.K)
	}
	if o.N == 0 {
		return nil
	}
	if q.N == 0 {
		q.Min, q.Max = o.Min, o.Max
	}
	n := q.N + o.N
	d := o.Mean - q.Mean
	q.M2 += o.M2 + d*d*float64(q.N)*float64(o.N)/float64(n)
	q.Mean += d * float64(o.N) / float64(n)
	q.N = n
	q.Min, q.Max = math.Min(q.Min, o.Min), math.Max(q.Max, o.Max)
	if !q.Many {
		if o.Many {
			q.Distinct, q.Many = nil, true
		} else {
			for v, c := range o.Distinct {
				q.Distinct[v] += c
			}
			if len(q.Distinct) > maxExactDistinct {
				q.Distinct, q.Many = nil, true
			}
		}
	}
	for h, lv := range o.Levels {
		if h == len(q.Levels) {
			q.Levels = append(q.Levels, nil)
		}
		if h == 0 {
			q.Levels[0] = append(q.Levels[0], lv...)
		} else {
			q.Levels[h] = mergeSorted(q.Levels[h], lv)
		}
	}
	for h := 0; h < len(q.Levels); h++ {
		if len(q.Levels[h]) >= q.K {
			q.compact(h)
		}
	}
	return nil
}

// exact reports whether no compaction happened: level 0 holds every value.
func (q *Quantiles) exact() bool { return len(q.Levels) == 1 }

// Std is the population standard deviation (ddof 0) of the values added.
func (q *Quantiles) Std() float64 {
	if q.N == 0 {
		return math.NaN()
	}
	return math.Sqrt(q.M2 / float64(q.N))
}

type weighted struct {
	v float64
	w int64
}

func (q *Quantiles) items() []weighted {
	var out []weighted
	for h, lv := range q.Levels {
		for _, v := range lv {
			out = append(out, weighted{v, int64(1) << h})
		}
	}
	slices.SortFunc(out, func(a, b weighted) int { return cmp.Compare(a.v, b.v) })
	return out
}

// Rank estimates the share of values ≤ x.
func (q *Quantiles) Rank(x float64) float64 {
	var w int64
	for h, lv := range q.Levels {
		for _, v := range lv {
			if v <= x {
				w += int64(1) << h
			}
		}
	}
	return float64(w) / float64(q.N)
}

// sample expands the sketch into a sorted pseudo-sample: the exact values
// when nothing was compacted, else the quantiles at (i+½)/size, with the
// exact minimum and maximum at the ends so histogram edges match the data.
func (q *Quantiles) sample(size int) []float64 {
	if q.exact() {
		out := slices.Clone(q.Levels[0])
		slices.Sort(out)
		return out
	}
	it := q.items()
	var total int64
	for _, x := range it {
		total += x.w
	}
	out := make([]float64, size)
	var cum int64
	j := 0
	for i := range out {
		target := (float64(i) + 0.5) / float64(size) * float64(total)
		for j < len(it)-1 && float64(cum+it[j].w) < target {
			cum += it[j].w
			j++
		}
		out[i] = it[j].v
	}
	out[0], out[size-1] = q.Min, q.Max
	return out
}
