package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/modelclient/modeltest"
)

const probeData = "../../../../examples/sklearn-server/data/breast_cancer.csv"

// probeServer serves a linear model over the breast-cancer columns: it
// answers 1 when "mean radius" < 14 (in input units).
func probeServer(t *testing.T) *modeltest.Server {
	t.Helper()
	w := make([]float64, 30)
	w[0] = -1
	srv := modeltest.NewServer(modeltest.Linear{W: w, B: 14})
	t.Cleanup(srv.Close)
	return srv
}

func probeArgs(srv *modeltest.Server, sub string, extra ...string) []string {
	args := []string{"probe", sub, "--endpoint", srv.URL, "--protocol", "kserve-v2", "--served-model", "bc",
		"--data", probeData, "--label", "benign", "--rows", "8", "--no-progress"}
	if sub == "explain" {
		args = []string{"probe", sub, "--endpoint", srv.URL, "--protocol", "kserve-v2", "--served-model", "bc",
			"--data", probeData, "--label", "benign", "--reasons", "2", "--batch", "600"}
	}
	return append(args, extra...)
}

func TestProbeRobustnessTableJSONHTMLAndEvidence(t *testing.T) {
	srv := probeServer(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if err := os.MkdirAll(model, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(model, "model.joblib"), []byte("weights"), 0o644)
	// An evidence file already in the folder must not change the digest.
	_ = os.WriteFile(filepath.Join(model, "old.evidence.json"), []byte("{}"), 0o644)

	stdout, stderr, code := scanCLI(t, probeArgs(srv, "robustness", "--attack", "hsj,featurewise", "--budget", "600", "--min-robust-accuracy", "0.99")...)
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1 (limits broken); stderr %q\n%s", code, stderr, stdout)
	}
	for _, want := range []string{"Robustness of " + srv.URL + " (kserve-v2 bc) on breast_cancer.csv: 8 of 569 rows", "hsj", "featurewise", "in mean radius", "Result: FAIL"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}

	ev := filepath.Join(dir, "rob.evidence.json")
	out := filepath.Join(dir, "rob.json")
	_, stderr, code = scanCLI(t, probeArgs(srv, "robustness", "--attack", "featurewise", "--format", "json", "-o", out,
		"--min-robust-accuracy", "0", "--min-relative-perturbation", "0", "--evidence", ev, "--model", model, "--model-name", "bc")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Complete bool `json:"complete"`
		Attacks  []struct {
			Examples []struct {
				Row         int       `json:"row"`
				Original    []float64 `json:"original"`
				Adversarial []float64 `json:"adversarial"`
				LabelBefore string    `json:"label_before"`
				LabelAfter  string    `json:"label_after"`
				L2          *float64  `json:"l2"`
				LInf        *float64  `json:"linf"`
				Queries     int       `json:"queries"`
			} `json:"examples"`
		} `json:"attacks"`
		Traffic struct {
			Requests int64 `json:"requests"`
		} `json:"traffic"`
	}
	data, _ := os.ReadFile(out)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	e := rep.Attacks[0].Examples[0]
	if !rep.Complete || len(rep.Attacks[0].Examples) != 8 || len(e.Original) != 30 || len(e.Adversarial) != 30 ||
		e.LabelBefore == e.LabelAfter || e.L2 == nil || e.LInf == nil || e.Queries == 0 || rep.Traffic.Requests == 0 {
		t.Errorf("JSON report: %+v", rep)
	}
	items, err := evidence.ReadFile(ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].Type != evidence.TypeRobustness || items[0].Subject.Name != "bc" {
		t.Fatalf("evidence %+v", items[0].Record)
	}
	res, _ := items[0].DecodeResult()
	rr := res.(*evidence.RobustnessResult)
	if rr.Space != "range" || rr.Dataset != "breast_cancer.csv" || len(rr.Attacks) != 1 || *rr.Attacks[0].Epsilon != 0.1 {
		t.Errorf("robustness result %+v", rr)
	}

	html := filepath.Join(dir, "rob.html")
	if _, stderr, code = scanCLI(t, probeArgs(srv, "robustness", "--attack", "featurewise", "--format", "html", "-o", html, "--min-robust-accuracy", "0")...); code != ExitOK {
		t.Fatalf("html: exit %d %s", code, stderr)
	}
	page, _ := os.ReadFile(html)
	for _, want := range []string{"<h1>How easily can this model be fooled?</h1>", "One feature at a time", "What the words mean"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(string(page), "<script") {
		t.Error("HTML must not need JavaScript")
	}
}

func TestProbeEvidenceDigestIgnoresAttachments(t *testing.T) {
	srv := probeServer(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "m")
	_ = os.MkdirAll(model, 0o755)
	_ = os.WriteFile(filepath.Join(model, "model.joblib"), []byte("weights"), 0o644)
	digest := func() string {
		ev := filepath.Join(dir, "e.evidence.json")
		if _, stderr, code := scanCLI(t, probeArgs(srv, "robustness", "--attack", "featurewise", "--min-robust-accuracy", "0", "--evidence", ev, "--model", model)...); code != ExitOK {
			t.Fatalf("exit %d %s", code, stderr)
		}
		items, err := evidence.ReadFile(ev, nil)
		if err != nil {
			t.Fatal(err)
		}
		return items[0].Subject.SHA256()
	}
	before := digest()
	_ = os.WriteFile(filepath.Join(model, "robustness.evidence.json"), []byte("{}"), 0o644)
	_ = os.WriteFile(filepath.Join(model, "model.cdx.json"), []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6"}`), 0o644)
	if after := digest(); after != before {
		t.Errorf("digest changed from %s to %s when evidence and a BOM were added to the folder", before, after)
	}
}

func TestProbeExplain(t *testing.T) {
	srv := probeServer(t)
	dir := t.TempDir()
	ev := filepath.Join(dir, "x.evidence.json")
	stdout, stderr, code := scanCLI(t, probeArgs(srv, "explain", "--evidence", ev,
		"--model-digest", strings.Repeat("ab", 32), "--model-name", "bc")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Permutation importance of", "1     mean radius", "mean radius ↓ lowered the score most", "row 0, answer 0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	items, err := evidence.ReadFile(ev, nil)
	if err != nil || items[0].Type != evidence.TypeExplainability || items[0].Subject.SHA256() != strings.Repeat("ab", 32) {
		t.Fatalf("evidence %v %+v", err, items)
	}
	html := filepath.Join(dir, "x.html")
	if _, stderr, code := scanCLI(t, probeArgs(srv, "explain", "--format", "html", "-o", html, "--reasons", "1")...); code != ExitOK {
		t.Fatalf("html exit %d %s", code, stderr)
	}
	page, _ := os.ReadFile(html)
	if !strings.Contains(string(page), "What does this model's answer depend on?") || !strings.Contains(string(page), "mean radius") {
		t.Errorf("HTML page:\n%s", page)
	}
}

func TestProbeUsageAndEndpointErrors(t *testing.T) {
	srv := probeServer(t)
	down := modeltest.NewServer(modeltest.Linear{W: make([]float64, 30)})
	downURL := down.URL
	down.Close()
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"no endpoint", []string{"probe", "robustness", "--data", probeData}, "--endpoint URL and --protocol"},
		{"bad protocol", []string{"probe", "robustness", "--endpoint", srv.URL, "--protocol", "grpc", "--data", probeData}, `protocol "grpc"`},
		{"kserve without name", []string{"probe", "robustness", "--endpoint", srv.URL, "--protocol", "kserve-v2", "--data", probeData}, "needs --served-model"},
		{"bad attack", probeArgs(srv, "robustness", "--attack", "pgd"), `--attack "pgd"`},
		{"bad format", probeArgs(srv, "robustness", "--format", "pdf"), `--format "pdf"`},
		{"evidence without model", probeArgs(srv, "robustness", "--evidence", "e.json"), "--evidence needs --model PATH or --model-digest"},
		{"bad digest", probeArgs(srv, "robustness", "--evidence", "e.json", "--model-digest", "xyz", "--model-name", "m"), "want 64 hex digits"},
		{"bad range", probeArgs(srv, "robustness", "--range", "mean radius=3"), "want COL=MIN:MAX"},
		{"text feature", []string{"probe", "robustness", "--endpoint", srv.URL, "--protocol", "mlflow", "--data", "../../../../policy/testdata/decisions/fairness-robustness-fail/input.json"}, "input.json"},
		{"explain without label", []string{"probe", "explain", "--endpoint", srv.URL, "--protocol", "mlflow", "--data", probeData}, "--label COL is required"},
		{"endpoint down", []string{"probe", "robustness", "--endpoint", downURL, "--protocol", "mlflow", "--data", probeData, "--retries", "0"}, "Is the model server running at --endpoint?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := scanCLI(t, tc.args...)
			if code != ExitUsage || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.msg)
			}
		})
	}
}

func TestProbeIncompleteReportExitsTwoWithoutEvidence(t *testing.T) {
	srv := probeServer(t)
	dir := t.TempDir()
	ev := filepath.Join(dir, "e.evidence.json")
	stdout, stderr, code := scanCLI(t, probeArgs(srv, "robustness", "--attack", "hsj", "--max-queries", "300",
		"--evidence", ev, "--model-digest", strings.Repeat("cd", 32), "--model-name", "bc")...)
	if code != ExitUsage || !strings.Contains(stdout, "INCOMPLETE") || !strings.Contains(stderr, "query budget exhausted") || !strings.Contains(stderr, "Raise --max-queries") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if _, err := os.Stat(ev); !os.IsNotExist(err) {
		t.Error("a partial probe must not write evidence")
	}
}
