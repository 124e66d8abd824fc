package drift

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// benchTables builds two in-memory tables shaped like bench/drift.sh's:
// 8 continuous columns (4 decimals), 4 integer columns, 8 categorical ones.
func benchTables(rows int) (*Table, *Table) {
	mk := func(seed uint64, shift float64) *Table {
		r := rand.New(rand.NewPCG(seed, 1))
		t := &Table{Name: fmt.Sprint("t", seed), Rows: rows}
		for i := 0; i < 8; i++ {
			xs := make([]float64, rows)
			for j := range xs {
				xs[j] = math.Round((10*float64(i)+shift+float64(2+i)*r.NormFloat64())*1e4) / 1e4
			}
			t.Columns = append(t.Columns, NumericColumn(fmt.Sprint("f", i), xs, false))
		}
		for i, hi := range []int{72, 98, 5, 2} {
			xs := make([]float64, rows)
			for j := range xs {
				xs[j] = float64(r.IntN(hi))
			}
			t.Columns = append(t.Columns, NumericColumn(fmt.Sprint("i", i), xs, true))
		}
		for i := 0; i < 8; i++ {
			b := NewColumnBuilder(fmt.Sprint("c", i), KindString)
			names := make([]string, 4+i)
			for k := range names {
				names[k] = fmt.Sprint("cat", k)
			}
			for j := 0; j < rows; j++ {
				b.AddString(names[r.IntN(len(names))])
			}
			t.Columns = append(t.Columns, b.Finish())
		}
		return t
	}
	return mk(1, 0), mk(2, 1)
}

// BenchmarkCompare1Mx20 is the statistics part of 'mlsec drift' on 1M rows ×
// 20 columns per table (reading the files is internal/table's part).
func BenchmarkCompare1Mx20(b *testing.B) {
	ref, cur := benchTables(1_000_000)
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		if _, err := Compare(ref, cur, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
	}
}
