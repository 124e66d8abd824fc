package sign_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlsec/mlsec/sign"
)

// Sign a model folder with a key (an OMS v1.0 Sigstore bundle), verify it,
// then tamper with one file: verification fails and names the file.
func Example() {
	ctx := context.Background()
	model, _ := os.MkdirTemp("", "sign-example")
	defer os.RemoveAll(model)
	_ = os.WriteFile(filepath.Join(model, "config.json"), []byte(`{"hidden": 8}`), 0o644)
	_ = os.WriteFile(filepath.Join(model, "weights.bin"), []byte("weights"), 0o644)

	key, _, _, err := sign.GenerateKey("P-256")
	if err != nil {
		panic(err)
	}
	signer, err := sign.NewKeySigner(key)
	if err != nil {
		panic(err)
	}
	bundle, _, err := signer.Sign(ctx, model, sign.SignOptions{})
	if err != nil {
		panic(err)
	}
	data, err := bundle.Marshal()
	if err != nil {
		panic(err)
	}
	verify := func() error {
		_, err := sign.Verify(ctx, model, data, sign.VerifyOptions{Verifier: sign.KeyVerifier{Key: &key.PublicKey}})
		return err
	}
	fmt.Println("verify:", verify())

	_ = os.WriteFile(filepath.Join(model, "config.json"), []byte(`{"hidden": 9}`), 0o644)
	err = verify()
	fmt.Println("after tampering, model mismatch:", errors.Is(err, sign.ErrModelMismatch))
	// Output:
	// verify: <nil>
	// after tampering, model mismatch: true
}
