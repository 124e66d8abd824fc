package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/modelclient/modeltest"
	"github.com/mlsec/mlsec/probe/attack"
)

// creditModel decides on three features of very different scales:
// income (thousands), debt ratio (0..1) and age (whole years).
var creditModel = modeltest.Linear{W: []float64{0.04, -6, 0.03}, B: -1.5}

// writeCredit writes a table of n rows with the model's labels and
// returns its path.
func writeCredit(t testing.TB, n int) string {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("income,debt_ratio,age,segment,approved\n")
	for range n {
		x := []float64{20 + 130*r.Float64(), r.Float64(), float64(18 + r.IntN(60))}
		l, _ := creditModel.Predict(x)
		fmt.Fprintf(&b, "%.3f,%.4f,%d,%d,%d\n", x[0], x[1], int(x[2]), r.IntN(3), int(l))
	}
	path := filepath.Join(t.TempDir(), "credit.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// serve starts a Go model server that ignores the segment column.
func serve(t testing.TB, m modeltest.Linear) (*modeltest.Server, *modelclient.Client) {
	t.Helper()
	srv := modeltest.NewServer(modeltest.Func(func(x []float64) (float64, []float64) { return m.Predict(x[:3]) }))
	t.Cleanup(srv.Close)
	c, err := modelclient.New(modelclient.Config{Endpoint: srv.URL, Protocol: modelclient.KServeV2, Model: "credit", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func creditSample(t testing.TB, n int) *Sample {
	s, err := LoadSample(writeCredit(t, 200), SampleOptions{Label: "approved", Categorical: []string{"segment"}, Rows: n, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// exactRange is the exact L2 distance to the boundary in range units.
func exactRange(m modeltest.Linear, feats []Feature, x []float64) float64 {
	wu := make([]float64, len(m.W))
	var n2 float64
	for j, w := range m.W {
		wu[j] = w * feats[j].width()
		n2 += wu[j] * wu[j]
	}
	return math.Abs(m.Decision(x)) / math.Sqrt(n2)
}

func TestRobustnessOverHTTP(t *testing.T) {
	t.Parallel()
	srv, c := serve(t, creditModel)
	s := creditSample(t, 20)
	rep, err := Robustness(context.Background(), c, s, Options{Seed: 1, Attacks: []attack.Attack{
		attack.HopSkipJump{}, attack.Featurewise{}}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete || rep.Inputs != 20 || *rep.CleanAccuracy != 1 {
		t.Fatalf("report: complete %v, inputs %d, clean accuracy %v", rep.Complete, rep.Inputs, *rep.CleanAccuracy)
	}
	if rep.Queries != srv.Rows.Load() {
		t.Errorf("report counts %d queries, the server saw %d rows", rep.Queries, srv.Rows.Load())
	}
	hsj := rep.Attacks[0]
	var ratios []float64
	for _, e := range hsj.Examples {
		if e.Status != StatusAdversarial {
			continue
		}
		// Every adversarial input really flips the served answer.
		ps, err := c.Predict(context.Background(), [][]float64{e.Adversarial})
		if err != nil || ps[0].Label == e.LabelBefore || ps[0].Label != e.LabelAfter {
			t.Errorf("row %d: re-sent adversarial answers %v (before %s, after %s)", e.Row, ps, e.LabelBefore, e.LabelAfter)
		}
		if a := e.Adversarial[2]; a != math.Round(a) {
			t.Errorf("row %d: integer feature age is %v", e.Row, a)
		}
		if e.Adversarial[3] != e.Original[3] {
			t.Errorf("row %d: hsj changed the categorical segment", e.Row)
		}
		ratios = append(ratios, *e.L2Range/exactRange(creditModel, s.Features, e.Original))
	}
	if hsj.Succeeded < 18 {
		t.Fatalf("hsj fooled %d of 20 inputs", hsj.Succeeded)
	}
	slices.Sort(ratios)
	// Rounding age to whole years moves the point a little off the
	// continuous optimum, so the bound is looser than the attack's own.
	if med := ratios[len(ratios)/2]; med > 1.25 || ratios[0] < 0.9 {
		t.Errorf("found/exact range-unit distance: median %.3f, min %.3f", med, ratios[0])
	}
	fw := rep.Attacks[1]
	for _, e := range fw.Examples {
		if e.Status == StatusAdversarial && len(e.Changed) != 1 {
			t.Errorf("featurewise changed %v", e.Changed)
		}
	}
	if hsj.RobustAccuracy < 0 || hsj.Curve[0].RobustAccuracy < hsj.Curve[len(hsj.Curve)-1].RobustAccuracy {
		t.Errorf("robust accuracy must not rise with ε: %+v", hsj.Curve)
	}
}

func TestNondeterministicModelRefused(t *testing.T) {
	t.Parallel()
	srv, c := serve(t, creditModel)
	srv.SetFaults(modeltest.Faults{Flip: true})
	_, err := Robustness(context.Background(), c, creditSample(t, 10), Options{})
	var nd *NondeterministicError
	if !errors.As(err, &nd) || len(nd.Rows) == 0 || !strings.Contains(err.Error(), "make the served model deterministic") {
		t.Fatalf("err = %v, want a NondeterministicError", err)
	}
}

func TestServerFailureMidProbeGivesPartialReport(t *testing.T) {
	t.Parallel()
	srv, c := serve(t, creditModel)
	s := creditSample(t, 8)
	fail := func(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
		if srv.Requests.Load() > 40 {
			srv.SetFaults(modeltest.Faults{FailFirst: 1 << 30, FailStatus: 500})
		}
		return c.Predict(ctx, rows)
	}
	rep, err := Robustness(context.Background(), modelFunc(fail), s, Options{Workers: 1, Attacks: []attack.Attack{attack.HopSkipJump{}}})
	if !errors.Is(err, modelclient.ErrServer) || rep == nil {
		t.Fatalf("err = %v, report %v: want ErrServer with a partial report", err, rep)
	}
	if rep.Complete || rep.Error == "" || rep.Attacks[0].Attempted >= 8 || rep.Passed != nil {
		t.Fatalf("partial report: complete %v, error %q, attempted %d", rep.Complete, rep.Error, rep.Attacks[0].Attempted)
	}
	if !strings.Contains(err.Error(), "hsj attack stopped after") {
		t.Errorf("err %q should say where the probe stopped", err)
	}
}

type modelFunc func(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error)

func (f modelFunc) Predict(ctx context.Context, rows [][]float64) ([]modelclient.Prediction, error) {
	return f(ctx, rows)
}

func TestBadEndpoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		faults modeltest.Faults
		kind   error
		cfg    modelclient.Config
	}{
		{"errors", modeltest.Faults{FailFirst: 1 << 30}, modelclient.ErrServer, modelclient.Config{}},
		{"wrong shape", modeltest.Faults{WrongCount: true}, modelclient.ErrShape, modelclient.Config{}},
		{"wrong type", modeltest.Faults{WrongType: true}, modelclient.ErrShape, modelclient.Config{}},
		{"slower than the timeout", modeltest.Faults{Delay: time.Second}, modelclient.ErrTimeout, modelclient.Config{Timeout: 30 * time.Millisecond}},
		{"down", modeltest.Faults{}, modelclient.ErrUnavailable, modelclient.Config{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := modeltest.NewServer(creditModel)
			srv.SetFaults(tc.faults)
			cfg := tc.cfg
			cfg.Endpoint, cfg.Protocol, cfg.Model, cfg.Retries = srv.URL, modelclient.KServeV2, "m", -1
			if tc.kind == modelclient.ErrUnavailable {
				srv.Close()
			} else {
				defer srv.Close()
			}
			c, _ := modelclient.New(cfg)
			rep, err := Robustness(context.Background(), c, creditSample(t, 5), Options{})
			if !errors.Is(err, tc.kind) || rep != nil {
				t.Fatalf("err = %v, report %v: want %v and no report", err, rep, tc.kind)
			}
			if !strings.Contains(err.Error(), "asking the model about the sample") {
				t.Errorf("err %q should say what was being done", err)
			}
		})
	}
}

func TestSampleRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	for _, tc := range []struct {
		body string
		opt  SampleOptions
		msg  string
	}{
		{"a,b\n1,x\n2,y\n", SampleOptions{}, `column "b" is string (e.g. "x")`},
		{"a,b\n1,\n2,3\n", SampleOptions{}, `"b" has 1 missing values`},
		{"a,b\n1,2\n", SampleOptions{Features: []string{"a", "c"}}, `no column "c"`},
		{"a,b\n1,2\n", SampleOptions{Label: "y"}, `no label column "y"`},
		{"a,b\n1,2\n3,4\n", SampleOptions{Ranges: map[string][2]float64{"a": {2, 5}}}, "must hold every value"},
		{"a,b\n1,2\n", SampleOptions{Integer: []string{"z"}}, `"z" is not one of the features`},
	} {
		_, err := LoadSample(write("t.csv", tc.body), tc.opt)
		if !strings.Contains(fmt.Sprint(err), tc.msg) {
			t.Errorf("%q %+v: err = %v, want %q", tc.body, tc.opt, err, tc.msg)
		}
	}
}

func TestSampleKindsAndRows(t *testing.T) {
	t.Parallel()
	s := creditSample(t, 10)
	kinds := []Kind{s.Features[0].Kind, s.Features[1].Kind, s.Features[2].Kind, s.Features[3].Kind}
	if !slices.Equal(kinds, []Kind{Continuous, Continuous, Integer, Categorical}) || !slices.Equal(s.Features[3].Values, []float64{0, 1, 2}) {
		t.Fatalf("kinds %v, segment values %v", kinds, s.Features[3].Values)
	}
	if len(s.Rows) != 10 || !slices.IsSorted(s.Index) || s.TableRows != 200 || len(s.SHA256) != 64 {
		t.Fatalf("rows %d, index %v, table rows %d", len(s.Rows), s.Index, s.TableRows)
	}
	again := creditSample(t, 10)
	if !slices.Equal(again.Index, s.Index) {
		t.Error("the same seed must pick the same rows")
	}
}
