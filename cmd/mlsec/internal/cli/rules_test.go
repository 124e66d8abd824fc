package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlsec/mlsec/scan"
)

// rules list prints every scanner rule and every policy rule from the
// binary, one line each within 100 columns; the JSON form has the per-
// profile levels.
func TestRulesList(t *testing.T) {
	t.Parallel()
	out, errOut, code := scanCLI(t, "rules", "list")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, r := range scan.Rules() {
		if !strings.Contains(out, "\n"+r.ID+" ") {
			t.Errorf("scanner rule %s missing", r.ID)
		}
	}
	for _, id := range []string{"MLSEC-SCAN-002", "MLSEC-SIG-001", "MLSEC-BOM-004", "MLSEC-FAIR-003", "MLSEC-ROB-003", "MLSEC-DRIFT-002", "MLSEC-EXC-001"} {
		if !strings.Contains(out, "\n"+id+" ") {
			t.Errorf("policy rule %s missing", id)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if utf8.RuneCountInString(l) > 100 {
			t.Errorf("line wider than 100 columns: %q", l)
		}
	}
	if !strings.Contains(out, "warn (strict: deny)") {
		t.Error("no per-profile level shown")
	}

	out, _, code = scanCLI(t, "rules", "list", "--source", "policy", "--format", "json")
	var rs []catalogueRule
	if code != ExitOK || json.Unmarshal([]byte(out), &rs) != nil || len(rs) < 20 {
		t.Fatalf("json: exit %d, %d rules\n%.500s", code, len(rs), out)
	}
	for _, r := range rs {
		if r.Source != "policy" || r.Title == "" || r.Profiles["baseline"] == "" || r.Profiles["strict"] == "" {
			t.Errorf("policy rule %+v", r)
		}
		if r.ID == "MLSEC-BOM-002" && (r.Profiles["baseline"] != "warn" || r.Profiles["strict"] != "deny" || r.LevelFrom != "documentation_action") {
			t.Errorf("BOM-002 %+v", r)
		}
	}

	// --policy adds the rules of your own policies.
	out, _, _ = scanCLI(t, "rules", "list", "--policy", filepath.Join(gateTestdata, "policies", "readme"))
	if !strings.Contains(out, "ACME-README-001") {
		t.Errorf("--policy rule missing:\n%s", out)
	}
	if _, errOut, code := scanCLI(t, "rules", "list", "--source", "both"); code != ExitUsage || !strings.Contains(errOut, "want scan or policy") {
		t.Errorf("bad --source: exit %d %s", code, errOut)
	}
}

func TestRulesExplain(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id   string
		want []string
	}{
		{"pkl001", []string{"PKL001", "Scanner rule dangerous-call, default severity critical", "What to do:", "docs/rules.md#pkl001"}},
		{"MLSEC-BOM-002", []string{"level: warn (strict: deny)", "data.mlsec.documentation_action: baseline warn, strict deny",
			"Controls: OWASP ML Top 10 ML06", "policies/bom.rego:"}},
		{"mlsec-drift-002", []string{"off (strict: deny)"}},
		{"MLSEC-EXC-001", []string{"Expired exception"}},
	}
	for _, c := range cases {
		out, errOut, code := scanCLI(t, "rules", "explain", c.id)
		if code != ExitOK {
			t.Errorf("%s: exit %d %s", c.id, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", c.id, w, out)
			}
		}
	}
	_, errOut, code := scanCLI(t, "rules", "explain", "PKL01")
	if code != ExitUsage || !strings.Contains(errOut, "did you mean PKL001?") {
		t.Errorf("unknown id: exit %d %s", code, errOut)
	}
	if _, _, code := scanCLI(t, "rules", "explain"); code != ExitUsage {
		t.Errorf("no id: exit %d", code)
	}
	out, _, _ := scanCLI(t, "rules", "explain", "MLSEC-FAIR-003", "--format", "json")
	var r catalogueRule
	if json.Unmarshal([]byte(out), &r) != nil || r.Profiles["strict"] != "deny" || r.LevelFrom != "fairness_drift_action" {
		t.Errorf("json explain: %s", out)
	}
}
