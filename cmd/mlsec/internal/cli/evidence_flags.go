package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/manifest"
)

// evidenceOut is the --evidence flag shared by scan, verify and bom: each
// command turns its result into an evidence record about the model's exact
// bytes (manifest.Identity) for the policy engine.
type evidenceOut struct {
	path string
	name string
}

func (e *evidenceOut) register(f *pflag.FlagSet) {
	f.StringVar(&e.path, "evidence", "", "also write the result as an mlsec evidence record to `FILE` (see docs/evidence.md)")
	f.StringVar(&e.name, "model-name", "", "model `NAME` recorded as the evidence subject (default: the path's base name)")
}

func (e *evidenceOut) enabled() bool { return e.path != "" }

// subject identifies the model at path: its name and root digest. digest,
// when not nil, is the identity the command already computed; otherwise
// the model is hashed, reusing the digests of reuse where they apply.
func (e *evidenceOut) subject(ctx context.Context, path string, ignore []string, digest []byte, reuse *manifest.Manifest) (evidence.Subject, error) {
	if digest == nil {
		m, err := manifest.Hash(ctx, path, manifest.Options{Algorithm: manifest.SHA256, IgnorePaths: ignore, Reuse: reuse})
		if err != nil {
			return evidence.Subject{}, fmt.Errorf("--evidence: computing the model digest of %s: %w", path, err)
		}
		digest = m.RootDigest()
	}
	name := e.name
	if name == "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return evidence.Subject{}, err
		}
		name = filepath.Base(abs)
	}
	return evidence.NewSubject(name, hex.EncodeToString(digest)), nil
}

// write builds the record with build and writes it to the --evidence file.
// digest and reuse are as for subject.
func (e *evidenceOut) write(ctx context.Context, path string, ignore []string, digest []byte, reuse *manifest.Manifest, build func(evidence.Subject, time.Time) (evidence.Record, error)) error {
	subj, err := e.subject(ctx, path, ignore, digest, reuse)
	if err != nil {
		return err
	}
	rec, err := build(subj, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("--evidence: %w", err)
	}
	f, err := os.Create(e.path)
	if err != nil {
		return fmt.Errorf("--evidence: %w", err)
	}
	if err := evidence.Write(f, rec); err != nil {
		f.Close()
		return fmt.Errorf("--evidence %s: %w", e.path, err)
	}
	return f.Close()
}
