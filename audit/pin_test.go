package audit

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// TestVerifyStaleLeafHashBeyondCheckpoint: an entry appended after the
// latest signed checkpoint is covered by no root, so only the leaf hash
// the store recorded at append time can show it was altered. Verify must
// name it as altered (not as merely "not yet checkpointed").
func TestVerifyStaleLeafHashBeyondCheckpoint(t *testing.T) {
	t.Parallel()
	l, _, v := buildLog(t, 20)
	for i := range l.Entries {
		l.Entries[i].LeafHash = LeafHash(l.Entries[i].Data)
	}
	l.Checkpoints = l.Checkpoints[:15] // entries 15..19 are the unsigned tail
	if r := Verify(l, v, VerifyOptions{}); r.Entries != 20 || len(r.Problems) != 1 || r.Problems[0].Kind != KindInserted || r.Problems[0].Index != 15 {
		t.Fatalf("untampered unsigned tail: want one %q problem at 15, got %+v", KindInserted, r.Problems)
	}
	// Alter entry 17's bytes, leave its stored leaf hash as it was.
	l.Entries[17].Data = bytes.Replace(l.Entries[17].Data, []byte(`"o17"`), []byte(`"o18"`), 1)
	r := Verify(l, v, VerifyOptions{})
	if len(r.Problems) != 1 {
		t.Fatalf("want exactly the altered entry, got %+v", r.Problems)
	}
	p := r.Problems[0]
	if p.Kind != KindAltered || p.Index != 17 || !strings.Contains(p.Message, "leaf hash") || r.Entries != 17 {
		t.Fatalf("want entry 17 altered by its stale leaf hash (17 entries verified), got %d entries, %+v", r.Entries, p)
	}
}

// TestOpenRefusesForeignOrigin: a note signed by the log's own key whose
// checkpoint body names another origin (another log's checkpoint) is
// refused, though its signature verifies.
func TestOpenRefusesForeignOrigin(t *testing.T) {
	t.Parallel()
	skey, vkey, err := GenerateKey("example.org/log")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewSigner(skey)
	v, _ := NewVerifier(vkey)
	body := Checkpoint{Origin: "example.org/other", Size: 3, Hash: LeafHash([]byte("x"))}.Marshal()
	msg, err := note.Sign(&note.Note{Text: string(body)}, s.s) // Signer.Sign refuses this; an attacker holding the key would not
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v.v)); err != nil {
		t.Fatalf("the note itself must verify for this test to mean anything: %v", err)
	}
	if c, err := v.Open(msg); err == nil || !strings.Contains(err.Error(), `"example.org/other"`) {
		t.Fatalf("checkpoint of origin %q opened by the verifier of %q: %+v %v", "example.org/other", v.Origin(), c, err)
	}
	// In a log, it is a bad checkpoint, not a root to check entries against.
	l, _, _ := buildLog(t, 3)
	l.VerifierKey, l.Origin = vkey, "example.org/log"
	l.Checkpoints = [][]byte{msg}
	if r := Verify(l, v, VerifyOptions{}); r.Checkpoints != 0 || r.OK() || r.Problems[0].Kind != KindBadSignature {
		t.Fatalf("foreign-origin checkpoint in a log: %+v", r)
	}
}
