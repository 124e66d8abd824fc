package manifest_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlsec/mlsec/manifest"
)

// Hash a model folder as OMS signing does: one SHA-256 per file, in
// code-point order, and a root digest over them. The root digest is the
// model's identity everywhere in mlsec (evidence, BOM, registry versions).
// mlsec's attachments (a Sigstore bundle at model.sig, a CycloneDX BOM) are
// never part of it: they are recorded as ignored instead.
func Example() {
	model, _ := os.MkdirTemp("", "manifest-example")
	defer os.RemoveAll(model)
	_ = os.WriteFile(filepath.Join(model, "weights.bin"), []byte("weights"), 0o644)
	_ = os.WriteFile(filepath.Join(model, "config.json"), []byte("{}"), 0o644)

	m, err := manifest.Hash(context.Background(), model, manifest.Options{})
	if err != nil {
		panic(err)
	}
	for _, it := range m.Items {
		fmt.Println(it.Name, it.Size, hex.EncodeToString(it.Digest)[:12])
	}
	fmt.Println("root", hex.EncodeToString(m.RootDigest())[:12])

	_ = os.WriteFile(filepath.Join(model, manifest.SignatureFile), []byte(`{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}`), 0o644)
	_ = os.WriteFile(filepath.Join(model, "bom.cdx.json"), []byte(`{"bomFormat": "CycloneDX"}`), 0o644)
	m, err = manifest.Hash(context.Background(), model, manifest.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println("identity", hex.EncodeToString(m.RootDigest())[:12])
	fmt.Println("ignore_paths", m.IgnorePaths)
	// Output:
	// config.json 2 44136fa355b3
	// weights.bin 7 9a129038d9a0
	// root c3bf65fb99ad
	// identity c3bf65fb99ad
	// ignore_paths [.git .gitattributes .github .gitignore bom.cdx.json model.sig]
}
