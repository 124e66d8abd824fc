package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvaluateTypedInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// No evidence at all: every evidence-backed rule denies.
	dec, err := eng.Evaluate(ctx, Input{Subject: Subject{Name: "m", Digest: map[string]string{"sha256": strings.Repeat("a", 64)}}, Action: Action{Name: "promote", Stage: "production"}})
	if err != nil {
		t.Fatal(err)
	}
	if dec.Allowed {
		t.Fatal("allowed without evidence")
	}
	got := map[string]bool{}
	for _, r := range dec.Denies {
		got[r.ID] = true
		if r.Message == "" || r.Remediation == "" || r.Controls.empty() {
			t.Errorf("incomplete result %+v", r)
		}
	}
	for _, id := range []string{"MLSEC-SCAN-001", "MLSEC-SIG-001", "MLSEC-BOM-001"} {
		if !got[id] {
			t.Errorf("missing deny %s in %+v", id, dec.Denies)
		}
	}
}

func TestRegistryMatchesDocs(t *testing.T) {
	t.Parallel()
	eng, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	rules := eng.Rules()
	if len(rules) < 15 {
		t.Fatalf("only %d rules in the registry", len(rules))
	}
	atlas := regexp.MustCompile(`^AML\.T\d{4}(\.\d{3})?$`)
	owasp := regexp.MustCompile(`^ML(0[1-9]|10)$`)
	nist := regexp.MustCompile(`^(GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+$`)
	for _, r := range rules {
		if !strings.Contains(string(doc), r.ID) {
			t.Errorf("docs/policy.md does not document %s", r.ID)
		}
		if r.Title == "" || r.Remediation == "" || r.Kind == "" || len(r.Controls.OWASPML) == 0 || len(r.Controls.NISTAIRMF) == 0 {
			t.Errorf("rule %s lacks title/remediation/kind/controls: %+v", r.ID, r)
		}
		for _, c := range r.Controls.ATLAS {
			if !atlas.MatchString(c) {
				t.Errorf("%s: bad ATLAS id %q", r.ID, c)
			}
		}
		for _, c := range r.Controls.OWASPML {
			if !owasp.MatchString(c) {
				t.Errorf("%s: bad OWASP ML id %q", r.ID, c)
			}
		}
		for _, c := range r.Controls.NISTAIRMF {
			if !nist.MatchString(c) {
				t.Errorf("%s: bad NIST AI RMF id %q", r.ID, c)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	cases := map[string]Options{
		"no rego":     {Dirs: []string{dir}},
		"missing dir": {Dirs: []string{filepath.Join(dir, "nope")}},
		"nothing":     {NoDefault: true},
		"bad data":    {DataFiles: []string{write(t, dir, "d.json", `[1,2]`)}},
		"bad yaml":    {DataFiles: []string{write(t, dir, "d.yaml", "a: [")}},
		"network denied": {Dirs: []string{mkPolicy(t, `package mlsec.gate.net
import rego.v1
deny contains "x" if http.send({"method": "get", "url": "http://example.com"}).status_code != 200
`)}},
		"deny not a set": {Dirs: []string{mkPolicy(t, `package mlsec.gate.bool
import rego.v1
deny := true
`)}},
	}
	for name, opts := range cases {
		eng, err := New(ctx, opts)
		if err == nil {
			_, err = eng.EvaluateJSON(ctx, []byte(`{"subject":{"name":"m","digest":{"sha256":"`+strings.Repeat("a", 64)+`"}},"evidence":[]}`))
		}
		if !errors.Is(err, ErrPolicy) {
			t.Errorf("%s: err = %v, want ErrPolicy", name, err)
		}
	}
	eng, _ := New(ctx, Options{})
	for _, bad := range []string{`[]`, `null`, `{"context":{"time":"yesterday"}}`} {
		if _, err := eng.EvaluateJSON(ctx, []byte(bad)); err == nil {
			t.Errorf("input %s accepted", bad)
		}
	}
}

func mkPolicy(t *testing.T, src string) string {
	d := t.TempDir()
	write(t, d, "p.rego", src)
	return d
}

func BenchmarkEvaluate(b *testing.B) {
	ctx := context.Background()
	eng, err := New(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	in, err := os.ReadFile("testdata/decisions/deny-critical-finding/input.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.EvaluateJSON(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
