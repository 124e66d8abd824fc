package policy

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/docs/schemas"
	"github.com/mlsec/mlsec/policies"
)

// Every key the default bundle reads from data.mlsec is in the schema: a
// rule reading a key the schema does not know would make that key
// impossible to set (validation refuses it).
func TestSchemaKnowsEveryKeyTheBundleReads(t *testing.T) {
	t.Parallel()
	known := knownKeys("mlsec")
	if len(known) < 20 {
		t.Fatalf("schema lists only %d keys under mlsec: %v", len(known), known)
	}
	ref := regexp.MustCompile(`data\.mlsec\.([a-z_]+)`)
	files, _ := fs.Glob(policies.FS, "*.rego")
	for _, f := range files {
		src, _ := fs.ReadFile(policies.FS, f)
		for _, m := range ref.FindAllStringSubmatch(string(src), -1) {
			k := m[1]
			if k == "lib" || k == "gate" || strings.HasSuffix(f, "_test.rego") && k == "gate_test" {
				continue
			}
			if !slices.Contains(known, k) {
				t.Errorf("%s reads data.mlsec.%s, which docs/schemas/%s does not declare", f, k, schemas.PolicyData)
			}
		}
	}
	// The engine reads these two itself.
	for _, k := range []string{"exceptions", "disabled_rules"} {
		if !slices.Contains(known, k) {
			t.Errorf("schema lacks %s", k)
		}
	}
}

