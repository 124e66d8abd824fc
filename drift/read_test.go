package drift

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/table"
)

// writeStreamCSV writes a table large enough for the parallel reader, with
// the cases ReadTable handles apart: many distinct floats (kept value by
// value), small integers and a few large ones (counted), ±Inf, NaN and
// pandas' null markers, a numeric column that turns to text near the end,
// a column null for its first half, bools and categories.
func writeStreamCSV(t *testing.T, dir string, rows int) string {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	b.WriteString("x,n,big,late,half,flag,cat,zero,places,huge\n")
	for i := range rows {
		x := fmt.Sprint(math.Round(r.NormFloat64()*1e4) / 1e3)
		switch i % 997 {
		case 1:
			x = "inf"
		case 2:
			x = "-inf"
		case 3:
			x = "NA"
		case 4:
			x = ""
		}
		late := fmt.Sprint(i % 7)
		if i == rows-5 {
			late = "seven"
		}
		half := ""
		if i > rows/2 {
			half = fmt.Sprint(i % 50)
		}
		zero := "0"
		if i%3 == 0 {
			zero = "-0"
		}
		// places: more decimals as the file goes on (the mantissas are
		// rescaled); huge: a value past 31 bits near the end (the column
		// moves to float64 storage).
		places := strconv.FormatFloat(r.NormFloat64()*100, 'f', min(i*9/rows, 9), 64)
		huge := strconv.Itoa(r.IntN(100000))
		if i == rows-10 {
			huge = "12345678901.5"
		}
		fmt.Fprintf(&b, "%s,%d,%d,%s,%s,%v,c%d,%s,%s,%s\n", x, r.IntN(90), 1_000_000+r.IntN(3), late, half, i%4 == 0, r.IntN(12), zero, places, huge)
	}
	p := filepath.Join(dir, fmt.Sprintf("t%d.csv", rows))
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadTableMatchesFromFrame(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opt := table.Options{NullValues: table.PandasNullValues}
	paths := []string{writeStreamCSV(t, dir, 300_000), writeStreamCSV(t, dir, 500)}
	for _, name := range []string{"adult-train.csv.gz", "adult-test-shifted.csv.gz"} {
		paths = append(paths, filepath.Join("testdata", "data", name))
	}
	for _, p := range paths {
		o := opt
		o.TrimLeadingSpace = strings.Contains(p, "adult")
		f, err := table.ReadFrame(p, o)
		if err != nil {
			t.Fatal(err)
		}
		want := FromFrame(f)
		want.Name = filepath.Base(p)
		var seen int64
		got, err := ReadTable(p, o, func(n int64) { seen += n })
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != want.Name || got.Rows != want.Rows || len(got.Columns) != len(want.Columns) {
			t.Fatalf("%s: %s %d rows %d columns, want %s %d %d", p, got.Name, got.Rows, len(got.Columns), want.Name, want.Rows, len(want.Columns))
		}
		for i, g := range got.Columns {
			w := want.Columns[i]
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%s column %s:\n got %s\nwant %s", p, g.Name, brief(g), brief(w))
			}
		}
		if st, _ := os.Stat(p); !strings.HasSuffix(p, ".gz") && (seen > st.Size() || seen < st.Size()*9/10) {
			t.Errorf("%s: progress saw %d of %d bytes", p, seen, st.Size())
		}
	}
}

func brief(c *Column) string {
	head := func(xs []float64) []float64 { return xs[:min(len(xs), 5)] }
	return fmt.Sprintf("kind %v int %v rows %d nulls %d inf %d values %d %v weights %v cats %q counts %v",
		c.Kind, c.Integer, c.Rows, c.Nulls, c.Inf, len(c.Values), head(c.Values), c.Weights[:min(len(c.Weights), 5)], c.Cats, c.Counts)
}

func TestReadTablesErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeStreamCSV(t, dir, 100)
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("x,n\n1,2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadTables(good, bad, table.Options{}, nil); err == nil || !strings.Contains(err.Error(), "bad.csv:3") {
		t.Errorf("bad current: %v", err)
	}
	if _, _, err := ReadTables(bad, filepath.Join(dir, "missing.csv"), table.Options{}, nil); err == nil || !strings.Contains(err.Error(), "bad.csv") {
		t.Errorf("both bad: want the reference's error first, got %v", err)
	}
}

func TestSortInt32(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{0, 1, 2, 100, 1 << 17} {
		for _, span := range []int64{3, 1 << 40} {
			xs := make([]int32, n)
			for i := range xs {
				xs[i] = int32(r.Int64N(span) - span/2)
			}
			want := slices.Clone(xs)
			slices.Sort(want)
			sortInt32(xs)
			if !slices.Equal(xs, want) {
				t.Fatalf("n=%d span=%d: radix sort differs from slices.Sort", n, span)
			}
		}
	}
}
