//go:build unix

package drift

import "syscall"

// cpuSeconds is the process's user+system CPU time: benchmarks report
// rows per CPU second too, which other builds on a shared machine do not
// distort as they distort wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
