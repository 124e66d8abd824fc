package guard

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"testing"
	"text/tabwriter"
	"time"
)

var latency = flag.Bool("latency", false, "print the per-request latency of InspectRequest over the labelled set (bench/guard.sh)")

// routeConfig is the guard bench/guard.sh and the latency figures use: the
// input scanners a chat route would turn on.
func routeConfig() Config {
	return Config{Injection: &InjectionConfig{}, PromptPII: &PIIConfig{}, Length: &LengthConfig{MaxPromptTokens: 32000},
		PromptBanned: &BannedConfig{Topics: []Topic{{Name: "weapons", Terms: []string{"pipe bomb", "nerve agent"}}}}}
}

func labelledBodies(t testing.TB) [][]byte {
	var out [][]byte
	for _, l := range loadLabelled(t) {
		b, _ := json.Marshal(map[string]any{"model": "m", "messages": []any{
			map[string]any{"role": "system", "content": "You are a helpful assistant."},
			map[string]any{"role": "user", "content": l.Text}}})
		out = append(out, b)
	}
	return out
}

// TestLatencyReport is not a timed test: it prints p50/p99/max latency of
// InspectRequest (injection, pii, length and banned scanners) per request of
// the labelled set, for docs/guardrails.md. It asserts nothing about time.
func TestLatencyReport(t *testing.T) {
	if !*latency {
		t.Skip("-latency prints the latency table (bench/guard.sh)")
	}
	g := mustGuard(t, routeConfig())
	bodies := labelledBodies(t)
	ds := make([]time.Duration, 0, len(bodies))
	size := 0
	for _, b := range bodies {
		size += len(b)
		start := time.Now()
		if _, err := g.InspectRequest(b); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[int(p*float64(len(ds)-1))] }
	fmt.Printf("requests %d, mean body %d bytes: p50 %v  p99 %v  max %v\n", len(ds), size/len(ds),
		q(0.50).Round(time.Microsecond), q(0.99).Round(time.Microsecond), ds[len(ds)-1].Round(time.Microsecond))
}

// TestQualityTable prints detection and false alarms per source and split
// (bench/guard.sh); TestInjectionQuality pins the totals.
func TestQualityTable(t *testing.T) {
	if !*latency {
		t.Skip("-latency prints the quality table too (bench/guard.sh)")
	}
	s := &InjectionScanner{}
	type key struct{ label, source, split string }
	n, hit := map[key]int{}, map[key]int{}
	for _, l := range loadLabelled(t) {
		k := key{l.Label, l.Source, l.Split}
		n[k]++
		if s.Scan(l.Text, false).Score >= DefaultInjectionThreshold {
			hit[k]++
		}
	}
	keys := make([]key, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.label != b.label {
			return a.label < b.label
		}
		if a.source != b.source {
			return a.source < b.source
		}
		return a.split < b.split
	})
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "label\tsource\tsplit\tprompts\tflagged\trate")
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%.3f\n", k.label, k.source, k.split, n[k], hit[k], float64(hit[k])/float64(n[k]))
	}
	w.Flush()
}

func BenchmarkInspectRequest(b *testing.B) {
	g := mustGuardB(b, routeConfig())
	bodies := labelledBodies(b)
	size := 0
	for _, x := range bodies {
		size += len(x)
	}
	b.SetBytes(int64(size / len(bodies)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := g.InspectRequest(bodies[i%len(bodies)]); err != nil {
			b.Fatal(err)
		}
	}
}

func mustGuardB(b *testing.B, c Config) *Guard {
	g, err := New(c)
	if err != nil {
		b.Fatal(err)
	}
	return g
}
