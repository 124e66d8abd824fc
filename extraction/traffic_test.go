package extraction

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/sklearnserver"
	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/modelclient/modeltest"
	"github.com/mlsec/mlsec/probe/attack"
)

// breastCancer loads examples/sklearn-server/data/breast_cancer.csv (a
// real dataset: UCI Breast Cancer Wisconsin, CC BY 4.0), scaled per
// feature to [0, 1] as `mlsec probe` scales its attack space, and the
// labels.
func breastCancer(t testing.TB) ([][]float64, []float64) {
	t.Helper()
	rows, labels := sklearnserver.ReadXY(t, filepath.Join("..", "examples", "sklearn-server", "data", "breast_cancer.csv"))
	d := len(rows[0])
	for j := range d {
		lo, hi := rows[0][j], rows[0][j]
		for _, r := range rows {
			lo, hi = min(lo, r[j]), max(hi, r[j])
		}
		for _, r := range rows {
			r[j] = (r[j] - lo) / (hi - lo)
		}
	}
	return rows, labels
}

// nearestMeans is a linear classifier between the class means (a stand-in
// for the served logistic regression, in process: modeltest.Linear).
func nearestMeans(rows [][]float64, labels []float64) modeltest.Linear {
	d := len(rows[0])
	m := [2][]float64{make([]float64, d), make([]float64, d)}
	n := [2]float64{}
	for i, r := range rows {
		c := int(labels[i])
		n[c]++
		for j, v := range r {
			m[c][j] += v
		}
	}
	w := make([]float64, d)
	b := 0.0
	for j := range d {
		m0, m1 := m[0][j]/n[0], m[1][j]/n[1]
		w[j] = 8 * (m1 - m0)
		b -= w[j] * (m0 + m1) / 2
	}
	return modeltest.Linear{W: w, B: b}
}

// recorder is an attack oracle that records every row asked, with the
// model's answer.
type recorder struct {
	model   modeltest.Linear
	queries []Query
}

func (r *recorder) answer(x []float64) Query {
	v, scores := r.model.Predict(x)
	return Query{Input: append([]float64(nil), x...), Class: int(v), Scores: scores}
}

func (r *recorder) Query(_ context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
	out := make([]modelclient.Prediction, len(rows))
	for i, x := range rows {
		q := r.answer(x)
		r.queries = append(r.queries, q)
		out[i] = modelclient.Prediction{Label: strconv.Itoa(q.Class), Value: float64(q.Class), Scores: q.Scores}
	}
	return out, nil
}

var _ attack.Oracle = (*recorder)(nil)

// traffic returns the queries of a HopSkipJump run (what `mlsec probe
// robustness` sends: 8 inputs, a budget of 600 queries each) and of a benign client
// sending every row of the dataset once, in random order.
func traffic(t testing.TB) (attackQ, benignQ []Query) {
	rows, labels := breastCancer(t)
	model := nearestMeans(rows, labels)
	rec := &recorder{model: model}
	d := len(rows[0])
	lo, hi := make([]float64, d), make([]float64, d)
	for j := range hi {
		hi[j] = 1
	}
	for i, idx := range []int{3, 50, 120, 200, 280, 400, 480, 560} {
		q := rec.answer(rows[idx])
		p := &attack.Problem{X: rows[idx], Answer: modelclient.Prediction{Label: strconv.Itoa(q.Class), Value: float64(q.Class), Scores: q.Scores},
			Lo: lo, Hi: hi, Budget: 600, Seed: uint64(i + 1)}
		if _, err := (attack.HopSkipJump{}).Run(context.Background(), rec, p); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for _, i := range r.Perm(len(rows)) {
		benignQ = append(benignQ, rec.answer(rows[i]))
	}
	return rec.queries, benignQ
}

// replay sends the queries, 10 a second, and returns the last verdict and
// how many verdicts after the first 300 queries were flagged.
func replay(d *Detector, client string, qs []Query) (Verdict, int) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var v Verdict
	flagged := 0
	for i, q := range qs {
		q.Client = client
		q.Time = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		v = d.Observe(q)
		if i >= 300 && v.Flagged {
			flagged++
		}
	}
	return v, flagged
}

func findings(v Verdict) map[string]float64 {
	m := map[string]float64{}
	for _, f := range v.Findings {
		m[f.Detector] = f.Value
	}
	return m
}

// TestAttackFlaggedBenignNot replays a real HopSkipJump attack's queries and
// a benign workload of real rows (every row once, in five random orders)
// through PRADA, the boundary and the sweep detectors: PRADA and boundary
// probing flag the attacker at every query after the 300th, and nothing
// flags a benign client at any point.
func TestAttackFlaggedBenignNot(t *testing.T) {
	t.Parallel()
	attackQ, benignQ := traffic(t)
	if len(attackQ) < 2000 {
		t.Fatalf("the attack made %d queries", len(attackQ))
	}
	d, err := New(Config{PRADA: &PRADAConfig{}, Boundary: &BoundaryConfig{}, Sweep: &SweepConfig{}})
	if err != nil {
		t.Fatal(err)
	}
	va, n := replay(d, "attacker", attackQ)
	fa := findings(va)
	t.Logf("attacker (%d queries): %+v", len(attackQ), va.Findings)
	if _, ok := fa[DetectorPRADA]; !ok {
		t.Errorf("PRADA did not flag the attack: %+v", va)
	}
	if _, ok := fa[DetectorBoundary]; !ok {
		t.Errorf("boundary probing not flagged: %+v", va)
	}
	if n != len(attackQ)-300 {
		t.Errorf("attacker flagged at %d of the %d verdicts after query 300", n, len(attackQ)-300)
	}
	for seed := uint64(1); seed <= 5; seed++ {
		qs := append([]Query(nil), benignQ...)
		rand.New(rand.NewPCG(seed, 11)).Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
		client := "benign-" + strconv.FormatUint(seed, 10)
		if vb, n := replay(d, client, qs); vb.Flagged || n > 0 {
			t.Errorf("%s flagged (%d verdicts after query 300): %+v", client, n, vb)
		}
	}
}
