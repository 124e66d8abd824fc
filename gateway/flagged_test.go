package gateway

import (
	"testing"
	"time"

	"github.com/mlsec/mlsec/extraction"
)

// TestFlagBookBounded: the book holds at most max_clients entries; a new
// flag drops lapsed entries first, then the client flagged least recently.
func TestFlagBookBounded(t *testing.T) {
	t.Parallel()
	cfg := &ExtractionConfig{Config: extraction.Config{MaxClients: 2}, Action: ExtractionBlock, Expire: Duration(time.Hour)}
	b := newFlagBook(cfg)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := []extraction.Finding{{Detector: extraction.DetectorRate, Value: 11, Threshold: 10}}
	b.update("a", f, t0)
	b.update("b", f, t0.Add(time.Minute))
	b.update("a", f, t0.Add(2*time.Minute)) // a fired again: b is now the least recent
	if fresh := b.update("c", f, t0.Add(3*time.Minute)); len(fresh) != 1 {
		t.Fatalf("fresh = %v, want c's finding", fresh)
	}
	got := map[string]bool{}
	for _, fc := range b.list(&Route{Name: "r"}, t0.Add(3*time.Minute)) {
		got[fc.Client] = true
	}
	if len(got) != 2 || !got["a"] || !got["c"] {
		t.Fatalf("book holds %v, want a and c", got)
	}
	// An hour after a's last flag it lapses: d takes its place, c stays.
	b.update("d", f, t0.Add(62*time.Minute))
	if s := b.check("c", t0.Add(62*time.Minute)); s.action != ExtractionBlock {
		t.Errorf("c: %+v, want still blocked", s)
	}
	if s := b.check("a", t0.Add(62*time.Minute)); s.action != "" {
		t.Errorf("a: %+v, want lapsed", s)
	}
	if n := len(b.m); n != 2 {
		t.Errorf("entries = %d, want 2", n)
	}
}
