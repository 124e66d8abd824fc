package pickle

import (
	"bytes"
	"testing"
	"time"
)

const payloadStream = "\x80\x04cos\nsystem\nX\x07\x00\x00\x00echo hi\x85R."

// D3: a stream after more junk than the old 1 MiB window is found, and
// when the window is exhausted with input left the report says where.
func TestResyncWindow(t *testing.T) {
	junk := bytes.Repeat([]byte{0xff}, 2<<20)
	b := append(append([]byte("\x80\x04N."), junk...), payloadStream...)
	rep := analyze(t, b, Options{})
	if _, ok := calls(rep)["os.system"]; !ok || len(rep.Junk) != 1 || rep.Junk[0].Len != int64(len(junk)) || rep.Unsearched != nil {
		t.Errorf("default window: calls %v junk %v unsearched %v", calls(rep), rep.Junk, rep.Unsearched)
	}
	// A small window stops early: the stream is not seen, and Unsearched
	// says the search stopped with data left (callers report a limit).
	rep = analyze(t, b, Options{MaxResync: 1 << 16})
	if _, ok := calls(rep)["os.system"]; ok {
		t.Fatal("found beyond the window")
	}
	if rep.Trailing == nil || rep.Trailing.Offset != 4 || rep.Unsearched == nil || rep.Unsearched.Offset != 4+1<<16 {
		t.Errorf("exhausted window: trailing %v unsearched %v", rep.Trailing, rep.Unsearched)
	}
	// Junk that simply ends within the window is trailing data, no more.
	rep = analyze(t, append([]byte("\x80\x04N."), junk[:100<<10]...), Options{MaxResync: 1 << 20})
	if rep.Trailing == nil || rep.Unsearched != nil {
		t.Errorf("short junk: trailing %v unsearched %v", rep.Trailing, rep.Unsearched)
	}
	// Junk ending exactly at the window is not 'unsearched'.
	rep = analyze(t, append([]byte("\x80\x04N."), junk[:1<<16+1]...), Options{MaxResync: 1 << 16})
	if rep.Trailing == nil || rep.Unsearched != nil {
		t.Errorf("junk = window: trailing %v unsearched %v", rep.Trailing, rep.Unsearched)
	}
}

// Junk packed with PROTO bytes whose trial parses each run long before
// failing costs bounded time; the search then reports where it stopped.
func TestResyncTrialBudget(t *testing.T) {
	unit := append(bytes.Repeat([]byte("\x80\x02"), 1500), 0xff)
	junk := bytes.Repeat(unit, (8<<20)/len(unit))
	b := append(append([]byte("\x80\x04N."), junk...), payloadStream...)
	start := time.Now()
	rep := analyze(t, b, Options{})
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("resync over PROTO-packed junk took %v", d)
	}
	if _, ok := calls(rep)["os.system"]; !ok && rep.Unsearched == nil {
		t.Errorf("payload neither found nor reported unsearched: junk %v trailing %v", rep.Junk, rep.Trailing)
	}
}
