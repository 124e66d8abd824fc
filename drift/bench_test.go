package drift

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/cputime"
	"github.com/mlsec/mlsec/internal/table"
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
	cpu0 := cputime.Process().Seconds()
	for i := 0; i < b.N; i++ {
		if _, err := Compare(ref, cur, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cputime.Process().Seconds() - cpu0; cpu > 0 {
		b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
	}
}

// BenchmarkReadTables reads two CSV files shaped like bench/drift.sh's
// (200,000 rows × 20 columns each) into column summaries, as 'mlsec drift'
// does before comparing; cpu-s/op is the steadier figure on a shared
// machine.
func BenchmarkReadTables(b *testing.B) {
	dir := b.TempDir()
	var paths [2]string
	for k := range paths {
		r := rand.New(rand.NewPCG(uint64(k), 9))
		var sb strings.Builder
		sb.WriteString("f0,f1,f2,f3,f4,f5,f6,f7,age,hours,kids,flag,c0,c1,c2,c3,c4,c5,c6,c7\n")
		for range 200_000 {
			for i := range 8 {
				sb.WriteString(strconv.FormatFloat(float64(10*i+k)+float64(2+i)*r.NormFloat64(), 'f', 4, 64))
				sb.WriteByte(',')
			}
			for _, hi := range []int{72, 98, 5, 2} {
				sb.WriteString(strconv.Itoa(r.IntN(hi)) + ",")
			}
			for i := range 8 {
				sb.WriteString("cat" + strconv.Itoa(r.IntN(4+i)))
				if i < 7 {
					sb.WriteByte(',')
				}
			}
			sb.WriteByte('\n')
		}
		paths[k] = filepath.Join(dir, fmt.Sprint("t", k, ".csv"))
		if err := os.WriteFile(paths[k], []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	opt := table.Options{NullValues: table.PandasNullValues}
	b.ResetTimer()
	cpu0 := cputime.Process().Seconds()
	for i := 0; i < b.N; i++ {
		if _, _, err := ReadTables(paths[0], paths[1], opt, nil); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cputime.Process().Seconds() - cpu0; cpu > 0 {
		b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
	}
}