func TestValidateData(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, doc string
		want      []string // substrings of the error; none means valid
	}{
		{"empty", `{}`, nil},
		{"other top-level keys are the user's", `{"team": {"anything": 1}}`, nil},
		{"every documented key", `{"mlsec": {"bom_min_score": 70, "max_evidence_age_days": 14,
			"blocking_severities": ["critical", "high", "medium"], "require_signed_evidence": true,
			"trusted_keys": ["` + strings.Repeat("ab", 32) + `"], "documentation_action": "deny",
			"fairness_limits": [{"metric": "demographic_parity_ratio", "min": 0.8, "rule": "four-fifths rule"}],
			"fairness_drift_action": "deny", "drift_deny_comparisons": [{"reference": "training", "current": "evaluation"}],
			"disabled_rules": ["MLSEC-BOM-004"],
			"exceptions": [{"rule": "MLSEC-SCAN-002", "owner": "a", "expires": "2026-12-31", "reason": "r"}]}}`, nil},
		{"string for an integer", `{"mlsec": {"bom_min_score": "high"}}`, []string{"mlsec.bom_min_score: got string, want integer"}},
		{"fraction for an integer", `{"mlsec": {"bom_min_score": 60.5}}`, []string{"mlsec.bom_min_score: got number, want integer"}},
		{"out of range", `{"mlsec": {"bom_min_score": 101}}`, []string{"mlsec.bom_min_score:", "100"}},
		{"misspelled key", `{"mlsec": {"bom_min_scor": 70}}`, []string{"mlsec.bom_min_scor: unknown key (did you mean bom_min_score?)"}},
		{"unknown key, nothing near", `{"mlsec": {"colour": "blue"}}`, []string{"mlsec.colour: unknown key"}},
		{"bad severity", `{"mlsec": {"blocking_severities": ["severe"]}}`, []string{"mlsec.blocking_severities.0:"}},
		{"bad action", `{"mlsec": {"documentation_action": "block"}}`, []string{"mlsec.documentation_action:", "warn", "deny"}},
		{"list for an object", `{"mlsec": []}`, []string{"mlsec: got array, want object"}},
		{"nested misspelling", `{"mlsec": {"fairness_limits": [{"metric": "x", "maxx": 0.1}]}}`, []string{"mlsec.fairness_limits.0.maxx: unknown key (did you mean max?)"}},
		{"profile is not data", `{"mlsec": {"profile": "strict"}}`, []string{"mlsec.profile: unknown key (choose the profile with --profile"}},
		{"two problems, both named", `{"mlsec": {"bom_min_score": "x", "require_signed_evidence": "yes"}}`,
			[]string{"mlsec.bom_min_score: got string", "mlsec.require_signed_evidence: got string, want boolean"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var doc map[string]any
			if err := json.Unmarshal([]byte(c.doc), &doc); err != nil {
				t.Fatal(err)
			}
			err := ValidateData(doc)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if !errors.Is(err, ErrData) {
				t.Fatalf("want ErrData, got %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// A YAML data file with an unquoted date (expires: 2026-12-31) is valid:
// YAML's timestamp becomes a string on the way to JSON.
func TestYAMLDateIsAString(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "d.yaml")
	os.WriteFile(p, []byte("mlsec:\n  exceptions:\n    - {rule: MLSEC-BOM-002, owner: a, expires: 2026-12-31}\n"), 0o644)
	if _, err := loadData("", []string{p}); err != nil {
		t.Fatal(err)
	}
}

// The data file's error wraps ErrPolicy (so every caller exits 2) and
// names the file.
func TestNewRejectsInvalidDataNamingTheFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "limits.yaml")
	os.WriteFile(p, []byte("mlsec:\n  bom_min_score: high\n"), 0o644)
	_, err := New(context.Background(), Options{DataFiles: []string{p}})
	if !errors.Is(err, ErrPolicy) || !errors.Is(err, ErrData) {
		t.Fatalf("want ErrPolicy and ErrData, got %v", err)
	}
	for _, w := range []string{p, "mlsec.bom_min_score", "got string, want integer"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not mention %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "%!") {
		t.Errorf("formatting artefact in %q", err)
	}
}

func TestProfiles(t *testing.T) {
	t.Parallel()
	if got := Profiles(); !slices.Equal(got, []string{"baseline", "strict"}) {
		t.Fatalf("profiles %v", got)
	}
	base, err := ProfileData("")
	if err != nil {
		t.Fatal(err)
	}
	strict, err := ProfileData("strict")
	if err != nil {
		t.Fatal(err)
	}
	get := func(d map[string]any, k string) any { return d["mlsec"].(map[string]any)[k] }
	for k, want := range map[string][2]string{
		"documentation_action":  {"warn", "deny"},
		"fairness_drift_action": {"warn", "deny"},
	} {
		if get(base, k) != want[0] || get(strict, k) != want[1] {
			t.Errorf("%s: baseline %v strict %v, want %v", k, get(base, k), get(strict, k), want)
		}
	}
	if l, _ := get(strict, "drift_deny_comparisons").([]any); len(l) != 1 {
		t.Errorf("strict drift_deny_comparisons %v", get(strict, "drift_deny_comparisons"))
	}
	if _, err := ProfileData("lenient"); !errors.Is(err, ErrProfile) || !errors.Is(err, ErrPolicy) {
		t.Errorf("unknown profile: %v", err)
	}
	ctx := context.Background()
	for _, p := range []string{"", "baseline", "strict"} {
		e, err := New(ctx, Options{Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		if want := cmpOr(p, "baseline"); e.Profile() != want {
			t.Errorf("Profile() = %q, want %q", e.Profile(), want)
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// A user data file wins over the profile: strict with
// documentation_action warn in a file warns.
func TestDataFileOverridesProfile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "d.json")
	os.WriteFile(p, []byte(`{"mlsec": {"documentation_action": "warn"}}`), 0o644)
	d, err := loadData("strict", []string{p})
	if err != nil {
		t.Fatal(err)
	}
	m := d["mlsec"].(map[string]any)
	if m["documentation_action"] != "warn" || m["fairness_drift_action"] != "deny" {
		t.Errorf("merged %v", m)
	}
}

// Rules whose level the profile chooses say so: kind deny|warn and the
// data key.
func TestRuleLevelFromData(t *testing.T) {
	t.Parallel()
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Rule{}
	for _, r := range e.Rules() {
		byID[r.ID] = r
	}
	for id, key := range map[string]string{
		"MLSEC-BOM-002": "documentation_action", "MLSEC-BOM-003": "documentation_action",
		"MLSEC-BOM-004": "documentation_action", "MLSEC-FAIR-003": "fairness_drift_action",
	} {
		if r := byID[id]; r.Kind != "deny|warn" || r.LevelFrom != key {
			t.Errorf("%s: kind %q level_from %q", id, r.Kind, r.LevelFrom)
		}
	}
	if r := byID["MLSEC-BOM-001"]; r.Kind != "deny" || r.LevelFrom != "" {
		t.Errorf("MLSEC-BOM-001: %+v", r)
	}
}

// Levels reads each profile's data: what a rule does under baseline and
// strict, as `mlsec rules` prints it.
func TestLevels(t *testing.T) {
	t.Parallel()
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Rule{}
	for _, r := range append(e.Rules(), EngineRules()...) {
		byID[r.ID] = r
	}
	for id, want := range map[string][2]string{
		"MLSEC-BOM-002":   {"warn", "deny"},
		"MLSEC-FAIR-003":  {"warn", "deny"},
		"MLSEC-DRIFT-002": {"off", "deny"},
		"MLSEC-SCAN-002":  {"deny", "deny"},
		"MLSEC-DRIFT-001": {"warn", "warn"},
		"MLSEC-EXC-001":   {"warn", "warn"},
	} {
		l := Levels(byID[id])
		if l["baseline"] != want[0] || l["strict"] != want[1] {
			t.Errorf("%s: levels %v, want baseline %s strict %s", id, l, want[0], want[1])
		}
	}
}
