package corpus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// ManifestName is the manifest file written at the corpus root.
const ManifestName = "manifest.json"

// Write writes every sample under dir (created if needed) and a manifest
// listing them. It returns the samples written.
func Write(dir string) ([]Sample, error) {
	samples := All()
	if err := Validate(samples); err != nil {
		return nil, err
	}
	for _, s := range samples {
		p := filepath.Join(dir, filepath.FromSlash(s.File))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		if err := os.WriteFile(p, s.Data, 0o644); err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
	}
	m, err := json.MarshalIndent(samples, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("corpus: manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), append(m, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	return samples, nil
}
