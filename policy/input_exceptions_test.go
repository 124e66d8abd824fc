package policy

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestInputExceptions: exceptions given in the input (a registry's granted
// ones) waive like data.mlsec.exceptions, bound to their digest, and stop
// applying once expired (reported as MLSEC-EXC-001).
func TestInputExceptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rego := "package mlsec.gate\n\nimport rego.v1\n\ndeny contains {\"id\": \"T-001\", \"msg\": \"always\"} if true\n"
	if err := os.WriteFile(filepath.Join(dir, "p.rego"), []byte(rego), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := New(t.Context(), Options{Dirs: []string{dir}, NoDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	x := Exception{Rule: "T-001", Owner: "alice", Expires: "2027-01-31", Subject: "m", Digest: "abc"}
	in := func(digest, now string) Input {
		return Input{Subject: Subject{Name: "m", Digest: map[string]string{"sha256": digest}}, Context: Context{Time: now}, Exceptions: []Exception{x}}
	}
	d, err := e.Evaluate(t.Context(), in("abc", "2027-01-31T23:00:00Z"))
	if err != nil || !d.Allowed || len(d.Exceptions) != 1 || d.Exceptions[0].Waiver.Source != "input.exceptions" {
		t.Fatalf("active: %+v %v", d, err)
	}
	if d, err = e.Evaluate(t.Context(), in("def", "2027-01-31T23:00:00Z")); err != nil || d.Allowed {
		t.Fatalf("other digest: %+v %v", d, err)
	}
	d, err = e.Evaluate(t.Context(), in("abc", "2027-02-01T00:00:00Z"))
	if err != nil || d.Allowed || !slices.ContainsFunc(d.Warnings, func(r Result) bool { return r.ID == RuleExceptionExpired }) {
		t.Fatalf("expired: %+v %v", d, err)
	}
	if _, err := e.EvaluateJSON(t.Context(), []byte(`{"exceptions": {"rule": "T-001"}}`)); err == nil {
		t.Fatal("input.exceptions that is not a list was accepted")
	}
}
