package manifest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlsec/mlsec/manifest"
)

// Example hashes a model folder: the model's files are every regular file
// except the default git paths and mlsec's attachments (a Sigstore bundle
// at model.sig, a CycloneDX BOM), which are recorded as ignored instead.
func Example() {
	root, err := os.MkdirTemp("", "model")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(root)
	for name, content := range map[string]string{
		"weights.bin":  "w",
		"config.json":  "{}",
		"model.sig":    `{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}`,
		"bom.cdx.json": `{"bomFormat": "CycloneDX"}`,
		".git/HEAD":    "ref: refs/heads/main",
	} {
		p := filepath.Join(root, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		_ = os.WriteFile(p, []byte(content), 0o644)
	}
	m, err := manifest.Hash(context.Background(), root, manifest.Options{})
	if err != nil {
		panic(err)
	}
	for _, it := range m.Items {
		fmt.Printf("%s %x\n", it.Name, it.Digest[:4])
	}
	fmt.Printf("root %x\n", m.RootDigest()[:8])
	fmt.Println("ignore_paths", m.IgnorePaths)
	// Output:
	// config.json 44136fa3
	// weights.bin 50e721e4
	// root 4fddeb43bb7d33f2
	// ignore_paths [.git .gitattributes .github .gitignore bom.cdx.json model.sig]
}
