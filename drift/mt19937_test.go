package drift

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestNumpyRandomState compares with numpy 1.24 (/usr/bin/python3):
// np.random.seed(0); np.random.permutation(10); np.random.permutation(7);
// and np.random.seed(0); np.random.permutation(70000)[:5].
func TestNumpyRandomState(t *testing.T) {
	t.Parallel()
	r := newNumpyRandomState(0)
	p10, p7 := make([]int32, 10), make([]int32, 7)
	r.permutation(p10)
	r.permutation(p7)
	big := make([]int32, 70000)
	newNumpyRandomState(0).permutation(big)
	if !slices.Equal(p10, []int32{2, 8, 4, 9, 1, 6, 7, 3, 0, 5}) || !slices.Equal(p7, []int32{3, 1, 2, 6, 5, 0, 4}) ||
		!slices.Equal(big[:5], []int32{10840, 56267, 14849, 62726, 47180}) {
		t.Errorf("permutations %v %v %v differ from numpy's", p10, p7, big[:5])
	}
}

// TestUntestable: where Evidently (or the scipy function it calls) raises,
// the method returns an error naming the reason, and Compare names the
// column.
func TestUntestable(t *testing.T) {
	t.Parallel()
	num := func(xs ...float64) *Column { return NumericColumn("x", xs, false) }
	ints := func(n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(i % 97)
		}
		return out
	}
	for _, c := range []struct {
		method   string
		ref, cur *Column
		want     string
	}{
		{MethodEppsSingleton, num(1, 1, 1, 1, 1, 2), num(1, 1, 1, 1, 1, 1), "interquartile range"},
		{MethodEppsSingleton, num(1, 2, 3), num(1, 2, 3, 4, 5), "at least 5 values"},
		{MethodAnderson, num(3, 3, 3), num(3, 3), "more than one distinct value"},
		{MethodCramerVonMises, num(1), num(1, 2, 3), "at least two values"},
		{MethodMMD, num(ints(2000)...), num(ints(1500)...), "at most 3000 values"},
		{MethodFisher, CategoricalColumn("x", []string{"a", "b"}, nil), CategoricalColumn("x", []string{"b", "c"}, nil), "at most two values"},
	} {
		ref, cur := c.ref, c.cur
		ref.Name, cur.Name = "x", "x"
		typ := map[string]ColumnType{"x": Numerical}
		if c.method == MethodFisher {
			typ["x"] = Categorical
		}
		_, err := Compare(&Table{Name: "r", Columns: []*Column{ref}}, &Table{Name: "c", Columns: []*Column{cur}}, Options{Method: c.method, Types: typ})
		if !errors.Is(err, ErrUntestable) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `column "x"`) {
			t.Errorf("%s: %v, want %q", c.method, err, c.want)
		}
	}
}
