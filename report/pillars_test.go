package report

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// fakeSource serves fixed registry data (unit tests of the rules; the
// end-to-end test uses a real server).
type fakeSource struct {
	versions []registry.Version
	reqs     []registry.DecisionRequest
	ev       map[int][]registry.Evidence
	cpErr    error
}

func (f *fakeSource) GetModel(context.Context, string) (registry.Model, error) {
	return registry.Model{Name: "m"}, nil
}
func (f *fakeSource) ListVersions(context.Context, string, client.VersionQuery) (client.List[registry.Version], error) {
	return client.List[registry.Version]{Items: f.versions}, nil
}
func (f *fakeSource) Owners(context.Context, string) (registry.Governance, error) {
	return registry.Governance{}, nil
}
func (f *fakeSource) ListRequests(context.Context, string, registry.RequestStatus, registry.Page) (client.List[registry.DecisionRequest], error) {
	return client.List[registry.DecisionRequest]{Items: f.reqs}, nil
}
func (f *fakeSource) ListEvidence(_ context.Context, _ string, n int, _ client.EvidenceQuery) (client.List[registry.Evidence], error) {
	return client.List[registry.Evidence]{Items: f.ev[n]}, nil
}
func (f *fakeSource) Lineage(context.Context, string, int) ([]registry.LineageEdge, error) {
	return nil, nil
}
func (f *fakeSource) ListDatasets(context.Context, registry.Page) (client.List[registry.Dataset], error) {
	return client.List[registry.Dataset]{}, nil
}
func (f *fakeSource) TrainingData(context.Context, string, int) ([]registry.TrainingDataset, error) {
	return nil, nil
}
func (f *fakeSource) History(context.Context, string) ([]registry.HistoryEntry, error) {
	return nil, nil
}
func (f *fakeSource) AuditLogCheckpoint(context.Context) ([]byte, error) {
	return nil, f.cpErr
}

const digest = "6c8faa164120a6746ce8425366855489e834ce6eabf528121634cf0d8299da7f"

func rec(t *testing.T, id int64, typ string, result any) registry.Evidence {
	t.Helper()
	r, err := evidence.New(typ, evidence.NewSubject("m", digest), "1", time.Unix(1e9+id, 0), result)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(r)
	return registry.Evidence{ID: id, Type: typ, Producer: "mlsec", Timestamp: r.Timestamp, Body: body, CreatedBy: "token:1:x"}
}

func f64(v float64) *float64 { return &v }

