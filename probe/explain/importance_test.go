package explain

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/mlsec/mlsec/internal/table"
	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/modelclient/modeltest"
	"github.com/mlsec/mlsec/probe/internal/golden"
)

func loadGolden(t testing.TB) *golden.File {
	t.Helper()
	g, err := golden.Load("../testdata/golden/permutation_importance.json")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// loadTable reads a served model's data: X in column order and y as text.
func loadTable(t testing.TB, file string, m golden.Model) ([][]float64, []string) {
	t.Helper()
	f, err := table.ReadFrame("../../examples/sklearn-server/data/"+file, table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	X := make([][]float64, f.Rows)
	for i := range X {
		X[i] = make([]float64, len(m.Columns))
		for j, name := range m.Columns {
			c, _ := f.Column(name)
			X[i][j] = c.Num[i]
		}
	}
	lc, _ := f.Column(m.Label)
	y := make([]string, f.Rows)
	for i := range y {
		y[i] = strconv.FormatFloat(lc.Num[i], 'g', -1, 64)
	}
	return X, y
}

// inProcess answers with a Go model directly.
type inProcess struct{ m modeltest.Model }

func (p inProcess) Predict(_ context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
	out := make([]modelclient.Prediction, len(rows))
	for i, r := range rows {
		v, s := p.m.Predict(r)
		out[i] = modelclient.Prediction{Label: strconv.FormatFloat(v, 'g', -1, 64), Value: v, Scores: s}
	}
	return out, nil
}

var goldenCases = []struct{ model, file string }{
	{"breast-cancer", "breast_cancer.csv"},
	{"diabetes", "diabetes.csv"},
}

func goModel(name string, g golden.Model) modeltest.Model {
	if name == "diabetes" {
		return modeltest.Regression{W: g.Linear.W, B: g.Linear.B}
	}
	return modeltest.Linear{W: g.Linear.W, B: g.Linear.B}
}

// TestReplaysScikitLearn feeds scikit-learn's own permutations to our
// implementation over the same linear models computed in Go: the score
// drops, means and standard deviations equal scikit-learn's (bit for bit
// for accuracy; within 1e-12 for R², where Go's w·x may differ from
// numpy's BLAS in the last bit; the Python-served test in package probe
// checks bit equality against the real model).
func TestReplaysScikitLearn(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	for _, tc := range goldenCases {
		gm := g.Models[tc.model]
		X, y := loadTable(t, tc.file, gm)
		m := inProcess{goModel(tc.model, gm)}
		base, _ := m.Predict(context.Background(), X)
		for i, p := range base {
			if math.Abs(p.Value-gm.Predictions[i]) > 1e-9*math.Max(1, math.Abs(p.Value)) {
				t.Fatalf("%s row %d: Go model predicts %v, scikit-learn %v", tc.model, i, p.Value, gm.Predictions[i])
			}
		}
		imp, err := PermutationImportance(context.Background(), m, gm.Columns, X, y, Options{
			Repeats: gm.Repeats, Scoring: Scoring(gm.Scoring),
			Permutation: func(_, r int) []int { return gm.Permutations[r] },
		})
		if err != nil {
			t.Fatal(err)
		}
		tol := 0.0
		if gm.Scoring == "r2" {
			tol = 1e-12
		}
		check := func(what string, got, want float64) {
			if math.Abs(got-want) > tol {
				t.Errorf("%s %s: %.17g, scikit-learn %.17g", tc.model, what, got, want)
			}
		}
		check("baseline", imp.Baseline, gm.Baseline)
		for j, f := range imp.Features {
			check(f.Name+" mean", f.Mean, gm.Mean[j])
			check(f.Name+" std", f.Std, gm.Std[j])
			for r, v := range f.Values {
				check(f.Name+" repeat "+strconv.Itoa(r), v, gm.Importances[j][r])
			}
		}
		wantQ := int64(len(X) * (1 + len(gm.Columns)*gm.Repeats))
		if imp.Queries != wantQ {
			t.Errorf("%s: %d queries, want rows × (1 + features × repeats) = %d", tc.model, imp.Queries, wantQ)
		}
	}
}

// TestAgreesWithScikitLearnOwnRandomness: with our own seeded permutations
// the ranking agrees with scikit-learn's (Spearman rank correlation over
// the features, and the top features).
func TestAgreesWithScikitLearnOwnRandomness(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	for _, tc := range goldenCases {
		gm := g.Models[tc.model]
		X, y := loadTable(t, tc.file, gm)
		imp, err := PermutationImportance(context.Background(), inProcess{goModel(tc.model, gm)}, gm.Columns, X, y,
			Options{Repeats: 30, Seed: 7, Scoring: Scoring(gm.Scoring)})
		if err != nil {
			t.Fatal(err)
		}
		ours := make([]float64, len(imp.Features))
		for j, f := range imp.Features {
			ours[j] = f.Mean
		}
		rho := Spearman(ours, gm.Mean)
		top := func(v []float64, k int) []int {
			idx := make([]int, len(v))
			for i := range idx {
				idx[i] = i
			}
			sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] > v[idx[b]] })
			out := slices.Clone(idx[:k])
			slices.Sort(out)
			return out
		}
		t.Logf("%s: Spearman %.3f; top 3 ours %v, scikit-learn %v", tc.model, rho, top(ours, 3), top(gm.Mean, 3))
		if rho < 0.8 {
			t.Errorf("%s: Spearman rank correlation %.3f with scikit-learn's importances, want ≥ 0.8", tc.model, rho)
		}
		if !slices.Equal(top(ours, 3), top(gm.Mean, 3)) {
			t.Errorf("%s: top 3 features %v, scikit-learn's %v", tc.model, top(ours, 3), top(gm.Mean, 3))
		}
	}
}

func TestPairwiseSumMatchesNumpyOrder(t *testing.T) {
	t.Parallel()
	// 0.1 summed 1000 times: numpy's pairwise sum gives 100.00000000000001
	// (np.full(1000, 0.1).sum()), a plain loop 99.9999999999986.
	v := make([]float64, 1000)
	for i := range v {
		v[i] = 0.1
	}
	if got := pairwiseSum(v); got != 100.00000000000001 {
		t.Errorf("pairwiseSum = %.17g, numpy 100.00000000000001", got)
	}
}
