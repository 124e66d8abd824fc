package explain

import (
	"context"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/modelclient/modeltest"
)

var credit = []Feature{
	{Name: "income", Min: 0, Max: 200},
	{Name: "debt", Min: 0, Max: 1},
	{Name: "age", Min: 18, Max: 90, Integer: true},
	{Name: "region", Min: 0, Max: 2, Values: []float64{0, 1, 2}},
	{Name: "id", Min: 0, Max: 1000, Fixed: true},
}

// P(approve) = σ(0.03·income − 4·debt + 0.001·age + 0.5·[region = 2] − 2).
var creditModel = modeltest.Func(func(x []float64) (float64, []float64) {
	r := 0.0
	if x[3] == 2 {
		r = 0.5
	}
	return modeltest.Linear{W: []float64{0.03, -4, 0.001}, B: -2 + r}.Predict(x[:3])
})

func TestReasonsWithScores(t *testing.T) {
	t.Parallel()
	x := []float64{150, 0.2, 40, 0, 7}
	r, err := Explain(context.Background(), inProcess{creditModel}, credit, x, 3, ReasonOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// At log-odds 1.74, income −20 moves them by −0.6 (P(1) −0.093),
	// region = 2 by +0.5 (+0.053), debt +0.1 by −0.4 (−0.058), age ±7 by
	// ±0.007: ranked by log-odds, shown as probability changes.
	want := []string{"income ↓ lowered the score most (-0.093)", "region = 2 raised the score (+0.0531)", "debt ↑ lowered the score (-0.0582)"}
	if len(r.Labels) != 3 {
		t.Fatalf("labels %q", r.Labels)
	}
	for i, w := range want {
		if !strings.HasPrefix(r.Labels[i], w) {
			t.Errorf("label %d = %q, want %q…", i, r.Labels[i], w)
		}
	}
	if r.Answer != "1" || r.Row != 3 || *r.Score < 0.5 {
		t.Errorf("answer %s score %v row %d", r.Answer, *r.Score, r.Row)
	}
	// 1 + 2 per continuous or integer feature + 2 other regions; id fixed.
	if r.Queries != 1+2*3+2 {
		t.Errorf("queries %d, want 9", r.Queries)
	}
}

func TestReasonsLabelsOnly(t *testing.T) {
	t.Parallel()
	m := modeltest.Linear{W: []float64{0.03, -4}, B: -2.6, NoScores: true}
	feats := credit[:2]
	// 0.03·100 − 4·0.1 − 2.6 = 0: just above the boundary at debt 0.09.
	x := []float64{100, 0.09}
	r, err := Explain(context.Background(), inProcess{m}, feats, x, 0, ReasonOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Reasons) != 2 || !r.Reasons[0].Flips || r.Score != nil || r.Queries != 1+2*2*3 {
		t.Fatalf("reasons %+v (queries %d)", r.Reasons, r.Queries)
	}
	if !strings.Contains(r.Labels[0], "flips the answer to 0") {
		t.Errorf("labels %q", r.Labels)
	}
}

func TestReasonsRegression(t *testing.T) {
	t.Parallel()
	m := modeltest.Regression{W: []float64{2, -10}, B: 1}
	r, err := Explain(context.Background(), inProcess{m}, credit[:2], []float64{50, 0.5}, 0, ReasonOptions{Regression: true, Top: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Labels) != 1 || !strings.HasPrefix(r.Labels[0], "income ↑ raised the prediction most (+40)") {
		t.Fatalf("labels %q", r.Labels)
	}
}

func TestReasonsOfASureAnswerRankByLogOdds(t *testing.T) {
	t.Parallel()
	// Far from the boundary P(1) ≈ 1: probability changes are tiny, but
	// income (weight 0.03 per unit, step 20) still pushes more than debt
	// (weight 4, step 0.1).
	x := []float64{190, 0.0, 40, 0, 7}
	r, err := Explain(context.Background(), inProcess{creditModel}, credit, x, 0, ReasonOptions{Top: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Labels) != 2 || !strings.HasPrefix(r.Labels[0], "income ↓ lowered the score most") || !strings.HasPrefix(r.Labels[1], "region = 2 raised the score") {
		t.Fatalf("labels %q", r.Labels)
	}
}
