package drift

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/mlsec/mlsec/internal/decfloat"
	"github.com/mlsec/mlsec/internal/table"
)

// ReadTable reads the table at path straight into per-column summaries,
// without holding the table: each chunk from table.ReadChunks is folded
// into sorted-value or count summaries and dropped. A numeric column keeps
// exact counts while it has few distinct values (integers, flags) and its
// finite values otherwise (8 bytes each: the exact tests need them all),
// sorted in place at the end; a text or bool column keeps its category
// counts only. progress, if not nil, is called with the input bytes each
// chunk covered. The result equals FromFrame(table.ReadFrame(path, opt)).
func ReadTable(path string, opt table.Options, progress func(bytes int64)) (*Table, error) {
	size := int64(0)
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() && !isGzip(path) {
		size = st.Size()
	}
	s := &summariser{size: size, progress: progress}
	if err := table.ReadChunks(path, opt, s.add); err != nil {
		return nil, err
	}
	if len(s.redo) > 0 {
		// Columns that turned out to be text: count them again as strings
		// (table.ReadFrame's rule).
		o2 := opt
		o2.Columns = s.redo
		o2.Types = map[string]table.Kind{}
		for _, n := range s.redo {
			o2.Types[n] = table.KindString
		}
		s2 := &summariser{}
		if err := table.ReadChunks(path, o2, s2.add); err != nil {
			return nil, err
		}
		if s2.rows != s.rows {
			return nil, &table.Error{File: path, Err: fmt.Errorf("file changed while it was read (%d rows, then %d)", s.rows, s2.rows)}
		}
		for _, a := range s2.cols {
			for i, b := range s.cols {
				if b.name == a.name {
					s.cols[i] = a
				}
			}
		}
	}
	t := &Table{Name: filepath.Base(path), Rows: s.rows, Columns: make([]*Column, len(s.cols))}
	parallel(len(s.cols), func(i int) {
		t.Columns[i] = s.cols[i].finish(s.rows)
		s.cols[i] = nil
	})
	return t, nil
}

// ReadTables reads two tables at once, one per core, as ReadTable does:
// the reference and the current table of a comparison. An error names the
// first file that failed.
func ReadTables(refPath, curPath string, opt table.Options, progress func(bytes int64)) (ref, cur *Table, err error) {
	var mu sync.Mutex
	report := progress
	if progress != nil {
		report = func(n int64) {
			mu.Lock()
			defer mu.Unlock()
			progress(n)
		}
	}
	// Each file gets half the cores: both are parsed at once whatever
	// their format, with half the chunks in flight per file.
	if opt.Workers == 0 {
		opt.Workers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	var wg sync.WaitGroup
	var curErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		cur, curErr = ReadTable(curPath, opt, report)
	}()
	ref, err = ReadTable(refPath, opt, report)
	wg.Wait()
	if err == nil {
		err = curErr
	}
	if err != nil {
		return nil, nil, err
	}
	return ref, cur, nil
}

func isGzip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [2]byte
	n, _ := f.Read(b[:])
	return n == 2 && b[0] == 0x1f && b[1] == 0x8b
}

// summariser folds chunks into column accumulators.
type summariser struct {
	cols     []*colAcc
	redo     []string
	rows     int
	size     int64 // input bytes (0: unknown), to size value arrays once
	bytes    int64 // input bytes so far
	progress func(int64)
	counts   []int // scratch: per-code counts of one chunk column
}

func (s *summariser) add(ch *table.Frame, n int64) error {
	if s.cols == nil {
		for _, c := range ch.Columns {
			s.cols = append(s.cols, &colAcc{name: c.Name, integer: true})
		}
	}
	s.rows += ch.Rows
	s.bytes += n
	for i, c := range ch.Columns {
		a := s.cols[i]
		if a.mixed {
			continue
		}
		if c.Mixed || (c.Kind != table.KindUnknown && a.kind != table.KindUnknown && c.Kind != a.kind) {
			a.mixed = true
			a.kept, a.small, a.cats = decfloat.Floats{}, nil, nil
			s.redo = append(s.redo, a.name)
			continue
		}
		a.nulls += c.Nulls
		if c.Kind == table.KindUnknown {
			continue
		}
		a.kind = c.Kind
		if c.Kind == table.KindNumber {
			a.integer = a.integer && c.Integer
			a.addNumbers(c.Num, s.estimate)
			continue
		}
		s.counts = slices.Grow(s.counts[:0], len(c.Dict))[:len(c.Dict)]
		clear(s.counts)
		for _, code := range c.Codes {
			if code != table.NullCode {
				s.counts[code]++
			}
		}
		if a.cats == nil {
			a.cats = map[string]int{}
		}
		for k, v := range c.Dict {
			if s.counts[k] > 0 {
				a.cats[v] += s.counts[k]
			}
		}
	}
	if s.progress != nil && n > 0 {
		s.progress(n)
	}
	return nil
}

