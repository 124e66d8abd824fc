package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/schematest"
)

const adultData = "../../../../drift/testdata/data/"

const modelDigest = "4f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"

func TestDriftAdult(t *testing.T) {
	t.Parallel()
	ref, shifted := adultData+"adult-train.csv.gz", adultData+"adult-test-shifted.csv.gz"
	out, errb, code := scanCLI(t, "drift", ref, shifted, "--trim-space")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, want := range []string{"3 of 15 columns drifted (share 0.200, drift share 0.5): no dataset drift",
		"age: Wasserstein distance (normed) 0.7467 ≥ threshold 0.1: drift", "hours_per_week"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A lower drift share makes the same comparison a dataset drift: exit 1,
	// and the evidence is written, bound to the model version.
	dir := t.TempDir()
	ev := filepath.Join(dir, "drift.json")
	_, errb, code = scanCLI(t, "drift", ref, shifted, "--trim-space", "--drift-share", "0.2", "--format", "json", "-o", filepath.Join(dir, "r.json"),
		"--evidence", ev, "--model-digest", modelDigest, "--model-name", "adult-model", "--reference-role", "training", "--current-role", "evaluation")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1: %s", code, errb)
	}
	items, err := evidence.ReadFile(ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := items[0].DecodeResult()
	if err != nil {
		t.Fatal(err)
	}
	d := res.(*evidence.DriftResult)
	if !d.Drifted || d.NumberOfDriftedColumns != 3 || d.Reference.Role != "training" || d.Current.Role != "evaluation" || items[0].Subject.SHA256() != modelDigest {
		t.Fatalf("evidence %+v", d)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	validateDriftReport(t, raw)
	// HTML for people.
	out, _, code = scanCLI(t, "drift", ref, shifted, "--trim-space", "--format", "html")
	if code != ExitOK || !strings.Contains(out, `>age</a></td>`) || strings.Count(out, "<svg") < 15 || !strings.Contains(out, "drifted") || strings.Contains(out, "<script") ||
		!strings.Contains(out, "Largest change: &lt;=50K., 0.0% of the reference") {
		t.Fatalf("html exit %d:\n%.400s", code, out)
	}
}

func validateDriftReport(t *testing.T, raw []byte) {
	t.Helper()
	schematest.Validate(t, schematest.Compile(t, "../../../../docs/schemas/drift-report.schema.json"), raw)
	var rep struct{ Columns []json.RawMessage }
	if json.Unmarshal(raw, &rep) != nil || len(rep.Columns) != 15 {
		t.Fatalf("report has %d columns", len(rep.Columns))
	}
}

// Bad input is an error naming the file, line or column, exit 2, and no
// evidence is written.
func TestDriftBadInput(t *testing.T) {
	t.Parallel()
	good := "a,b\n1,x\n2,y\n3,x\n"
	cases := []struct {
		name, ref, cur string
		args           []string
		want           string
	}{
		{"mismatched columns", good, "a,c\n1,x\n", nil, "only in ref.csv: b; only in cur.csv: c"},
		{"all-NaN column", good, "a,b\n,x\n,y\n", nil, `a (no value left in the current table`},
		{"empty file", good, "", nil, "cur.csv"},
		{"header only", good, "a,b\n", nil, "cur.csv"},
		{"ragged row", good, "a,b\n1,x\n2,y,z\n", nil, "cur.csv:3"},
		{"invalid UTF-8", good, "a,b\n1,\xff\xfe\n", nil, "cur.csv:2"},
		{"unknown method", good, good, []string{"--method", "a=perc_text_content_drift"}, "domain classifier"},
		{"missing selected column", good, "a,c\n1,x\n", []string{"--columns", "a,b"}, "cur.csv"},
		{"method on wrong type", good, good, []string{"--method", "b=ks"}, `method ks does not apply to categorical column "b"`},
		{"bad drift share", good, good, []string{"--drift-share", "1.5"}, "--drift-share"},
		{"evidence without model", good, good, nil, "--evidence needs --model"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := writeFiles(t, map[string]string{"ref.csv": c.ref, "cur.csv": c.cur})
			ev := filepath.Join(dir, "ev.json")
			args := append([]string{"drift", filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv"), "--evidence", ev}, c.args...)
			if c.name != "evidence without model" {
				args = append(args, "--model-digest", modelDigest, "--model-name", "m")
			}
			_, errb, code := scanCLI(t, args...)
			if code != ExitUsage || !strings.Contains(errb, c.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb, c.want)
			}
			if _, err := os.Stat(ev); !os.IsNotExist(err) {
				t.Fatalf("evidence written on bad input (%v)", err)
			}
		})
	}
}

func TestDriftProfile(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "p.json")
	_, errb, code := scanCLI(t, "drift", "profile", adultData+"adult-train.csv.gz", "--trim-space", "-o", out)
	if code != ExitOK || !strings.Contains(errb, "profiled 32561 rows, 15 columns") {
		t.Fatalf("exit %d: %s", code, errb)
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(data, []byte(`"schema":"https://mlsec.dev/drift-profile/v1"`)) {
		t.Fatalf("profile %v %.200s", err, data)
	}
}
