package drift

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/mlsec/mlsec/internal/table"
)

// Kind is how a column's values are stored, the equivalent of a pandas
// dtype family: Evidently's type inference starts from it. It is the table
// reader's kind.
type Kind = table.Kind

// Kinds.
const (
	KindNumber = table.KindNumber
	KindString = table.KindString
	KindBool   = table.KindBool
)

// Column is one column of one table, summarised exactly: the sorted finite
// numbers or the category counts, plus the counts Evidently's procedure
// reads (rows, nulls, infinities, whether every number is an integer).
// Build it with a ColumnBuilder or NumericColumn/CategoricalColumn.
type Column struct {
	Name string
	Kind Kind
	// Integer is true when every non-null number was written as an integer;
	// with no nulls pandas reads such a column as int64.
	Integer bool
	// Rows counts every row; Nulls the empty/null/NaN cells; Inf the ±Inf
	// numbers.
	Rows, Nulls, Inf int
	// Values holds the finite numbers sorted ascending (KindNumber). When
	// Weights is set, Values holds each distinct number once and Weights[i]
	// counts it (a column with few distinct values is kept this way, so a
	// million integers take a few bytes).
	Values  []float64
	Weights []int
	// Cats holds the distinct non-null values sorted, Counts their counts
	// (KindString, KindBool).
	Cats   []string
	Counts []int

	// Set for columns rebuilt from a compacted streaming sketch (Profile):
	// Values is then a quantile pseudo-sample standing for n values, and
	// mean and std are the exact moments.
	approx    bool
	n         int
	mean, std float64
	// wVals are the sketch's retained values sorted, wCum[i] the total
	// weight of wVals[:i] (len(wVals)+1 entries): histograms of sketched
	// columns come from these weights, so tail bins keep their tiny shares.
	wVals []float64
	wCum  []float64
}

// Count is the number of values left after Evidently drops NaN and ±Inf.
func (c *Column) Count() int {
	if c.approx {
		return c.n
	}
	if c.Kind == KindNumber {
		return total(c.Values, c.Weights)
	}
	n := 0
	for _, k := range c.Counts {
		n += k
	}
	return n
}

// Unique is the number of distinct values left after NaN/±Inf removal.
func (c *Column) Unique() int {
	switch {
	case c.Kind != KindNumber:
		return len(c.Cats)
	case c.approx:
		return manyValues
	case c.Weights != nil:
		return len(c.Values)
	}
	return countRuns(c.Values)
}

// manyValues stands for "more distinct values than a sketch tracks
// exactly"; every selection threshold (2, 5, 10, 20) is below it.
const manyValues = 1 << 30

func countRuns(sorted []float64) int {
	n := 0
	for i := range sorted {
		if i == 0 || sorted[i] != sorted[i-1] {
			n++
		}
	}
	return n
}

// NumericColumn builds a numeric column from values (NaN = missing).
// integer says whether every value was written as an integer literal.
func NumericColumn(name string, values []float64, integer bool) *Column {
	b := NewColumnBuilder(name, KindNumber)
	for _, v := range values {
		b.AddNumber(v, integer)
	}
	return b.Finish()
}

// CategoricalColumn builds a string column; missing[i] marks a null (nil = none).
func CategoricalColumn(name string, values []string, missing []bool) *Column {
	b := NewColumnBuilder(name, KindString)
	for i, v := range values {
		if missing != nil && missing[i] {
			b.AddNull()
			continue
		}
		b.AddString(v)
	}
	return b.Finish()
}

// ColumnBuilder accumulates one column of a table row by row.
type ColumnBuilder struct {
	col    Column
	counts map[string]int
}

// NewColumnBuilder starts a column of the given kind.
func NewColumnBuilder(name string, kind Kind) *ColumnBuilder {
	b := &ColumnBuilder{col: Column{Name: name, Kind: kind, Integer: true}}
	if kind != KindNumber {
		b.counts = map[string]int{}
	}
	return b
}

// AddNumber adds a number; isInt says it was written as an integer. NaN
// counts as missing, ±Inf as infinite (both dropped before testing).
func (b *ColumnBuilder) AddNumber(v float64, isInt bool) {
	b.col.Rows++
	switch {
	case math.IsNaN(v):
		b.col.Nulls++
	case math.IsInf(v, 0):
		b.col.Inf++
		b.col.Integer = false
	default:
		b.col.Values = append(b.col.Values, v)
		b.col.Integer = b.col.Integer && isInt
	}
}

// AddString adds a string (or bool rendered as a string) value.
func (b *ColumnBuilder) AddString(s string) {
	b.col.Rows++
	b.counts[s]++
}

// AddNull adds a missing value.
func (b *ColumnBuilder) AddNull() {
	b.col.Rows++
	b.col.Nulls++
}