// estimate guesses the table's rows from the bytes read so far, so a
// value array is allocated once at its final size (5% spare) rather than
// grown by doubling, which would need twice the memory at the end.
func (s *summariser) estimate() int {
	if s.size <= 0 || s.bytes <= 0 {
		return 0
	}
	return int(float64(s.size)/float64(s.bytes)*float64(s.rows)*1.05) + 1024
}

// smallDistinct is how many distinct numbers a column is counted by value
// before its values are kept one by one.
const smallDistinct = 4096

// colAcc accumulates one column.
type colAcc struct {
	name    string
	kind    table.Kind
	mixed   bool
	integer bool
	nulls   int
	inf     int
	// Numbers: counts by value while there are at most smallDistinct
	// distinct ones (dense for small non-negative integers), then every
	// finite value.
	small   map[float64]int
	dense   []int
	spilled bool
	// After the spill, every finite value, as decimal mantissas (4 bytes
	// each) while that is exact, else as float64 (decfloat).
	kept decfloat.Floats
	// Strings and bools: counts by value.
	cats map[string]int
}

const denseMax = 1024

func (a *colAcc) addNumbers(xs []float64, estimate func() int) {
	for _, v := range xs {
		switch {
		case v != v: // null, counted in Nulls
		case math.IsInf(v, 0):
			a.inf++
		case a.spilled:
			a.kept.Append(v)
		case v >= 0 && v < denseMax && v == math.Trunc(v): // -0 counts as 0, as pandas' value_counts does
			if a.dense == nil {
				a.dense = make([]int, denseMax)
			}
			a.dense[int(v)]++
		default:
			if a.small == nil {
				a.small = map[float64]int{}
			}
			a.small[v]++
			if len(a.small) > smallDistinct {
				a.spill(estimate)
			}
		}
	}
}

// spill turns the counts into kept values: from now on every value is kept.
func (a *colAcc) spill(estimate func() int) {
	n := 0
	for _, k := range a.dense {
		n += k
	}
	for _, k := range a.small {
		n += k
	}
	a.spilled = true
	a.kept = decfloat.Floats{Dec: make([]int32, 0, max(estimate(), 2*n)), Cap: estimate}
	for v, k := range a.dense {
		for range k {
			a.kept.Append(float64(v))
		}
	}
	for v, k := range a.small {
		for range k {
			a.kept.Append(v)
		}
	}
	a.dense, a.small = nil, nil
}

// finish builds the Column, as fromTableColumn would from the whole column.
func (a *colAcc) finish(rows int) *Column {
	out := &Column{Name: a.name, Rows: rows, Nulls: a.nulls, Inf: a.inf}
	switch a.kind {
	case table.KindUnknown: // no value at all: pandas gives float64 NaN
		out.Kind = KindNumber
	case table.KindNumber:
		out.Kind = KindNumber
		// table.Column.Integer: every value an integer literal, and at
		// least one (±Inf is not an integer literal).
		out.Integer = a.integer && a.nulls < rows
		if a.spilled && a.kept.Decimal() {
			sortInt32(a.kept.Dec)
			out.Values, out.Weights = decodeSorted(a.kept.Dec, decfloat.Pow10(a.kept.Scale))
			a.kept = decfloat.Floats{}
			break
		}
		if a.spilled {
			sortFloats(a.kept.Vals, nil)
			out.Values = a.kept.Vals
			out.compress()
			a.kept = decfloat.Floats{}
			break
		}
		type vc struct {
			v float64
			n int
		}
		var runs []vc
		n := 0
		for v, k := range a.dense {
			if k > 0 {
				runs = append(runs, vc{float64(v), k})
				n += k
			}
		}
		for v, k := range a.small {
			runs = append(runs, vc{v, k})
			n += k
		}
		slices.SortFunc(runs, func(x, y vc) int { return cmp.Compare(x.v, y.v) })
		if compressible(n, len(runs)) {
			for _, r := range runs {
				out.Values = append(out.Values, r.v)
				out.Weights = append(out.Weights, r.n)
			}
			break
		}
		for _, r := range runs {
			for range r.n {
				out.Values = append(out.Values, r.v)
			}
		}
	default:
		out.Kind = a.kind
		for k := range a.cats {
			out.Cats = append(out.Cats, k)
		}
		slices.Sort(out.Cats)
		out.Counts = make([]int, len(out.Cats))
		for i, k := range out.Cats {
			out.Counts[i] = a.cats[k]
		}
	}
	return out
}

// decodeSorted turns sorted mantissas into the column's values: distinct
// values with their counts when that takes less memory (compressible),
// else every value.
func decodeSorted(dec []int32, p float64) ([]float64, []int) {
	runs := 0
	for i := range dec {
		if i == 0 || dec[i] != dec[i-1] {
			runs++
		}
	}
	if !compressible(len(dec), runs) {
		vals := make([]float64, len(dec))
		for i, m := range dec {
			vals[i] = float64(m) / p
		}
		return vals, nil
	}
	vals := make([]float64, 0, runs)
	w := make([]int, 0, runs)
	for i, m := range dec {
		if i > 0 && m == dec[i-1] {
			w[len(w)-1]++
			continue
		}
		vals = append(vals, float64(m)/p)
		w = append(w, 1)
	}
	return vals, w
}
