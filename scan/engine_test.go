package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExclude(t *testing.T) {
	evil := "\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."
	dir := t.TempDir()
	for _, p := range []string{"a/evil.pkl", ".git/objects/x.pkl", "data/y.pkl", "data/sub/z.pkl"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(evil), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(Options{Exclude: []string{"**/.git", "data/*.pkl"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[string]bool{}
	for _, f := range rep.Findings {
		rel, _ := filepath.Rel(dir, f.Path)
		flagged[filepath.ToSlash(rel)] = true
	}
	// data/sub/z.pkl is not matched by data/*.pkl (one level), so it is scanned.
	want := map[string]bool{"a/evil.pkl": true, "data/sub/z.pkl": true}
	if len(flagged) != len(want) || !flagged["a/evil.pkl"] || !flagged["data/sub/z.pkl"] {
		t.Errorf("findings on %v, want exactly %v", flagged, want)
	}
	skipped := 0
	for _, f := range rep.Files {
		if f.Status == StatusSkipped && strings.HasPrefix(f.Reason, "excluded by --exclude") {
			skipped++
		}
	}
	if skipped != 2 { // data/y.pkl, and the .git folder (not entered)
		t.Errorf("%d entries reported as excluded, want 2", skipped)
	}
	if _, err := New(Options{Exclude: []string{"[bad"}}); err == nil {
		t.Error("a malformed pattern was accepted")
	}
}
