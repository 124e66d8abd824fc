package gate_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/gate"
	"github.com/mlsec/mlsec/sign"
)

// Gate a signed model folder: the gate scans it, verifies its signature
// with the trusted key, writes its ML-BOM, and lets the default policy
// decide from that evidence. Every deny names its rule.
func Example() {
	ctx := context.Background()
	model, _ := os.MkdirTemp("", "gate-example")
	defer os.RemoveAll(model)
	// A minimal safetensors file: an 8-byte header length, then the header.
	header := []byte(`{"__metadata__":{"format":"pt"}}`)
	st := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	_ = os.WriteFile(filepath.Join(model, "model.safetensors"), append(st, header...), 0o644)

	key, _, _, _ := sign.GenerateKey("P-256")
	signer, _ := sign.NewKeySigner(key)
	bundle, _, err := signer.Sign(ctx, model, sign.SignOptions{})
	if err != nil {
		panic(err)
	}
	data, _ := bundle.Marshal()
	_ = os.WriteFile(filepath.Join(model, "model.sig"), data, 0o644)
	trusted, _ := evidence.NewTrustedKey(&key.PublicKey)

	out, err := gate.Run(ctx, gate.Options{ModelPath: model, Name: "tiny", Keys: []evidence.TrustedKey{trusted},
		Now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	fmt.Println("signature verified:", out.Signature.Verified)
	// The scan is clean and the signature verifies, so the baseline
	// profile allows; the documentation rules warn because the folder
	// declares no licence, datasets or model card (BOM-002, -003, -004).
	// Under --profile strict (gate.Options.Policy.Profile) they deny.
	fmt.Println("profile:", out.Decision.Profile, "allowed:", out.Allowed())
	for _, w := range out.Decision.Warnings {
		fmt.Println("warn", w.ID)
	}
	// Output:
	// signature verified: true
	// profile: baseline allowed: true
	// warn MLSEC-BOM-002
	// warn MLSEC-BOM-003
	// warn MLSEC-BOM-004
}
