package cputime

import (
	"testing"
	"time"
)

// TestProcessCountsWork fails if Process does not grow with work done: a
// busy loop of 50 ms wall time must add CPU time.
func TestProcessCountsWork(t *testing.T) {
	before := Process()
	if before <= 0 {
		t.Fatalf("Process() = %v before any work; a running test has used CPU", before)
	}
	x := 0
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
		x++
	}
	if after := Process(); after <= before {
		t.Fatalf("Process() went from %v to %v over a 50 ms busy loop (%d iterations)", before, after, x)
	}
}
