// Package cputime reads this process's CPU time, for benchmarks.
//
// The machines that run our benchmarks are shared (CI has 2 cores and other
// builds), so wall-clock rates understate our speed whenever a neighbour
// takes a core. Benchmarks therefore also report rates per CPU-second
// (user + system time of this process, garbage collection included),
// which neighbours do not distort. One definition here instead of a copy
// in each package's benchmarks.
package cputime
