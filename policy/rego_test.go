package policy

import (
	"context"
	"strings"
	"testing"
)

// TestDefaultBundleRegoTests runs policies/*_test.rego with OPA's tester.
func TestDefaultBundleRegoTests(t *testing.T) {
	t.Parallel()
	res, err := RunTests(context.Background(), TestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) < 15 {
		t.Fatalf("only %d Rego tests ran", len(res))
	}
	for _, r := range res {
		if !r.Pass {
			t.Errorf("%s %s (%s): %s %s", r.Package, r.Name, r.Location, r.Error, r.Output)
		}
	}
}

// TestUserRegoTests runs a user's tests next to the default rules and
// reports a failing test as failing.
func TestUserRegoTests(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "team.rego", `package mlsec.gate.team
import rego.v1
deny contains "no owner" if not input.subject.labels.owner
`)
	write(t, dir, "team_test.rego", `package mlsec.gate.team_test
import rego.v1
import data.mlsec.gate.team
test_owner_required if "no owner" in team.deny with input as {"subject": {}}
test_wrong_on_purpose if count(team.deny) == 0 with input as {"subject": {}}
`)
	res, err := RunTests(context.Background(), TestOptions{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range res {
		got[r.Name] = r.Pass
	}
	if len(got) != 2 || !got["test_owner_required"] || got["test_wrong_on_purpose"] {
		t.Errorf("results = %+v", res)
	}
	// A syntax error in a test file is an error, not a pass.
	write(t, dir, "bad_test.rego", "package x\ntest_a if {\n")
	if _, err := RunTests(context.Background(), TestOptions{Dirs: []string{dir}}); err == nil || !strings.Contains(err.Error(), "bad_test.rego") {
		t.Errorf("broken test file: err = %v", err)
	}
}
