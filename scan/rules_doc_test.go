package scan

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const rulesDoc = "../docs/rules.md"

// ruleSections splits docs/rules.md into "### ID" sections (the heading is
// the bare id so that its anchor is the lower-case id SARIF links to).
func ruleSections(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatal(err)
	}
	head := regexp.MustCompile(`(?m)^### ([A-Z]+[0-9]+)[ \t]*$`)
	text := string(data)
	idx := head.FindAllStringSubmatchIndex(text, -1)
	out := map[string]string{}
	for i, m := range idx {
		end := len(text)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		body := text[m[1]:end]
		if j := strings.Index(body, "\n## "); j >= 0 {
			body = body[:j]
		}
		id := text[m[2]:m[3]]
		if _, dup := out[id]; dup {
			t.Errorf("%s: %s is documented twice", rulesDoc, id)
		}
		out[id] = body
	}
	return out
}

// TestRulesDocMatchesCatalogue keeps docs/rules.md and the rule catalogue
// in step: every id documented, no other id, with its default severity.
func TestRulesDocMatchesCatalogue(t *testing.T) {
	sections := ruleSections(t)
	ids := map[string]bool{}
	for _, r := range Rules() {
		ids[r.ID] = true
		body, ok := sections[r.ID]
		if !ok {
			t.Errorf("%s does not document rule %s (%s): add a '### %s' section", rulesDoc, r.ID, r.Name, r.ID)
			continue
		}
		want := "**Severity:** " + r.Severity.String()
		if !strings.Contains(body, want) {
			t.Errorf("%s section %s lacks %q (the catalogue's default severity)", rulesDoc, r.ID, want)
		}
		for _, part := range []string{"`" + r.Name + "`", "**Why it matters:**", "**What to do:**"} {
			if !strings.Contains(body, part) {
				t.Errorf("%s section %s lacks %q", rulesDoc, r.ID, part)
			}
		}
	}
	var extra []string
	for id := range sections {
		if !ids[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("%s documents ids that are not in the catalogue: %v", rulesDoc, extra)
	}
}

// TestRulesDocCoversRulesYAML checks that every key of the embedded
// rules.yaml (two levels deep) and the --rules merge keys are documented.
func TestRulesDocCoversRulesYAML(t *testing.T) {
	data, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	var raw map[string]any
	if err := yaml.Unmarshal(defaultRules, &raw); err != nil {
		t.Fatal(err)
	}
	keys := []string{"replace", "suppress"}
	for k, v := range raw {
		m, ok := v.(map[string]any)
		if !ok {
			keys = append(keys, k)
			continue
		}
		for sub := range m { // sections are documented key by key
			keys = append(keys, k+"."+sub)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.Contains(doc, "`"+k+"`") {
			t.Errorf("%s does not document rules.yaml key `%s`", rulesDoc, k)
		}
	}
}

// TestRulesDocExampleLoads checks that the example rules file in the docs
// is valid and merges as documented.
func TestRulesDocExampleLoads(t *testing.T) {
	data, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "### Example")
	if i < 0 {
		t.Fatalf("%s has no '### Example' section", rulesDoc)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(text[i:])
	if m == nil {
		t.Fatalf("%s: no yaml block after '### Example'", rulesDoc)
	}
	p := t.TempDir() + "/rules.yaml"
	if err := os.WriteFile(p, []byte(m[1]), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := LoadRuleset(p)
	if err != nil {
		t.Fatalf("the example rules file does not load: %v", err)
	}
	if !rs.Suppressed("HF004") {
		t.Error("example: HF004 not suppressed")
	}
	if got := rs.Pickle.Allow["mycompany.layers"]; len(got) != 2 {
		t.Errorf("example: pickle.allow not merged: %v", got)
	}
	if len(rs.Pickle.Allow["collections"]) == 0 {
		t.Error("example: merging dropped the built-in allowlist")
	}
	globs := 0
	for _, d := range rs.Pickle.Deny {
		if d.Module == "glob" {
			globs++
			if d.Severity != SeverityHigh {
				t.Errorf("example: glob deny entry has severity %s, want high", d.Severity)
			}
		}
	}
	if globs != 1 {
		t.Errorf("example: %d deny entries for glob, want the built-in one replaced", globs)
	}
}
