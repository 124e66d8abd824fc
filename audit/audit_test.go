package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
)

// TestTreeMatchesReference checks roots and proofs against the RFC 6962
// test vectors and transparency-dev's reference tree.
func TestTreeMatchesReference(t *testing.T) {
	t.Parallel()
	leaves := testonly.LeafInputs()
	roots := testonly.RootHashes()
	tr := &Tree{}
	if r, _ := tr.Root(0); !bytes.Equal(r, testonly.EmptyRootHash()) {
		t.Fatalf("empty root %x", r)
	}
	for i, l := range leaves {
		tr.Append(LeafHash(l))
		if r, _ := tr.Root(uint64(i + 1)); !bytes.Equal(r, roots[i+1]) {
			t.Fatalf("root at %d = %x, want %x", i+1, r, roots[i+1])
		}
	}
	ref := testonly.New(rfc6962.DefaultHasher)
	big := &Tree{}
	for i := range 70 {
		d := []byte(fmt.Sprintf("leaf %d", i))
		ref.AppendData(d)
		big.Append(LeafHash(d))
	}
	for size := uint64(1); size <= 70; size++ {
		root, _ := big.Root(size)
		if !bytes.Equal(root, ref.HashAt(size)) {
			t.Fatalf("root %d", size)
		}
		for i := uint64(0); i < size; i++ {
			p, err := big.Inclusion(i, size)
			want, _ := ref.InclusionProof(i, size)
			if err != nil || !equalHashes(p, want) {
				t.Fatalf("inclusion %d/%d: %v", i, size, err)
			}
			leaf, _ := big.LeafHash(i)
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, size, leaf, p, root); err != nil {
				t.Fatal(err)
			}
		}
		for s1 := uint64(0); s1 <= size; s1++ {
			p, err := big.Consistency(s1, size)
			want, _ := ref.ConsistencyProof(s1, size)
			if err != nil || !equalHashes(p, want) {
				t.Fatalf("consistency %d..%d: %v", s1, size, err)
			}
		}
	}
	if _, err := big.Root(71); err == nil {
		t.Fatal("root beyond size")
	}
	// The compact-range state the registry stores gives the same roots.
	var border [][]byte
	for i := range 70 {
		var root []byte
		var err error
		border, root, err = CompactAppend(uint64(i), border, LeafHash([]byte(fmt.Sprintf("leaf %d", i))))
		if err != nil || !bytes.Equal(root, ref.HashAt(uint64(i+1))) {
			t.Fatalf("compact root %d: %v", i+1, err)
		}
	}
}

