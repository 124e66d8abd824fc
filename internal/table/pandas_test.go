package table

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestPandasParity compares ReadFrame's inferred kinds, integer flags,
// null and distinct counts and column sums on UCI Adult rows with what
// pandas 1.5 reads (testdata/pandas_golden.py wrote the golden file).
func TestPandasParity(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/adult_head.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Rows    int
		Columns []struct {
			Name    string
			Kind    string
			Integer bool
			Nulls   int
			Unique  int
			Sum     *float64
		}
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	fr, err := ReadFrame("testdata/adult_head.csv", Options{TrimLeadingSpace: true, NullValues: []string{"?"}})
	if err != nil {
		t.Fatal(err)
	}
	if fr.Rows != golden.Rows || len(fr.Columns) != len(golden.Columns) {
		t.Fatalf("rows %d columns %d, pandas %d and %d", fr.Rows, len(fr.Columns), golden.Rows, len(golden.Columns))
	}
	for i, g := range golden.Columns {
		c := fr.Columns[i]
		pandasInt := c.Integer && c.Nulls == 0
		if c.Name != g.Name || c.Kind.String() != g.Kind || pandasInt != g.Integer || c.Nulls != g.Nulls || c.Unique() != g.Unique {
			t.Errorf("%s: kind %v integer %v nulls %d unique %d; pandas %s %v %d %d",
				c.Name, c.Kind, pandasInt, c.Nulls, c.Unique(), g.Kind, g.Integer, g.Nulls, g.Unique)
		}
		if g.Sum != nil {
			sum := 0.0
			for _, v := range c.Num {
				if !math.IsNaN(v) {
					sum += v
				}
			}
			if sum != *g.Sum {
				t.Errorf("%s: sum %v, pandas %v", c.Name, sum, *g.Sum)
			}
		}
	}
}
