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
	// The scan is clean and the signature verifies; the documentation
	// rules deny because the folder declares no licence, datasets or model
	// card (BOM-002, -003, -004).
	fmt.Println("allowed:", out.Allowed())
	for _, d := range out.Decision.Denies {
		fmt.Println("deny", d.ID)
	}
	// Output:
	// signature verified: true
	// allowed: false
	// deny MLSEC-BOM-002
	// deny MLSEC-BOM-003
	// deny MLSEC-BOM-004
}
