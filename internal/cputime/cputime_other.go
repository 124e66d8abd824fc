//go:build !unix

package cputime

import "time"

// Process returns 0: CPU time is read on Unix systems only; callers skip
// per-CPU-second figures when it is 0.
func Process() time.Duration { return 0 }