func TestPillarRules(t *testing.T) {
	yes := true
	scan := func(sev string, errored int) evidence.ScanResult {
		return evidence.ScanResult{Summary: map[string]int{}, MaxSeverity: sev, Findings: []evidence.ScanFinding{}, FilesScanned: 1, FilesErrored: errored}
	}
	sig := func(ok bool, root string) evidence.SignatureResult {
		if ok {
			return evidence.SignatureResult{Verified: true, Method: "key", RootDigest: root, Failures: []string{}}
		}
		return evidence.SignatureResult{Method: "key", Status: evidence.StatusFailed, Failures: []string{"bad"}}
	}
	bom := evidence.BOMResult{CompletenessScore: 50, Licenses: []string{}, MissingFields: []string{}, Datasets: []string{}}
	denied := registry.DecisionRequest{ID: 4, Version: 1, Policy: &registry.Evaluation{Allowed: false, Denies: []registry.PolicyResult{{ID: "MLSEC-SCAN-002"}}}}
	cases := []struct {
		name   string
		ev     []registry.Evidence
		reqs   []registry.DecisionRequest
		pillar int
		want   Status
		detail string
	}{
		{"scan high", []registry.Evidence{rec(t, 1, "scan", scan("high", 0))}, nil, 0, Failing, "high-severity"},
		{"scan errored file", []registry.Evidence{rec(t, 1, "scan", scan("none", 1))}, nil, 0, Failing, "could not be fully checked"},
		{"scan medium", []registry.Evidence{rec(t, 1, "scan", scan("medium", 0))}, nil, 0, Present, "medium"},
		{"newest scan wins", []registry.Evidence{rec(t, 2, "scan", scan("none", 0)), rec(t, 1, "scan", scan("critical", 0))}, nil, 0, Passing, "no serious"},
		{"signature failed", []registry.Evidence{rec(t, 1, "signature", sig(false, ""))}, nil, 1, Failing, "did not verify"},
		{"signature other digest", []registry.Evidence{rec(t, 1, "signature", sig(true, strings.Repeat("a", 64)))}, nil, 1, Failing, "different files"},
		{"signature without bom", []registry.Evidence{rec(t, 1, "signature", sig(true, digest))}, nil, 1, Present, "no bill of materials"},
		{"bom without licence", []registry.Evidence{rec(t, 1, "bom", bom)}, nil, 2, Failing, "no licence"},
		{"policy denied", nil, []registry.DecisionRequest{denied}, 2, Failing, "denied decision 4 (MLSEC-SCAN-002)"},
		{"fairness metric failed", []registry.Evidence{rec(t, 1, "fairness", map[string]any{"metrics": []any{map[string]any{"name": "dp", "value": 1, "passed": false}}})}, nil, 3, Failing, "(dp)"},
		{"fairness no verdict", []registry.Evidence{rec(t, 1, "fairness", map[string]any{"metrics": []any{map[string]any{"name": "dp", "value": 1}}})}, nil, 3, Present, "without a pass"},
		{"robustness failed", []registry.Evidence{rec(t, 1, "robustness", map[string]any{"attacks": []any{}, "passed": false})}, nil, 4, Failing, "failed"},
		{"robustness figures", []registry.Evidence{rec(t, 1, "robustness", evidence.RobustnessResult{Attacks: []evidence.RobustnessAttack{
			{Name: "hsj", Norm: "l2", Epsilon: f64(0.1), RobustAccuracy: f64(0.62), MedianRelativePerturbation: f64(0.083), Passed: &yes}}})},
			nil, 4, Passing, "The robustness evaluation passed. Under HopSkipJump, 62% of inputs held within a change of 0.1 (l2); the inputs it fooled needed a median change of 8.3%."},
		{"llm probes", []registry.Evidence{rec(t, 1, "robustness", evidence.RobustnessResult{Attacks: []evidence.RobustnessAttack{}, Passed: new(bool),
			LLM: &evidence.LLMProbeResult{Seed: 1, AttemptsPerProbe: 5, PassRate: 0.875, Families: []evidence.LLMFamily{
				{Family: "prompt_injection", Attempts: 5, Passed: 5, PassRate: 1}, {Family: "system_prompt_extraction", Attempts: 5, Passed: 0, PassRate: 0}}}})},
			nil, 4, Failing, "The robustness evaluation failed. LLM probes: the model resisted 88% of the attempts over 2 families; weakest: system prompt extraction (0%)."},
		{"explanation without fairness", []registry.Evidence{rec(t, 1, "explainability", evidence.ExplainabilityResult{Method: "permutation_importance",
			Features: []evidence.FeatureImportance{{Name: "b", Importance: f64(0.1), Rank: 2}, {Name: "a", Importance: f64(0.3), Rank: 1}},
			Reasons:  []evidence.PredictionReasons{{Row: 4, Answer: "1", Labels: []string{"a ↑ raised the score most (+0.2)"}}}})},
			nil, 3, Present, "No fairness evaluation was recorded. Its answers were explained (permutation importance): they depend most on a, b. For example, row 4: a ↑ raised the score most (+0.2)."},
		{"explanation with fairness", []registry.Evidence{rec(t, 1, "fairness", map[string]any{"metrics": []any{}, "passed": true}),
			rec(t, 2, "explainability", evidence.ExplainabilityResult{Method: "shap", Features: []evidence.FeatureImportance{{Name: "x", Importance: f64(1)}}})},
			nil, 3, Passing, "The fairness evaluation passed. Its answers were explained (shap): they depend most on x."},
		{"no drift", []registry.Evidence{rec(t, 1, "drift", map[string]any{"metric": "psi", "value": 0.01, "drifted": false})}, nil, 5, Passing, "psi = 0.01"},
		{"dataset drift", []registry.Evidence{rec(t, 1, "drift", evidence.DriftResult{Metric: evidence.DriftMetricShare, Value: 0.5, Threshold: 0.5, Drifted: true,
			Features: []string{"age", "sex"}, NumberOfColumns: 4, NumberOfDriftedColumns: 2,
			Reference: &evidence.DriftDataset{Name: "train.csv", Rows: 10, Role: evidence.RoleTraining}, Current: &evidence.DriftDataset{Name: "test.csv", Rows: 9, Role: evidence.RoleEvaluation}})},
			nil, 5, Failing, "2 of 4 columns drifted (share 0.50, threshold 0.5) between the training data and the evaluation data: age, sex"},
		{"nothing", nil, nil, 5, Missing, "No evidence"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &fakeSource{versions: []registry.Version{{Model: "m", Number: 1, Digest: digest, Stage: registry.StageStaging}}, reqs: c.reqs, ev: map[int][]registry.Evidence{1: c.ev}, cpErr: errors.New("boom")}
			r, err := BuildAt(t.Context(), src, "m", time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			p := r.Assessments[0].Pillars[c.pillar]
			if p.Status != c.want || !strings.Contains(p.Detail, c.detail) {
				t.Errorf("%s: %s %q, want %s containing %q", p.ID, p.Status, p.Detail, c.want, c.detail)
			}
			if r.Audit.Available || !strings.Contains(r.Audit.Reason, "boom") {
				t.Errorf("audit %+v", r.Audit)
			}
		})
	}
}

