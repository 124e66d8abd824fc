package jinja

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzJinja(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/*.jinja")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`{{ x['\N{LOW LINE}'|reverse ~ '%s'|format(1)][::-1] }}{% raw %}{{{% endraw %}`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, i := range Check(s) {
			if i.Rule != RuleEscape && i.Rule != RuleSuspicious {
				t.Fatalf("bad rule %q", i.Rule)
			}
			if i.Offset < 0 || i.Offset > len(s) {
				t.Fatalf("offset %d out of range", i.Offset)
			}
		}
	})
}
