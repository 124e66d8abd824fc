package drift

import (
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// scratchPool reuses radix-sort buffers across columns (8 MB for a million
// values) instead of allocating one per column.
var scratchPool sync.Pool

// bigSorts bounds the large sorts running at once to the cores, so reading
// two tables at once does not hold a scratch buffer per column being
// finished: each is as large as the column.
var bigSorts = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// sortFloats sorts finite float64s ascending with an LSD radix sort on
// their order-preserving bit patterns: about 4× faster than pdqsort on the
// sketches' 2048-value buffers, which dominates the cost of an update. The
// keys are built in xs itself (viewed as uint64s), so the only extra
// memory is one buffer of len(xs) keys. Byte positions where every key
// agrees are skipped.
func sortFloats(xs []float64, scratch []uint64) {
	n := len(xs)
	if n < 64 {
		insertionSort(xs)
		return
	}
	if cap(scratch) < n {
		if n >= 1<<16 {
			bigSorts <- struct{}{}
			defer func() { <-bigSorts }()
		}
		if p, ok := scratchPool.Get().(*[]uint64); ok && cap(*p) >= n {
			scratch = *p
		} else {
			scratch = make([]uint64, n)
		}
		defer scratchPool.Put(&scratch)
	}
	// float64 and uint64 have the same size and alignment: the keys
	// replace the values in place and become values again at the end.
	keys := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(xs))), n)
	for i, x := range xs {
		u := math.Float64bits(x)
		if u>>63 == 1 {
			u = ^u
		} else {
			u |= 1 << 63
		}
		keys[i] = u
	}
	var counts [8][256]int
	for _, u := range keys {
		for p := 0; p < 8; p++ {
			counts[p][byte(u>>(8*p))]++
		}
	}
	a, b := keys, scratch[:n]
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
	if &a[0] != &keys[0] {
		copy(keys, a)
	}
	for i, u := range keys {
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

var scratch32Pool sync.Pool

// sortInt32 sorts xs ascending with an LSD radix sort (4 byte passes, the
// sign bit flipped so negatives come first), with one scratch buffer.
func sortInt32(xs []int32) {
	n := len(xs)
	if n < 2 {
		return
	}
	if n >= 1<<16 {
		bigSorts <- struct{}{}
		defer func() { <-bigSorts }()
	}
	var scratch []uint32
	if p, ok := scratch32Pool.Get().(*[]uint32); ok && cap(*p) >= n {
		scratch = *p
	} else {
		scratch = make([]uint32, n)
	}
	defer scratch32Pool.Put(&scratch)
	keys := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(xs))), n)
	var counts [4][256]int
	for i, x := range xs {
		u := uint32(x) ^ 1<<31
		keys[i] = u
		for p := 0; p < 4; p++ {
			counts[p][byte(u>>(8*p))]++
		}
	}
	a, b := keys, scratch[:n]
	for p := 0; p < 4; p++ {
		c := &counts[p]
		if c[byte(a[0]>>(8*p))] == n {
			continue
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
	if &a[0] != &keys[0] {
		copy(keys, a)
	}
	for i, u := range keys {
		xs[i] = int32(u ^ 1<<31)
	}
}
