package scan_test

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/corpus"
	"github.com/mlsec/mlsec/scan"
)

// corpusKnownGap lists samples the scanner currently gets wrong, each with
// the reason. The test fails if a listed sample starts passing, so the list
// stays true: remove the entry when the analyser is fixed. Keep it short;
// every entry is also reported in docs/detection.md.
var corpusKnownGap = map[string]string{}

type corpusCase struct {
	key, path, expected, section, technique string
	rules                                   []string
}

func corpusCases(t *testing.T) []corpusCase {
	t.Helper()
	dir := t.TempDir()
	samples, err := corpus.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	for _, s := range samples {
		cases = append(cases, corpusCase{"corpus/" + s.File, filepath.Join(dir, filepath.FromSlash(s.File)),
			s.Expected, s.Section, s.Technique, s.ExpectedRules})
	}
	root := filepath.Join("testdata", "benign")
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		cases = append(cases, corpusCase{"benign-fixture/" + filepath.ToSlash(rel), p, corpus.Benign, "fixture",
			"real benign fixture " + filepath.ToSlash(rel), nil})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestCorpusDetection scans every corpus sample and every benign fixture:
// a malicious sample must get a finding at medium or above with one of its
// expected rule ids; a benign file must get none at medium or above.
func TestCorpusDetection(t *testing.T) {
	cases := corpusCases(t)
	s, err := scan.New(scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	paths := make([]string, len(cases))
	for i, c := range cases {
		paths[i] = c.path
	}
	rep, err := s.Scan(context.Background(), paths...)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string][]scan.Finding{}
	for _, f := range rep.Findings {
		if f.Severity >= scan.SeverityMedium {
			byPath[f.Path] = append(byPath[f.Path], f)
		}
	}

	var tp, fn, tn, fp int
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-4s %-60s %-9s %-6s %s\n", "sec", "technique", "expected", "result", "rules (>= medium)")
	for _, c := range cases {
		found := byPath[c.path]
		ids := ruleIDs(found)
		var ok bool
		var result string
		if c.expected == corpus.Malicious {
			ok = hasAny(ids, c.rules)
			result = map[bool]string{true: "TP", false: "FN"}[ok]
			if ok {
				tp++
			} else {
				fn++
			}
		} else {
			ok = len(found) == 0
			result = map[bool]string{true: "TN", false: "FP"}[ok]
			if ok {
				tn++
			} else {
				fp++
			}
		}
		fmt.Fprintf(&table, "%-4s %-60.60s %-9s %-6s %s\n", c.section, c.technique, c.expected, result, strings.Join(ids, ","))

		reason, gap := corpusKnownGap[c.key]
		switch {
		case gap && ok:
			t.Errorf("%s: listed in corpusKnownGap (%s) but now passes; remove it from the list", c.key, reason)
		case gap:
			t.Logf("known gap %s: %s (got %s)", c.key, reason, describe(found))
		case !ok && c.expected == corpus.Malicious:
			t.Errorf("MISSED %s (%s): want one of %v at >= medium, got %s", c.key, c.technique, c.rules, describe(found))
		case !ok:
			t.Errorf("FALSE POSITIVE %s: %s", c.key, describe(found))
		}
	}
	t.Log(table.String())
	t.Logf("malicious %d: TP %d FN %d; benign %d: TN %d FP %d", tp+fn, tp, fn, tn+fp, tn, fp)
	for key := range corpusKnownGap {
		if !hasCase(cases, key) {
			t.Errorf("corpusKnownGap lists %s, which is not in the corpus", key)
		}
	}
}

func ruleIDs(fs []scan.Finding) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if !seen[f.RuleID] {
			seen[f.RuleID] = true
			out = append(out, f.RuleID)
		}
	}
	sort.Strings(out)
	return out
}

func hasAny(ids, want []string) bool {
	for _, id := range ids {
		for _, w := range want {
			if id == w {
				return true
			}
		}
	}
	return false
}

func hasCase(cases []corpusCase, key string) bool {
	for _, c := range cases {
		if c.key == key {
			return true
		}
	}
	return false
}

func describe(fs []scan.Finding) string {
	if len(fs) == 0 {
		return "no finding >= medium"
	}
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s/%s %s", f.RuleID, f.Severity, f.Message))
	}
	return strings.Join(parts, "; ")
}
