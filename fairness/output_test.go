package fairness

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlsec/mlsec/evidence"
)

var update = flag.Bool("update", false, "rewrite golden output files")

func compile(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	m := doc.(map[string]any)
	id, _ := m["$id"].(string)
	if id == "" {
		id, _ = m["id"].(string)
	}
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("schema: %v\n%s", err, data)
	}
}

// goldenResult evaluates one inline golden case with opt.
func goldenResult(t *testing.T, name string, opt Options) *Result {
	t.Helper()
	for _, c := range readGolden(t).Cases {
		if c.Name != name {
			continue
		}
		d, policy := inlineData(t, c.Input)
		d.Source = Source{Name: name + ".csv", YTrue: "y_true", YPred: "y_pred", PosLabel: labelOf(c.Input.PosLabel).Raw}
		if d.Score != nil {
			d.Source.YScore = "y_score"
		}
		opt.Missing = policy
		res, err := Evaluate(d, opt)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	t.Fatalf("no golden case %s", name)
	return nil
}

func TestJSONMatchesSchema(t *testing.T) {
	t.Parallel()
	s := compile(t, "../docs/schemas/fairness.schema.json")
	for _, c := range readGolden(t).Cases {
		if c.Input.File != "" {
			continue
		}
		opt := DefaultOptions()
		opt.Bootstrap, opt.Seed = 20, 7
		var b bytes.Buffer
		if err := WriteJSON(&b, goldenResult(t, c.Name, opt)); err != nil {
			t.Fatal(err)
		}
		validate(t, s, b.Bytes())
	}
	// The schema is strict: an unknown key is refused.
	var b bytes.Buffer
	if err := WriteJSON(&b, goldenResult(t, "toy", DefaultOptions())); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(b.Bytes(), []byte(`"overall"`), []byte(`"surprise": 1, "overall"`), 1)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if s.Validate(inst) == nil {
		t.Fatal("schema accepted an unknown key")
	}
}

func TestUndefinedIsNullAndExplained(t *testing.T) {
	t.Parallel()
	res := goldenResult(t, "all_zero_predictions", DefaultOptions())
	var b bytes.Buffer
	if err := WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FM map[string]map[string]any `json:"fairness_metrics"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if v, ok := doc.FM[DemographicParityRatio]["between_groups"]; !ok || v != nil {
		t.Fatalf("demographic_parity_ratio = %v, want null", v)
	}
	var text bytes.Buffer
	if err := WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"n/a", "demographic_parity_ratio (between_groups) is undefined (null): every group's selection rate is 0", "FAIL  four-fifths rule: undefined"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
	if res.Passed {
		t.Fatal("an undefined four-fifths ratio must fail the verdict")
	}
}

func TestTextGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"toy", "intersectional_empty_cell", "heavy_imbalance"} {
		opt := DefaultOptions()
		if name == "heavy_imbalance" {
			opt.Bootstrap, opt.Seed = 200, 1
		}
		var b bytes.Buffer
		if err := WriteText(&b, goldenResult(t, name, opt)); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "output", name+".txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s differs from %s (run with -update after checking):\n%s", name, path, b.String())
		}
	}
}

func TestSARIFMatchesSchema(t *testing.T) {
	t.Parallel()
	s := compile(t, "../scan/output/testdata/sarif-schema-2.1.0.json")
	res := goldenResult(t, "tiny_groups", DefaultOptions())
	var b bytes.Buffer
	if err := WriteSARIF(&b, res, SARIFOptions{DataPath: "preds.csv", Version: "test", ExitCode: 1}); err != nil {
		t.Fatal(err)
	}
	validate(t, s, b.Bytes())
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range log.Runs[0].Results {
		got[r.RuleID]++
	}
	// tiny_groups: DPD 1.0 and ratio 0 fail; four groups under 30 rows;
	// "solo" has no negatives, "one" none either.
	if got[RuleDemographicParity] != 1 || got[RuleFourFifths] != 1 || got[RuleSmallGroup] != 4 || got[RuleUnmeasuredRate] == 0 {
		t.Fatalf("SARIF results by rule: %v", got)
	}
}

func TestEvidenceRecord(t *testing.T) {
	t.Parallel()
	opt := DefaultOptions()
	opt.Bootstrap, opt.Seed = 50, 3
	res := goldenResult(t, "all_zero_predictions", opt)
	digest := strings.Repeat("ab", 32)
	rec, err := res.Evidence(evidence.NewSubject("credit", digest), "test", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, compile(t, "../docs/schemas/evidence.schema.json"), raw)
	items, err := evidence.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	got, err := items[0].DecodeResult()
	if err != nil {
		t.Fatal(err)
	}
	fr := got.(*evidence.FairnessResult)
	if len(fr.Metrics) != 2*numHeadline || fr.Rows != 6 || fr.Passed == nil || *fr.Passed {
		t.Fatalf("result %+v", fr)
	}
	if m := fr.Metric(DemographicParityRatio, MethodBetweenGroups); m == nil || m.Value != nil {
		t.Fatalf("undefined ratio must be null in evidence: %+v", m)
	}
	if m := fr.Metric(DemographicParityDifference, MethodBetweenGroups); m == nil || m.Value == nil || *m.Value != 0 || m.CILow == nil {
		t.Fatalf("dpd %+v", m)
	}
	if fr.FourFifths == nil || fr.FourFifths.Passed || fr.FourFifths.Ratio != nil {
		t.Fatalf("four-fifths %+v", fr.FourFifths)
	}
}