// Finish sorts and returns the column; the builder must not be used again.
func (b *ColumnBuilder) Finish() *Column {
	c := b.col
	if c.Kind == KindNumber {
		slices.Sort(c.Values)
		c.compress()
	} else {
		c.Cats = make([]string, 0, len(b.counts))
		for k := range b.counts {
			c.Cats = append(c.Cats, k)
		}
		slices.Sort(c.Cats)
		c.Counts = make([]int, len(c.Cats))
		for i, k := range c.Cats {
			c.Counts[i] = b.counts[k]
		}
	}
	return &c
}

// compressible: n values with runs distinct ones take less memory as
// distinct values and counts (16 bytes each) than one by one (8 bytes
// each). Data written with a few decimals repeats values often (a million
// 4-decimal values from a normal with σ = 9 hold 350,000 distinct ones).
func compressible(n, runs int) bool { return n >= 64 && runs < n/2 }

// compress run-length encodes Values when that takes less memory, and
// copies them out so the large sorted array can be freed.
func (c *Column) compress() {
	if c.Weights != nil {
		return
	}
	if !compressible(len(c.Values), countRuns(c.Values)) {
		return
	}
	runs := countRuns(c.Values)
	vals := make([]float64, 0, runs)
	w := make([]int, 0, runs)
	for i, v := range c.Values {
		if i > 0 && v == c.Values[i-1] {
			w[len(w)-1]++
			continue
		}
		vals = append(vals, v)
		w = append(w, 1)
	}
	c.Values, c.Weights = vals, w
}

// FromSorted wraps finite numbers already sorted ascending (it takes
// ownership of values), for callers that filled a column themselves.
func FromSorted(name string, values []float64, integer bool, rows, nulls, inf int) *Column {
	return &Column{Name: name, Kind: KindNumber, Integer: integer, Values: values, Rows: rows, Nulls: nulls, Inf: inf}
}

// catCounts is a categorical view of two columns: the union of keys, with
// reference and current counts aligned. Numbers are keyed by value
// (pandas treats 1 and 1.0 as one key); keys sort numerically for numbers
// and lexically for strings, as Python's sorted() does.
type catCounts struct {
	keys     []string
	nums     []float64 // the keys' values when both columns are numeric
	ref, cur []float64
	nRef     float64
	nCur     float64
}

func numKey(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// pairs returns the distinct values and counts of a column.
func (c *Column) pairs() ([]string, []float64, []int) {
	if c.Kind != KindNumber {
		return c.Cats, nil, c.Counts
	}
	var keys []string
	var nums []float64
	var counts []int
	for i, v := range c.Values {
		if i > 0 && v == c.Values[i-1] {
			counts[len(counts)-1] += wt(c.Weights, i)
			continue
		}
		keys = append(keys, numKey(v))
		nums = append(nums, v)
		counts = append(counts, wt(c.Weights, i))
	}
	return keys, nums, counts
}

func categorical(ref, cur *Column) catCounts {
	rk, rn, rc := ref.pairs()
	ck, cn, cc := cur.pairs()
	numeric := ref.Kind == KindNumber && cur.Kind == KindNumber
	type entry struct {
		key      string
		num      float64
		ref, cur float64
	}
	idx := map[string]int{}
	var es []entry
	add := func(keys []string, nums []float64, counts []int, isRef bool) {
		for i, k := range keys {
			j, ok := idx[k]
			if !ok {
				j = len(es)
				idx[k] = j
				e := entry{key: k}
				if nums != nil {
					e.num = nums[i]
				}
				es = append(es, e)
			}
			if isRef {
				es[j].ref += float64(counts[i])
			} else {
				es[j].cur += float64(counts[i])
			}
		}
	}
	add(rk, rn, rc, true)
	add(ck, cn, cc, false)
	slices.SortFunc(es, func(a, b entry) int {
		if numeric {
			return cmp.Compare(a.num, b.num)
		}
		return cmp.Compare(a.key, b.key)
	})
	out := catCounts{nRef: float64(ref.Count()), nCur: float64(cur.Count())}
	for _, e := range es {
		out.keys = append(out.keys, e.key)
		if numeric {
			out.nums = append(out.nums, e.num)
		}
		out.ref = append(out.ref, e.ref)
		out.cur = append(out.cur, e.cur)
	}
	return out
}

func (cc catCounts) shares() (p, q []float64) {
	p = make([]float64, len(cc.keys))
	q = make([]float64, len(cc.keys))
	for i := range cc.keys {
		p[i] = cc.ref[i] / cc.nRef
		q[i] = cc.cur[i] / cc.nCur
	}
	return p, q
}

func sortStrings(s []string) { slices.Sort(s) }

func sortByKey(idx []int, keys []string) {
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
}
