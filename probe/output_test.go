package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/schematest"
	"github.com/mlsec/mlsec/modelclient/modeltest"
	"github.com/mlsec/mlsec/probe/attack"
	"github.com/mlsec/mlsec/probe/explain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/output")

// fixedNow makes reports deterministic (zero seconds, a fixed date).
func fixedNow() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }

// goldenReports probes an in-process linear model of the credit table.
func goldenReports(t *testing.T) (*RobustnessReport, *ExplainReport) {
	t.Helper()
	s := creditSample(t, 12)
	s.Name, s.SHA256 = "credit.csv", "" // the temp path and content vary
	m := inProcess{modeltest.Func(func(x []float64) (float64, []float64) { return creditModel.Predict(x[:3]) })}
	rob, err := Robustness(context.Background(), m, s, Options{Attacks: []attack.Attack{attack.HopSkipJump{}, attack.Featurewise{}, attack.SimBA{}},
		Budget: 800, Seed: 1, Workers: 1, MinRobustAccuracy: 0.5, MinRelativePerturbation: 0.01, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	rob.Served("http://127.0.0.1:8501", "kserve-v2", "credit", &Traffic{Requests: 10, LatencyP50Ms: 1, LatencyP99Ms: 2})
	exp, err := Explain(context.Background(), m, s, ExplainOptions{Importance: explain.Options{Repeats: 3, Seed: 1}, ReasonRows: 2, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return rob, exp
}

// TestOutputGolden pins the table, JSON and HTML renderings (go test
// ./probe -run TestOutputGolden -update rewrites them; review the diff).
func TestOutputGolden(t *testing.T) {
	rob, exp := goldenReports(t)
	for _, tc := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"robustness.txt", func(b *bytes.Buffer) error { return rob.WriteTable(b) }},
		{"robustness.json", func(b *bytes.Buffer) error { return WriteJSON(b, rob) }},
		{"robustness.html", func(b *bytes.Buffer) error { return rob.WriteHTML(b) }},
		{"explain.txt", func(b *bytes.Buffer) error { return exp.WriteTable(b) }},
		{"explain.html", func(b *bytes.Buffer) error { return exp.WriteHTML(b) }},
	} {
		var b bytes.Buffer
		if err := tc.write(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "output", tc.file)
		if *update {
			_ = os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs from the golden file (go test ./probe -run TestOutputGolden -update, then review the diff)", tc.file)
		}
	}
}

// TestEvidenceMatchesSchema builds both records from real reports and
// validates them against docs/schemas/evidence.schema.json.
func TestEvidenceMatchesSchema(t *testing.T) {
	rob, exp := goldenReports(t)
	schema := schematest.Compile(t, "../docs/schemas/evidence.schema.json")
	sub := evidence.NewSubject("credit", "4f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b")
	for _, build := range []func() (evidence.Record, error){
		func() (evidence.Record, error) { return rob.Evidence(sub, "test", fixedNow()) },
		func() (evidence.Record, error) { return exp.Evidence(sub, "test", fixedNow()) },
	} {
		rec, err := build()
		if err != nil {
			t.Fatal(err)
		}
		schematest.Validate(t, schema, rec)
	}
	res, _ := func() (evidence.Record, error) { return rob.Evidence(sub, "test", fixedNow()) }()
	var rr evidence.RobustnessResult
	_ = json.Unmarshal(res.Result, &rr)
	if len(rr.Attacks) != 3 || *rr.Attacks[0].Epsilon != DefaultEpsilon || rr.Space != "range" || rr.Passed == nil {
		t.Errorf("robustness result %+v", rr)
	}
	rob.Complete = false
	if _, err := rob.Evidence(sub, "test", fixedNow()); err != ErrIncomplete {
		t.Errorf("an incomplete report must not make evidence: %v", err)
	}
}
