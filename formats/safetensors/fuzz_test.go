package safetensors

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzSafetensors(f *testing.F) {
	f.Add(build(`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}`, 16))
	f.Add(build(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2))
	f.Add(build(`{"a":[[[[{}]]]]}`, 0))
	seeds, _ := filepath.Glob("../../scan/testdata/*/*.safetensors")
	more, _ := filepath.Glob("../../scan/testdata/*/*/*.safetensors")
	for _, p := range append(seeds, more...) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Parse(bytes.NewReader(data), int64(len(data)))
		if err == nil && (h == nil || len(h.Problems) > MaxProblems) {
			t.Fatal("bad result")
		}
	})
}
