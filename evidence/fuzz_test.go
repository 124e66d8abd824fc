package evidence

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadItems feeds arbitrary bytes to the evidence reader (records,
// arrays, envelopes): it must return records that validate, or an error.
func FuzzReadItems(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	priv := genKey(f, "P-256")
	tk, _ := NewTrustedKey(&priv.PublicKey)
	if data, err := os.ReadFile("testdata/valid/approval.json"); err == nil {
		recs, _ := Read(bytes.NewReader(data))
		if env, err := Attest(recs[0], priv); err == nil {
			var buf bytes.Buffer
			_ = WriteEnvelope(&buf, env)
			f.Add(buf.Bytes())
		}
	}
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ReadItems(bytes.NewReader(data), []TrustedKey{tk})
		if err != nil {
			return
		}
		for _, it := range items {
			if verr := it.Validate(); verr != nil {
				t.Fatalf("ReadItems returned an invalid record: %v", verr)
			}
			if it.Signed && it.Signer != tk.ID {
				t.Fatalf("signed by unknown signer %q", it.Signer)
			}
		}
	})
}