func equalHashes(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestEntryCanonical(t *testing.T) {
	t.Parallel()
	e := Entry{Index: 7, Time: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.FixedZone("x", 3600)), Actor: "alice",
		Action: "version.stage", Object: "model/m/versions/1", Details: json.RawMessage(`{ "from": "staging", "to":"production", "why": "<ok>" }`)}
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"index":7,"time":"2026-01-02T02:04:05.000006Z","actor":"alice","action":"version.stage","object":"model/m/versions/1","details":{"from":"staging","to":"production","why":"<ok>"}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	back, err := ParseEntry(b)
	if err != nil || back.Index != 7 || back.Actor != "alice" {
		t.Fatalf("%+v %v", back, err)
	}
	for _, bad := range []string{
		`{"index":7, "time":"2026-01-02T02:04:05.000006Z","actor":"alice","action":"a","object":"o"}`, // whitespace
		`{"actor":"alice","index":7,"time":"2026-01-02T02:04:05.000006Z","action":"a","object":"o"}`,  // key order
		`{"index":7,"time":"2026-01-02T02:04:05.000006Z","actor":"alice","action":"a","object":"o","x":1}`,
		`{"index":7,"time":"2026-01-02T03:04:05.000006+01:00","actor":"alice","action":"a","object":"o"}`,
		`not json`,
	} {
		if _, err := ParseEntry([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestCheckpointSignAndOpen(t *testing.T) {
	t.Parallel()
	skey, vkey, err := GenerateKey("example.org/log")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil || s.VerifierKey() != vkey {
		t.Fatalf("derived verifier key %q, want %q (%v)", s.VerifierKey(), vkey, err)
	}
	cp := Checkpoint{Origin: "example.org/log", Size: 12, Hash: LeafHash([]byte("x"))}
	msg, err := s.Sign(cp)
	if err != nil {
		t.Fatal(err)
	}
	body := string(cp.Marshal())
	if !strings.HasPrefix(string(msg), body+"\n— example.org/log ") || strings.Count(body, "\n") != 3 {
		t.Fatalf("not a C2SP signed note:\n%s", msg)
	}
	v, _ := NewVerifier(vkey)
	got, err := v.Open(msg)
	if err != nil || got.Size != 12 || !bytes.Equal(got.Hash, cp.Hash) {
		t.Fatalf("%+v %v", got, err)
	}
	if c, err := ParseCheckpointNote(msg); err != nil || c.Size != 12 {
		t.Fatal(err)
	}
	// Wrong key (same name), altered body and altered signature all fail.
	_, other, _ := GenerateKey("example.org/log")
	ov, _ := NewVerifier(other)
	if _, err := ov.Open(msg); err == nil {
		t.Fatal("opened with the wrong key")
	}
	if _, err := v.Open(bytes.Replace(msg, []byte("\n12\n"), []byte("\n13\n"), 1)); err == nil {
		t.Fatal("opened an altered checkpoint")
	}
	if _, err := s.Sign(Checkpoint{Origin: "other", Size: 1, Hash: cp.Hash}); err == nil {
		t.Fatal("signed a foreign origin")
	}
	for _, bad := range []string{"o\n1\n", "o\n01\nAAAA\n", "o\n1\nAAAA\n", "\n1\n" + strings.Repeat("A", 43) + "=\n", "o\n1\n" + strings.Repeat("A", 43) + "="} {
		if _, err := ParseCheckpoint([]byte(bad)); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "d", "audit.key")
	s, created, err := LoadOrCreateKey(p, "o/log")
	if err != nil || !created {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	pub, _ := os.ReadFile(p + ".pub")
	if strings.TrimSpace(string(pub)) != s.VerifierKey() {
		t.Fatal("pub file")
	}
	s2, created, err := LoadOrCreateKey(p, "ignored")
	if err != nil || created || s2.VerifierKey() != s.VerifierKey() {
		t.Fatal("reload", err)
	}
	// Readable by anyone but the owner, the group included, is refused.
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o610} {
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if _, _, err := LoadOrCreateKey(p, "o/log"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("audit key of mode %v: %v, want refused with a chmod 600 hint", mode, err)
		}
	}
}

// buildLog makes a log of n entries with a checkpoint per entry.
func buildLog(t *testing.T, n int) (*Log, *Signer, *Verifier) {
	t.Helper()
	skey, vkey, _ := GenerateKey("test/log")
	s, _ := NewSigner(skey)
	v, _ := NewVerifier(vkey)
	l := &Log{Format: LogFormat, Origin: "test/log", VerifierKey: vkey}
	var border [][]byte
	for i := range n {
		data, err := Entry{Index: uint64(i), Time: time.Unix(int64(i), 0), Actor: "a", Action: "act", Object: fmt.Sprint("o", i)}.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var root []byte
		border, root, _ = CompactAppend(uint64(i), border, LeafHash(data))
		msg, _ := s.Sign(Checkpoint{Origin: "test/log", Size: uint64(i + 1), Hash: root})
		l.Entries = append(l.Entries, Record{Index: uint64(i), Data: data})
		l.Checkpoints = append(l.Checkpoints, msg)
	}
	return l, s, v
}

func TestVerifyAndExportRoundTrip(t *testing.T) {
	t.Parallel()
	l, _, v := buildLog(t, 20)
	if r := Verify(l, v, VerifyOptions{}); !r.OK() || r.Entries != 20 || r.Checkpoints != 20 {
		t.Fatalf("%+v", r)
	}
	var buf bytes.Buffer
	if err := l.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r := Verify(back, v, VerifyOptions{}); !r.OK() || r.Entries != 20 {
		t.Fatalf("after export: %+v", r)
	}
	// Sparse checkpoints still verify (only some sizes signed).
	sparse := *back
	sparse.Checkpoints = [][]byte{back.Checkpoints[4], back.Checkpoints[19]}
	if r := Verify(&sparse, v, VerifyOptions{}); !r.OK() || r.Checkpoints != 2 {
		t.Fatalf("sparse: %+v", r.Problems)
	}
	if _, err := ReadLog(strings.NewReader(`{"format":"other"}`)); err == nil {
		t.Fatal("read a foreign format")
	}
}

func TestVerifyPinpointsTampering(t *testing.T) {
	t.Parallel()
	forged := func(i int) Record {
		d, _ := Entry{Index: uint64(i), Time: time.Unix(99, 0), Actor: "mallory", Action: "act", Object: "x"}.Marshal()
		return Record{Index: uint64(i), Data: d}
	}
	cases := []struct {
		name   string
		mut    func(l *Log)
		opts   func(l *Log) VerifyOptions
		index  int64
		kind   string
		sparse bool
	}{
		{name: "altered", mut: func(l *Log) { l.Entries[7].Data = bytes.Replace(l.Entries[7].Data, []byte(`"o7"`), []byte(`"o8"`), 1) }, index: 7, kind: KindAltered},
		{name: "forged-replacement", mut: func(l *Log) { l.Entries[3] = forged(3) }, index: 3, kind: KindAltered},
		{name: "non-canonical", mut: func(l *Log) { l.Entries[5].Data = append([]byte(" "), l.Entries[5].Data...) }, index: 5, kind: KindAltered},
		{name: "deleted", mut: func(l *Log) { l.Entries = append(l.Entries[:9], l.Entries[10:]...) }, index: 9, kind: KindDeleted},
		{name: "deleted-renumbered", mut: func(l *Log) {
			l.Entries = append(l.Entries[:9], l.Entries[10:]...)
			for i := 9; i < len(l.Entries); i++ {
				l.Entries[i].Index--
			}
		}, index: 9, kind: KindDeleted},
		{name: "duplicated", mut: func(l *Log) {
			l.Entries = append(l.Entries[:12], append([]Record{l.Entries[11]}, l.Entries[12:]...)...)
		}, index: 12, kind: KindInserted},
		{name: "inserted-tail", mut: func(l *Log) { l.Entries = append(l.Entries, forged(20)) }, index: 20, kind: KindInserted},
		{name: "truncated-tail-with-checkpoints", mut: func(l *Log) {
			l.Entries, l.Checkpoints = l.Entries[:15], l.Checkpoints[:15]
		}, opts: func(l *Log) VerifyOptions { return VerifyOptions{Trusted: [][]byte{l.Checkpoints[14]}} }, index: -2, kind: ""},
		{name: "altered-sparse", sparse: true, mut: func(l *Log) { l.Entries[7] = forged(7) }, index: 5, kind: KindAltered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, _, v := buildLog(t, 20)
			var o VerifyOptions
			if c.opts != nil {
				o = c.opts(l) // capture trusted checkpoints before tampering
			}
			if c.sparse {
				l.Checkpoints = [][]byte{l.Checkpoints[4], l.Checkpoints[9], l.Checkpoints[19]}
			}
			c.mut(l)
			r := Verify(l, v, o)
			if c.index == -2 { // truncation after the auditor's checkpoint: still fine
				if !r.OK() {
					t.Fatalf("%+v", r.Problems)
				}
				return
			}
			p := r.First()
			if r.OK() || p.Index != c.index || p.Kind != c.kind {
				t.Fatalf("want %s at %d, got %+v", c.kind, c.index, r.Problems)
			}
		})
	}
	// Truncation is caught by a checkpoint the auditor kept.
	l, _, v := buildLog(t, 20)
	kept := l.Checkpoints[19]
	l.Entries, l.Checkpoints = l.Entries[:15], l.Checkpoints[:15]
	if r := Verify(l, v, VerifyOptions{}); !r.OK() {
		t.Fatalf("truncation without a kept checkpoint is not detectable: %+v", r.Problems)
	}
	r := Verify(l, v, VerifyOptions{Trusted: [][]byte{kept}})
	if p := r.First(); r.OK() || p.Index != 15 || p.Kind != KindDeleted {
		t.Fatalf("truncation with a kept checkpoint: %+v", r.Problems)
	}
}

func TestVerifyCheckpointProblems(t *testing.T) {
	t.Parallel()
	l, _, v := buildLog(t, 10)
	// A bad signature is reported, the rest still verifies.
	l.Checkpoints[3] = bytes.Replace(l.Checkpoints[3], []byte("\n4\n"), []byte("\n5\n"), 1)
	r := Verify(l, v, VerifyOptions{})
	if r.OK() || r.First().Kind != KindBadSignature || r.Checkpoints != 9 {
		t.Fatalf("%+v", r)
	}
	// A fork: two validly signed roots for one size.
	l, s, v := buildLog(t, 10)
	fork, _ := s.Sign(Checkpoint{Origin: "test/log", Size: 5, Hash: LeafHash([]byte("other"))})
	l.Checkpoints = append(l.Checkpoints, fork)
	if r := Verify(l, v, VerifyOptions{}); r.OK() {
		t.Fatal("fork not reported")
	}
	// A server whose consistency proofs do not verify.
	l, _, v = buildLog(t, 10)
	bad := VerifyOptions{ConsistencyProof: func(from, to uint64) ([][]byte, error) { return [][]byte{LeafHash(nil)}, nil }}
	if r := Verify(l, v, bad); r.OK() || r.First().Kind != KindInconsistent {
		t.Fatalf("%+v", r.Problems)
	}
}
