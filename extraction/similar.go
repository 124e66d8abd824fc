package extraction

import (
	"hash/fnv"
	"strings"
)

// maxShingles bounds the trigrams kept per prompt (memory per client).
const maxShingles = 512

// shingles returns the hashed word trigrams of a prompt (lower case),
// at most maxShingles of them; a prompt of fewer than three words is one
// shingle.
func shingles(p string) map[uint64]struct{} {
	ws := strings.Fields(strings.ToLower(p))
	out := map[uint64]struct{}{}
	h := fnv.New64a()
	add := func(parts []string) {
		h.Reset()
		for _, w := range parts {
			h.Write([]byte(w))
			h.Write([]byte{0})
		}
		out[h.Sum64()] = struct{}{}
	}
	if len(ws) < 3 {
		add(ws)
		return out
	}
	for i := 0; i+3 <= len(ws) && len(out) < maxShingles; i++ {
		add(ws[i : i+3])
	}
	return out
}

// jaccard is |a ∩ b| / |a ∪ b|.
func jaccard(a, b map[uint64]struct{}) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	inter := 0
	for k := range a {
		if _, ok := b[k]; ok {
			inter++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}
