package audit

import (
	"bytes"
	"testing"
)

// FuzzParseCheckpoint: no panic, and what parses re-marshals to itself.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte("example.org/log\n12\n" + "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))
	f.Add([]byte("o\n0\nAAAA\n\n— o abc\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCheckpoint(b)
		if err != nil {
			return
		}
		if m := c.Marshal(); !bytes.HasPrefix(b, m) {
			t.Fatalf("round trip: %q -> %q", b, m)
		}
		ParseCheckpointNote(b)
	})
}

// FuzzVerifyLog: any exported file either fails to read or verifies
// without panicking.
func FuzzVerifyLog(f *testing.F) {
	l, _, v := buildLog(&testing.T{}, 3)
	var buf bytes.Buffer
	l.Write(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"format":"mlsec-audit-log/v1","entries":[{"index":5,"entry":"e30="}],"checkpoints":["x"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ReadLog(bytes.NewReader(b))
		if err != nil {
			return
		}
		Verify(l, v, VerifyOptions{})
		ParseEntry(b)
	})
}
