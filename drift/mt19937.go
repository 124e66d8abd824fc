package drift

// numpyRandomState is numpy's legacy global generator (np.random.seed(s),
// MT19937) and the one draw Evidently's permutation tests use from it:
// permutation(n), which np.random.choice(..., replace=False) also calls.
// Reproducing it gives Evidently's TVD p-value draw for draw on data laid
// out in the same order (docs/drift.md says which order). Not for anything
// that needs unpredictable numbers.
type numpyRandomState struct {
	mt  [624]uint32
	pos int
}

// newNumpyRandomState is np.random.seed(seed) (init_genrand).
func newNumpyRandomState(seed uint32) *numpyRandomState {
	r := &numpyRandomState{pos: 624}
	r.mt[0] = seed
	for i := 1; i < 624; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	return r
}

// next32 is MT19937's genrand_int32.
func (r *numpyRandomState) next32() uint32 {
	if r.pos >= 624 {
		const upper, lower = 0x80000000, 0x7fffffff
		for i := 0; i < 624; i++ {
			y := r.mt[i]&upper | r.mt[(i+1)%624]&lower
			v := r.mt[(i+397)%624] ^ y>>1
			if y&1 == 1 {
				v ^= 0x9908b0df
			}
			r.mt[i] = v
		}
		r.pos = 0
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// interval is numpy's random_interval(max) for max < 2^32: a value in
// [0, max] by masked rejection.
func (r *numpyRandomState) interval(max uint32) uint32 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		if v := r.next32() & mask; v <= max {
			return v
		}
	}
}

// permutation is RandomState.permutation(n): arange(n) shuffled from the
// end (Fisher–Yates, j = random_interval(i)), written into p.
func (r *numpyRandomState) permutation(p []int32) {
	for i := range p {
		p[i] = int32(i)
	}
	for i := len(p) - 1; i >= 1; i-- {
		j := r.interval(uint32(i))
		p[i], p[j] = p[j], p[i]
	}
}
