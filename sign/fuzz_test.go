package sign

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseBundle feeds bundle and statement parsing arbitrary bytes, seeded
// with every published vector. Parsing must never panic, and a bundle that
// parses must have a decodable payload.
func FuzzParseBundle(f *testing.F) {
	seeds, _ := filepath.Glob(mtDir + "/*/model.sig")
	more, _ := filepath.Glob(specDir + "/*/*.json")
	for _, p := range append(seeds, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		p, err := b.PayloadBytes()
		if err != nil {
			t.Fatalf("parsed bundle with undecodable payload: %v", err)
		}
		_, _ = ParseStatement(p)
	})
}
