package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// modelRef is the flag group of commands that check data about a model
// they do not read (fairness, drift, probe): --evidence FILE and the model
// version the record is bound to, --model PATH (the digest 'mlsec push'
// gives the folder, its evidence files left out, so a record written into
// the folder does not change the version it names) or --model-digest HEX
// with --model-name NAME. One place for the rule, so the commands bind
// evidence the same way and say the same thing when a flag is missing.
//
// Use: register it on the command's flags, call check before reading any
// data (a usage error exits 2 before work), then subject for the record.
type modelRef struct {
	evidence string // --evidence FILE
	path     string // --model PATH
	digest   string // --model-digest HEX
	name     string // --model-name NAME
}

func (m *modelRef) register(f *pflag.FlagSet) {
	f.StringVar(&m.evidence, "evidence", "", "also write the result as an mlsec evidence record to `FILE` (docs/evidence.md)")
	f.StringVar(&m.path, "model", "", "model `PATH` the evidence is about (bound to the digest 'mlsec push' gives it)")
	f.StringVar(&m.digest, "model-digest", "", "the model's OMS root digest (64 hex digits, as 'mlsec versions' prints it) instead of --model")
	f.StringVar(&m.name, "model-name", "", "model `NAME` in the evidence (default: the --model folder's name)")
}

func (m *modelRef) enabled() bool { return m.evidence != "" }

// hexDigest is --model-digest in lower case without a "sha256:" prefix.
func (m *modelRef) hexDigest() string {
	return strings.TrimPrefix(strings.ToLower(m.digest), "sha256:")
}

// check validates the combination of flags.
func (m *modelRef) check() error {
	if !m.enabled() {
		if m.path != "" || m.digest != "" {
			return errors.New("--model and --model-digest bind the --evidence record: add --evidence FILE")
		}
		return nil
	}
	switch {
	case (m.path == "") == (m.digest == ""):
		return errors.New("--evidence needs --model PATH or --model-digest HEX with --model-name, one of them: the model version the record is about (--model is the model folder, bound to the digest push gives it)")
	case m.digest != "" && !evidence.ValidDigest(m.hexDigest()):
		return fmt.Errorf("--model-digest %q: want 64 hex digits (the OMS root digest, as 'mlsec versions' prints it)", m.digest)
	case m.digest != "" && m.name == "":
		return errors.New("--model-digest needs --model-name NAME")
	}
	return nil
}

// subject is the model version the evidence is about; call check first.
func (m *modelRef) subject(ctx context.Context) (evidence.Subject, error) {
	if m.digest != "" {
		return evidence.NewSubject(m.name, m.hexDigest()), nil
	}
	// The digest push gives the version: the OMS root digest, which leaves
	// out attachments (model.sig, BOMs, evidence files written into the
	// folder), so writing this record there does not change it.
	root, err := manifest.Identity(ctx, m.path, nil)
	digest := hex.EncodeToString(root)
	if err != nil {
		return evidence.Subject{}, fmt.Errorf("--model %s: %w", m.path, err)
	}
	name := m.name
	if name == "" {
		abs, err := filepath.Abs(m.path)
		if err != nil {
			return evidence.Subject{}, err
		}
		name = filepath.Base(abs)
	}
	return evidence.NewSubject(name, digest), nil
}
