//go:build unix

package probe

import (
	"context"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/cputime"
	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/modelclient/modeltest"
	"github.com/mlsec/mlsec/probe/attack"
)

// inProcess answers with a Go model directly: no HTTP, no JSON.
type inProcess struct{ m modeltest.Model }

func (p inProcess) Predict(_ context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
	out := make([]modelclient.Prediction, len(rows))
	for i, r := range rows {
		v, s := p.m.Predict(r)
		l := "0"
		if v == 1 {
			l = "1"
		}
		out[i] = modelclient.Prediction{Label: l, Value: v, Scores: s}
	}
	return out, nil
}

// benchSample is 30 features, 20 inputs, a linear model over them.
func benchSample(b *testing.B) (*Sample, modeltest.Linear) {
	s := loadBreastCancerB(b)
	w := make([]float64, len(s.Features))
	for j, f := range s.Features {
		w[j] = 1 / f.width()
		if j%2 == 1 {
			w[j] = -w[j]
		}
	}
	m := modeltest.Linear{W: w}
	var mid []float64
	for _, f := range s.Features {
		mid = append(mid, (f.Min+f.Max)/2)
	}
	m.B = -m.Decision(mid)
	for i, x := range s.Rows {
		l, _ := m.Predict(x)
		s.Labels[i] = map[float64]string{0: "0", 1: "1"}[l]
	}
	return s, m
}

func loadBreastCancerB(b *testing.B) *Sample {
	s, err := LoadSample("../examples/sklearn-server/data/breast_cancer.csv", SampleOptions{Label: "benign", Rows: 20, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// reportPerQuery reports wall and CPU time per query.
func reportPerQuery(b *testing.B, queries int64, elapsed, cpu time.Duration) {
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(queries), "ns/query")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(queries), "cpu-ns/query")
	b.ReportMetric(float64(queries)/float64(b.N), "queries/op")
}

// BenchmarkAttackLoopInProcess is mlsec's own cost per query: HopSkipJump
// over 20 inputs of 30 features (5,000 queries each) against a model that
// answers in process, so everything measured is the probe (attack
// arithmetic, range scaling, confirmation, bookkeeping).
func BenchmarkAttackLoopInProcess(b *testing.B) {
	s, m := benchSample(b)
	var q int64
	start, cpu := time.Now(), cputime.Process()
	for b.Loop() {
		rep, err := Robustness(context.Background(), inProcess{m}, s, Options{Attacks: []attack.Attack{attack.HopSkipJump{}}, Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		q += rep.Queries
	}
	reportPerQuery(b, q, time.Since(start), cputime.Process()-cpu)
}

// BenchmarkAttackLoopOverHTTP is the same against the Go model server on
// loopback through modelclient (KServe v2 JSON): the probe plus the
// client's encoding, HTTP and decoding, with a model that costs nothing.
func BenchmarkAttackLoopOverHTTP(b *testing.B) {
	s, m := benchSample(b)
	srv := modeltest.NewServer(m)
	defer srv.Close()
	c, err := modelclient.New(modelclient.Config{Endpoint: srv.URL, Protocol: modelclient.KServeV2, Model: "m"})
	if err != nil {
		b.Fatal(err)
	}
	var q int64
	start, cpu := time.Now(), cputime.Process()
	for b.Loop() {
		rep, err := Robustness(context.Background(), c, s, Options{Attacks: []attack.Attack{attack.HopSkipJump{}}})
		if err != nil {
			b.Fatal(err)
		}
		q += rep.Queries
	}
	// The CPU time includes the Go model server's (same process).
	reportPerQuery(b, q, time.Since(start), cputime.Process()-cpu)
}