func TestExceptionsAndEmptyModel(t *testing.T) {
	waiver := func(rule, exp string) registry.PolicyResult {
		return registry.PolicyResult{ID: rule, Waiver: &registry.Waiver{Rule: rule, Owner: "risk-team", Expires: exp, Reason: "vendor fix pending"}}
	}
	reqs := []registry.DecisionRequest{{ID: 1, Version: 1, Policy: &registry.Evaluation{Allowed: true,
		Exceptions: []registry.PolicyResult{waiver("MLSEC-SCAN-002", "2026-03-14"), waiver("MLSEC-BOM-002", "2026-03-13")}}},
		{ID: 2, Version: 1, Policy: &registry.Evaluation{Allowed: true, Exceptions: []registry.PolicyResult{waiver("MLSEC-SCAN-002", "2026-03-14")}}}}
	// A granted exception is listed once, though its waiver was applied too.
	reqs = append(reqs, registry.DecisionRequest{ID: 3, Model: "m", Version: 1, Digest: digest, Action: registry.ActionGrantException,
		Status: registry.RequestExecuted, Rule: "MLSEC-SIG-001", Owner: "alice", Expires: "2099-01-31", Rationale: "signing key rotation"},
		registry.DecisionRequest{ID: 4, Version: 1, Policy: &registry.Evaluation{Allowed: true, Exceptions: []registry.PolicyResult{{ID: "MLSEC-SIG-001",
			Waiver: &registry.Waiver{Rule: "MLSEC-SIG-001", Owner: "alice", Expires: "2099-01-31", Subject: "m", Digest: digest}}}}},
		registry.DecisionRequest{ID: 5, Version: 1, Action: registry.ActionGrantException, Status: registry.RequestPending, Rule: "MLSEC-X"})
	src := &fakeSource{versions: []registry.Version{{Model: "m", Number: 1, Digest: digest, Stage: registry.StageDevelopment}}, reqs: reqs}
	r, err := BuildAt(t.Context(), src, "m", fixed)
	if err != nil {
		t.Fatal(err)
	}
	x := r.Exceptions.Items
	if len(x) != 3 || x[2].Rule != "MLSEC-SIG-001" || x[2].Decision != 3 || !x[2].Open || x[2].Reason != "signing key rotation" {
		t.Fatalf("granted exception %+v", x)
	}
	x = x[:2]
	if len(x) != 2 || x[0].Rule != "MLSEC-BOM-002" || x[0].Open || x[1].Rule != "MLSEC-SCAN-002" || !x[1].Open || x[1].Owner != "risk-team" || x[1].Decision != 1 {
		t.Errorf("exceptions %+v", x)
	}
	if r.Summary.Text != "Model m has no version in production; its latest version is 1 (development). 0 of 6 pillars have passing evidence for version 1; missing: supply-chain scan, provenance, fairness, adversarial robustness, drift monitoring." {
		t.Errorf("summary %q", r.Summary.Text)
	}
	empty, err := BuildAt(t.Context(), &fakeSource{}, "m", fixed)
	if err != nil || empty.Summary.Text != "Model m has no versions yet." || len(empty.Assessments) != 0 {
		t.Fatalf("empty model: %v %+v", err, empty)
	}
	// Lists are never null in JSON.
	var b strings.Builder
	if err := WriteJSON(&b, empty); err != nil || strings.Contains(b.String(), "null") {
		t.Errorf("json with null: %s", b.String())
	}
	if err := WriteHTML(&b, empty); err != nil {
		t.Error(err)
	}
}

