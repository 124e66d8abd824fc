//go:build !unix

package drift

func cpuSeconds() float64 { return 0 }
