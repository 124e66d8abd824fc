package guard

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// A labelled prompt of testdata/injection/prompts.jsonl.gz (build.py).
type labelled struct {
	ID, Source, Label, Category, Split, Text string
}

func loadLabelled(t testing.TB) []labelled {
	t.Helper()
	f, err := os.Open("testdata/injection/prompts.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []labelled
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var showMistakes = flag.String("mistakes", "", "print the dev split's misses and false alarms (dev) ")

func TestTuneDev(t *testing.T) {
	if *showMistakes == "" {
		t.Skip("-mistakes dev prints the dev split's mistakes")
	}
	s := &InjectionScanner{}
	var miss, fa []string
	for _, l := range loadLabelled(t) {
		if l.Split != *showMistakes {
			continue
		}
		r := s.Scan(l.Text, false)
		hit := r.Score >= DefaultInjectionThreshold
		var rs []string
		for _, m := range r.Matches {
			rs = append(rs, fmt.Sprintf("%s@%s", m.Rule, m.View))
		}
		line := fmt.Sprintf("%s %s %.2f %v :: %.300q", l.ID, l.Source, r.Score, rs, l.Text)
		if l.Label == "attack" && !hit {
			miss = append(miss, line)
		}
		if l.Label == "benign" && hit {
			fa = append(fa, line)
		}
	}
	sort.Strings(miss)
	t.Logf("MISSES %d\n%s", len(miss), strings.Join(miss, "\n"))
	t.Logf("FALSE ALARMS %d\n%s", len(fa), strings.Join(fa, "\n"))
}

// rates is the scanner's confusion on one split.
type rates struct {
	Attacks, Detected, Benign, FalseAlarms int
}

// count adds one prompt of label ("attack" or "benign") the scanner hit
// or not.
func (r *rates) count(label string, hit bool) {
	if label == "attack" {
		r.Attacks++
		if hit {
			r.Detected++
		}
		return
	}
	r.Benign++
	if hit {
		r.FalseAlarms++
	}
}

func (r rates) detection() float64 { return float64(r.Detected) / float64(r.Attacks) }
func (r rates) fpr() float64       { return float64(r.FalseAlarms) / float64(r.Benign) }

func measure(t testing.TB, set []labelled, split string) rates {
	s := &InjectionScanner{}
	var r rates
	for _, l := range set {
		if l.Split != split {
			continue
		}
		r.count(l.Label, s.Scan(l.Text, false).Score >= DefaultInjectionThreshold)
	}
	return r
}

// TestInjectionQuality pins the detection and false-positive rates of rule
// set RuleSetVersion at DefaultInjectionThreshold on the labelled set
// (docs/guardrails.md quotes them). The held-out split was never looked at
// while tuning the rules. A change to the rules that moves a figure must
// update this table and the documentation together.
func TestInjectionQuality(t *testing.T) {
	t.Parallel()
	set := loadLabelled(t)
	want := map[string]rates{
		"dev":     {Attacks: 373, Detected: 295, Benign: 935, FalseAlarms: 0},
		"heldout": {Attacks: 348, Detected: 257, Benign: 915, FalseAlarms: 5},
	}
	for _, split := range []string{"dev", "heldout"} {
		got := measure(t, set, split)
		t.Logf("%s: detection %d/%d = %.3f, false positives %d/%d = %.4f", split, got.Detected, got.Attacks,
			got.detection(), got.FalseAlarms, got.Benign, got.fpr())
		if got != want[split] {
			t.Errorf("%s: got %+v, want %+v", split, got, want[split])
		}
	}
}