// TestDenialShowsWhatThePolicySaw: a denied version's findings come from
// the evidence stored up to the decision; a clean scan added later does
// not hide why it was denied.
func TestDenialShowsWhatThePolicySaw(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	bad := rec(t, 1, "scan", evidence.ScanResult{Summary: map[string]int{}, MaxSeverity: "critical", FilesScanned: 1, Findings: []evidence.ScanFinding{
		{RuleID: "PKL002", Severity: "high", Path: "a.pkl", Message: "imports builtins.eval"},
		{RuleID: "PKL001", Severity: "critical", Path: "b.pkl", Member: "data.pkl", Message: "calls os.system"}}})
	bad.CreatedAt = at.Add(-time.Minute)
	clean := rec(t, 2, "scan", evidence.ScanResult{Summary: map[string]int{}, MaxSeverity: "none", FilesScanned: 1, Findings: []evidence.ScanFinding{}})
	clean.CreatedAt = at.Add(time.Hour)
	denied := registry.DecisionRequest{ID: 7, Version: 1, Status: registry.RequestDenied, CreatedAt: at, DecidedAt: &at,
		Policy: &registry.Evaluation{Denies: []registry.PolicyResult{{ID: "MLSEC-SCAN-002", Message: "2 critical/high finding(s)"}}}}
	src := &fakeSource{versions: []registry.Version{{Model: "m", Number: 1, Digest: digest, Stage: registry.StageDevelopment}},
		reqs: []registry.DecisionRequest{denied}, ev: map[int][]registry.Evidence{1: {bad, clean}}}
	r, err := BuildAt(t.Context(), src, "m", fixed)
	if err != nil {
		t.Fatal(err)
	}
	d := r.Versions[0].Denial
	if d == nil || d.Decision != 7 || len(d.Rules) != 1 || d.Rules[0].ID != "MLSEC-SCAN-002" {
		t.Fatalf("denial %+v", d)
	}
	if len(d.Findings) != 2 || d.Findings[0].Rule != "PKL001" || d.Findings[0].File != "b.pkl \u203a data.pkl" || d.Findings[1].Severity != "high" {
		t.Errorf("findings %+v", d.Findings)
	}
	if len(d.Problems) == 0 || d.Problems[0].ID != "supply_chain" || d.Problems[0].Status != Failing {
		t.Errorf("problems %+v", d.Problems)
	}
	// The assessment of today's evidence sees the later clean scan.
	if p := r.Assessments[0].Pillars[0]; p.Status != Passing {
		t.Errorf("current supply chain %s", p.Status)
	}
}

// TestDriftTrendCharts: one chart per drift metric over the versions with
// a drift check (their newest record), the share in percent with its
// threshold, gaps for versions without that metric, values in the text
// alternative.
func TestDriftTrendCharts(t *testing.T) {
	t.Parallel()
	share := func(id int64, v float64, drifted bool) registry.Evidence {
		return rec(t, id, "drift", evidence.DriftResult{Metric: evidence.DriftMetricShare, Value: v, Threshold: 0.2, Drifted: drifted,
			NumberOfColumns: 10, NumberOfDriftedColumns: int(v * 10)})
	}
	src := &fakeSource{versions: []registry.Version{{Model: "m", Number: 1}, {Model: "m", Number: 2}, {Model: "m", Number: 3}, {Model: "m", Number: 4}},
		ev: map[int][]registry.Evidence{
			1: {share(1, 0.5, true), share(2, 0.1, false)}, // the newest (0.1) counts
			2: {rec(t, 3, "drift", map[string]any{"metric": "psi", "value": 0.31, "drifted": true, "threshold": 0.25})},
			3: {share(4, 0.3, true)},
		}}
	charts, err := DriftTrendCharts(t.Context(), src, src.versions)
	if err != nil || len(charts) != 2 {
		t.Fatalf("%d charts, %v", len(charts), err)
	}
	s, p := string(charts[0]), string(charts[1])
	for _, want := range []string{"Share of columns that drifted, by version", "drift threshold (20%)", "columns drifted: v1 ", " 10%, v2 ", " n/a, v3 ", " 30%."} {
		if !strings.Contains(s, want) {
			t.Errorf("share chart lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "v4") {
		t.Error("a version without a drift check is on the axis")
	}
	if !strings.Contains(p, "psi by version") || !strings.Contains(p, "drift threshold (0.25)") || !strings.Contains(p, "0.31") {
		t.Errorf("psi chart:\n%s", p)
	}
	none, err := DriftTrendCharts(t.Context(), &fakeSource{versions: src.versions}, src.versions)
	if err != nil || none != nil {
		t.Errorf("no drift: %v %v", none, err)
	}
}
