package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// predictions writes a two-group table whose groups (100 rows each) have
// selection rates f% and m%.
func predictions(t *testing.T, dir string, f, m int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("y,pred,sex\n")
	for _, g := range []struct {
		name string
		k    int
	}{{"F", f}, {"M", m}} {
		for i := range 100 {
			fmt.Fprintf(&b, "%d,%d,%s\n", i%2, map[bool]int{true: 1, false: 0}[i < g.k], g.name)
		}
	}
	p := filepath.Join(dir, "preds.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFairnessEndToEnd is the quickstart's story through a real server:
// fairness evidence bound to each version and pushed with it, a decision
// that warns about bias drift against production, the history per version
// with the monitor owner, a denial for a model over the limits, and the
// fairness trend in the report.
func TestFairnessEndToEnd(t *testing.T) {
	data := filepath.Join(t.TempDir(), "policy-data.json")
	os.WriteFile(data, []byte(`{"mlsec": {"disabled_rules": ["MLSEC-SIG-001", "MLSEC-BOM-002", "MLSEC-BOM-003", "MLSEC-BOM-004"]}}`), 0o600)
	url, admin := clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: t.TempDir(), workers: 2, policyData: []string{data}})
	alice := newToken(t, url, admin, "alice", registry.RoleMaintainer)
	bob := newToken(t, url, admin, "bob", registry.RoleReviewer)
	newToken(t, url, admin, "carol", registry.RoleReviewer)

	// version pushes a model folder whose fairness was evaluated on
	// preds (extra flags: the sensitive column, labels).
	version := func(n int, weights string, args ...string) {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "credit")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "model.json"), []byte(weights), 0o644)
		full := append([]string{"fairness"}, args...)
		full = append(full, "--model", dir, "--model-name", "credit", "--evidence", filepath.Join(dir, "fairness.evidence.json"))
		if code, out, errs := runCLI(full...); code > 1 {
			t.Fatalf("fairness v%d: %d %s %s", n, code, out, errs)
		}
		if code, out, errs := as(alice, "push", dir, "--model", "credit"); code != 0 || !strings.Contains(out, "1 evidence records attached") {
			t.Fatalf("push v%d: %d %s %s", n, code, out, errs)
		}
		waitServerScan(t, fmt.Sprintf("credit@%d", n))
	}
	tmp := t.TempDir()
	version(1, `{"w": 1}`, predictions(t, filepath.Join(tmp), 50, 52), "--y-true", "y", "--y-pred", "pred", "--sensitive", "sex")
	if code, _, errs := as(admin, "owners", "credit", "--set", "approve=bob", "--set", "monitor=carol"); code != 0 {
		t.Fatalf("owners: %s", errs)
	}
	code, out, errs := as(alice, "request", "credit@1", "promote", "--rationale", "first release")
	if code != 0 || strings.Contains(out, "MLSEC-FAIR") {
		t.Fatalf("request v1: %d %s %s", code, out, errs)
	}
	if code, out, errs := as(bob, "approve", strings.TrimSuffix(strings.Fields(out)[1], ":")); code != 0 {
		t.Fatalf("approve v1: %d %s %s", code, out, errs)
	}

	// v2 still meets the limits (difference 0.09, ratio 0.83) but is worse
	// than production (0.02) by more than the 0.05 margin: a warning.
	tmp2 := t.TempDir()
	version(2, `{"w": 2}`, predictions(t, tmp2, 45, 54), "--y-true", "y", "--y-pred", "pred", "--sensitive", "sex")
	code, out, errs = as(alice, "request", "credit@2", "promote", "--rationale", "retrained")
	if code != 0 || !strings.Contains(out, "warn MLSEC-FAIR-003: bias drift: demographic_parity_difference (between_groups)") ||
		!strings.Contains(out, "worse than production version 1's 0.02") {
		t.Fatalf("request v2: %d %s %s", code, out, errs)
	}

	// v3: the UCI Adult model, over both limits: denied.
	version(3, `{"w": 3}`, append([]string{adultPredictions}, "--y-true", "income", "--y-pred", "prediction", "--pos-label", ">50K", "--sensitive", "sex")...)
	code, out, _ = as(alice, "request", "credit@3", "promote", "--rationale", "new features")
	if code != 1 || !strings.Contains(out, "denied") || !strings.Contains(out, "MLSEC-FAIR-002") {
		t.Fatalf("request v3: %d %s", code, out)
	}

	code, out, errs = runCLI("fairness", "history", "credit")
	if code != 0 {
		t.Fatalf("history: %d %s", code, errs)
	}
	for _, want := range []string{"1        production", "0.0200", "0.0900", "0.1711", "Watched by (monitor owner): carol"} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}

	// The report shows the trend per metric with the monitor owner.
	code, out, errs = runCLI("report", "credit", "--format", "json")
	if code != 0 {
		t.Fatalf("report: %d %s", code, errs)
	}
	var rep struct {
		Assessments []struct {
			Version int
			Pillars []struct{ ID, Status, Detail string }
		}
		FairnessTrend struct {
			Monitor []string
			Points  []struct {
				Version int
				Values  map[string]*float64
			}
		} `json:"fairness_trend"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	last := rep.Assessments[len(rep.Assessments)-1]
	if p := last.Pillars[3]; last.Version != 3 || p.ID != "trusted_ai" || p.Status != "failing" ||
		!strings.Contains(p.Detail, "the lowest is 31% of the highest (the four-fifths rule asks for 80%)") {
		t.Fatalf("fairness pillar of v3: %+v", last)
	}
	tr := rep.FairnessTrend
	if len(tr.Monitor) != 1 || tr.Monitor[0] != "carol" || len(tr.Points) != 3 || tr.Points[1].Version != 2 ||
		math.Abs(*tr.Points[1].Values["demographic_parity_difference"]-0.09) > 1e-12 {
		t.Fatalf("fairness trend %+v", tr)
	}
	code, out, _ = runCLI("report", "credit")
	if code != 0 || !strings.Contains(out, "Has fairness drifted between versions?") || !strings.Contains(out, "Watched by: <strong>carol") ||
		!strings.Contains(out, "demographic_parity_difference by version") || strings.Count(out, "<svg") < 4 {
		t.Fatalf("HTML report lacks the fairness trend: %d", code)
	}
}
