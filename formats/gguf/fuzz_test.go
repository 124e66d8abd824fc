package gguf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzGGUF(f *testing.F) {
	w := newBuilder(3, false).count(2).count(3)
	w.kvStr("tokenizer.chat_template", tmpl).kvU32("general.alignment", 32)
	w.str("a").u32(uint32(TypeArray)).u32(uint32(TypeArray)).u64(1).u32(uint32(TypeString)).u64(1).str("x")
	f.Add(w.tensor("a", 0, 0, 4).tensor("b", 2, 32, 32).data(64))
	f.Add(newBuilder(1, false).count(1).count(1).kvStr("k", "v").tensor("t", 1, 0, 2, 2).data(8))
	f.Add(newBuilder(3, true).count(0).count(1).kvStr("k", "v").data(0))
	paths, _ := filepath.Glob("../../scan/testdata/*/*/*.gguf")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse(bytes.NewReader(data), int64(len(data)))
		if err == nil && (g == nil || len(g.Problems) > MaxProblems) {
			t.Fatal("bad result")
		}
	})
}
