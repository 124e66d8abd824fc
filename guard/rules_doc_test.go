package guard

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var printRules = flag.Bool("rules", false, "print the rule set as a markdown table (docs/guardrails.md)")

// TestRuleSet checks the rule set is well formed: unique IDs, a known
// family, a score in (0, 1), and an ID prefix matching the family.
func TestRuleSet(t *testing.T) {
	t.Parallel()
	prefix := map[string]string{FamilyInjection: "PI-", FamilyJailbreak: "JB-", FamilySystemPrompt: "SP-", FamilyEncoding: "EN-", FamilyIndirect: "IN-"}
	seen := map[string]bool{}
	var b strings.Builder
	b.WriteString("| ID | Family | Score | What it matches |\n|---|---|---|---|\n")
	for _, r := range Rules() {
		if seen[r.ID] || !strings.HasPrefix(r.ID, prefix[r.Family]) || !(r.Score > 0 && r.Score < 1) || r.Title == "" {
			t.Errorf("rule %+v", r)
		}
		seen[r.ID] = true
		fmt.Fprintf(&b, "| %s | %s | %.2f | %s |\n", r.ID, r.Family, r.Score, r.Title)
	}
	if *printRules {
		os.Stdout.WriteString(b.String())
	}
}
