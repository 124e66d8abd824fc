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

// TestExceptionPinnedToSubject: an exception naming one model waives the
// rule for that model only, whichever digest it has; every other subject
// is still denied, and an expired one warns only for its own subject.
func TestExceptionPinnedToSubject(t *testing.T) {
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
	x := Exception{Rule: "T-001", Owner: "alice", Expires: "2027-01-31", Subject: "fraud"}
	in := func(name, now string) Input {
		return Input{Subject: Subject{Name: name, Digest: map[string]string{"sha256": "abc"}}, Context: Context{Time: now}, Exceptions: []Exception{x}}
	}
	for _, c := range []struct {
		name    string
		allowed bool
	}{{"fraud", true}, {"credit", false}, {"fraud2", false}, {"FRAUD", false}} {
		d, err := e.Evaluate(t.Context(), in(c.name, "2027-01-01T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed != c.allowed || (len(d.Exceptions) == 1) != c.allowed {
			t.Errorf("subject %q: allowed %v with %d waived, want allowed %v (exception pinned to %q)", c.name, d.Allowed, len(d.Exceptions), c.allowed, x.Subject)
		}
	}
	expired := func(name string) bool {
		d, err := e.Evaluate(t.Context(), in(name, "2027-03-01T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(d.Warnings, func(r Result) bool { return r.ID == RuleExceptionExpired })
	}
	if !expired("fraud") || expired("credit") {
		t.Errorf("expired-exception warning: fraud %v (want true), credit %v (want false)", expired("fraud"), expired("credit"))
	}
}
