package audit_test

import (
	"fmt"
	"time"

	"github.com/mlsec/mlsec/audit"
)

// Build a three-entry log with a signed checkpoint, verify it offline with
// the public key, then rewrite one entry's actor: verification names the
// altered entry.
func Example() {
	skey, vkey, err := audit.GenerateKey("example.org/registry")
	if err != nil {
		panic(err)
	}
	signer, _ := audit.NewSigner(skey)
	verifier, _ := audit.NewVerifier(vkey)

	log := &audit.Log{Format: audit.LogFormat, Origin: signer.Origin(), VerifierKey: vkey}
	var border [][]byte
	var root []byte
	for i, actor := range []string{"alice", "bob", "carol"} {
		e := audit.Entry{Index: uint64(i), Time: time.Date(2026, 12, 1, 9, i, 0, 0, time.UTC),
			Actor: actor, Action: "decision.approve", Object: "model/fraud/versions/3"}
		data, err := e.Marshal()
		if err != nil {
			panic(err)
		}
		border, root, err = audit.CompactAppend(uint64(i), border, audit.LeafHash(data))
		if err != nil {
			panic(err)
		}
		// The store keeps each leaf hash from append time: it narrows an
		// alteration down to the entry (the checkpoint alone proves only
		// that the range it covers changed).
		log.Entries = append(log.Entries, audit.Record{Index: uint64(i), Data: data, LeafHash: audit.LeafHash(data)})
	}
	cp, err := signer.Sign(audit.Checkpoint{Origin: signer.Origin(), Size: 3, Hash: root})
	if err != nil {
		panic(err)
	}
	log.Checkpoints = [][]byte{cp}

	r := audit.Verify(log, verifier, audit.VerifyOptions{})
	fmt.Println("ok:", r.OK(), "entries:", r.Entries, "checkpoints:", r.Checkpoints)

	forged := audit.Entry{Index: 1, Time: time.Date(2026, 12, 1, 9, 1, 0, 0, time.UTC),
		Actor: "mallory", Action: "decision.approve", Object: "model/fraud/versions/3"}
	log.Entries[1].Data, _ = forged.Marshal()
	r = audit.Verify(log, verifier, audit.VerifyOptions{})
	fmt.Println("ok:", r.OK(), "first problem:", r.First().Kind, "at entry", r.First().Index)
	// Output:
	// ok: true entries: 3 checkpoints: 1
	// ok: false first problem: altered at entry 1
}
