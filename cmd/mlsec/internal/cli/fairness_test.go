package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/manifest"
)

const adultPredictions = "../../../../fairness/testdata/adult/adult-predictions.csv.gz"

var adultArgs = []string{"fairness", adultPredictions, "--y-true", "income", "--y-pred", "prediction", "--y-score", "score", "--pos-label", ">50K"}

// fairModel writes a one-file model folder and returns its OMS root digest.
func fairModel(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"coefficients": [0.5]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := manifest.Identity(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(d)
}

func TestFairnessTableOnAdult(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(append(adultArgs, "--sensitive", "sex")...)
	if code != ExitFindings {
		t.Fatalf("exit %d (the Adult model fails the four-fifths rule), stderr %s", code, errOut)
	}
	for _, want := range []string{"by sex: 16281 rows, 2 groups", "sex=Female", "demographic_parity_difference   0.1711", "FAIL  four-fifths rule", "Verdict: FAILED"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestFairnessHTML(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "adult.html")
	code, _, errOut := runCLI(append(adultArgs, "--sensitive", "race,sex", "--format", "html", "-o", out)...)
	if code != ExitFindings {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"<svg", "four-fifths line", "Black × Female", "the lowest rate is 14.0% of the highest"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestFairnessEvidenceAndJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	digest := fairModel(t, model)
	ev := filepath.Join(dir, "fair.evidence.json")
	report := filepath.Join(dir, "report.json")
	code, _, errOut := runCLI(append(adultArgs, "--sensitive", "race,sex", "--bootstrap", "100", "--seed", "5",
		"--format", "json", "-o", report, "--model", model, "--model-name", "adult-income", "--evidence", ev)...)
	if code != ExitFindings {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	items, err := evidence.ReadFile(ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := items[0]
	if rec.Type != evidence.TypeFairness || rec.Subject.SHA256() != digest || rec.Subject.Name != "adult-income" {
		t.Fatalf("record %s %s (model digest %s)", rec.Type, rec.Subject, digest)
	}
	res, _ := rec.DecodeResult()
	fr := res.(*evidence.FairnessResult)
	m := fr.Metric("demographic_parity_difference", "between_groups")
	if m == nil || m.Value == nil || m.CILow == nil || m.Attribute != "race*sex" || fr.BootstrapResamples != 100 || len(fr.DatasetSHA256) != 64 {
		t.Fatalf("fairness result %+v / %+v", fr, m)
	}
	// Running again with the evidence now inside the model folder binds
	// to the same digest (push leaves evidence files out of it).
	for range 2 {
		if code, _, errOut := runCLI(append(adultArgs, "--sensitive", "sex", "--model", model, "--evidence", filepath.Join(model, "f.evidence.json"))...); code != ExitFindings {
			t.Fatalf("run with the evidence in the folder: exit %d, %s", code, errOut)
		}
	}
	again, err := evidence.ReadFile(filepath.Join(model, "f.evidence.json"), nil)
	if err != nil || again[0].Subject.SHA256() != digest || again[0].Subject.Name != "model" {
		t.Fatalf("second run bound to %s, want %s (%v)", again[0].Subject, digest, err)
	}
	var doc map[string]any
	b, _ := os.ReadFile(report)
	if err := json.Unmarshal(b, &doc); err != nil || doc["schema"] != "https://mlsec.dev/fairness/v1" {
		t.Fatalf("report: %v %v", err, doc["schema"])
	}
}

func TestFairnessBadInput(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 1<<20+10)
	cases := []struct {
		name, data string
		args       []string
		want       []string
	}{
		{"missing column", "y,p,sex\n1,1,F\n", []string{"--sensitive", "gender"}, []string{"gender", "sex", "--sensitive"}},
		{"third label", "y,p,sex\n1,1,F\n0,0,M\n2,1,F\n", nil, []string{"data.csv:4", `column "y"`, `"2" is a third value`}},
		{"non-binary prediction", "y,p,sex\n1,1,F\n0,0,M\n1,0.5,F\n", nil, []string{"data.csv:4", `column "p"`, "third value"}},
		{"missing label", "y,p,sex\n1,1,F\n,0,M\n", nil, []string{"data.csv:3", `column "y"`, "missing label"}},
		{"empty file", "", nil, []string{"data.csv", "empty"}},
		{"header only", "y,p,sex\n", nil, []string{"data.csv", "no data rows"}},
		{"ragged line", "y,p,sex\n1,1,F\n0,0\n", nil, []string{"data.csv:3", "ragged"}},
		{"invalid UTF-8", "y,p,sex\n1,1,F\n0,0,M\xff\xfe\n", nil, []string{"data.csv:3", "UTF-8"}},
		{"huge field", "y,p,sex\n1,1,F\n0,0," + huge + "\n", nil, []string{"data.csv:3", "sex"}},
		{"missing sensitive string", "y,p,sex\n1,1,F\n0,0,\n", nil, []string{"data.csv:3", `column "sex"`, "--missing drop"}},
		{"labels need --pos-label", "y,p,sex\nyes,no,F\nno,no,M\n", nil, []string{"--pos-label", `"yes" and "no"`}},
		{"pos label absent", "y,p,sex\n1,1,F\n0,0,M\n", []string{"--pos-label", "yes"}, []string{`positive label "yes" is neither "1" nor "0"`}},
		{"score not a number", "y,p,s,sex\n1,1,0.3,F\n0,0,high,M\n", []string{"--y-score", "s"}, []string{"data.csv:3", `column "s"`, "not a number"}},
		{"bad missing policy", "y,p,sex\n1,1,F\n", []string{"--missing", "ignore"}, []string{"--missing", "auto, error, drop or group"}},
		{"evidence without model", "y,p,sex\n1,1,F\n", []string{"--evidence", "EV"}, []string{"--model PATH"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			data := filepath.Join(dir, "data.csv")
			if err := os.WriteFile(data, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			model := filepath.Join(dir, "model")
			fairModel(t, model)
			ev, out := filepath.Join(dir, "f.evidence.json"), filepath.Join(dir, "out.json")
			args := []string{"fairness", data, "--y-true", "y", "--y-pred", "p", "--sensitive", "sex", "-o", out, "--format", "json"}
			hasEv := false
			for i, a := range c.args {
				if a == "EV" {
					c.args[i] = ev
					hasEv = true
				}
			}
			if !hasEv {
				args = append(args, "--model", model, "--evidence", ev)
			}
			// Later flags win: the case's own come last.
			code, stdout, stderr := runCLI(append(args, c.args...)...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want 2; stdout %s stderr %s", code, stdout, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, stderr)
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "data.csv" && e.Name() != "model" {
					t.Errorf("left %s behind", e.Name())
				}
			}
		})
	}
}
