package gate

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mlsec/mlsec/bom"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/version"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/scan"
)

// Sources of the evidence the gate produces itself, as they appear in
// evidence.Item.Source and so in the policy's reasons.
const (
	SourceScan      = sourcePrefix + "scan"
	SourceSignature = sourcePrefix + "verify"
	SourceBOM       = sourcePrefix + "bom"
	sourcePrefix    = "mlsec gate: "
)

// ErrInput is wrapped by errors about the gate's inputs (model path, keys,
// signature or evidence files) as opposed to policy errors (policy.ErrPolicy).
var ErrInput = errors.New("gate input error")

// Options configure Run. ModelPath is required; everything else has a
// usable zero value (no keys means any signature is reported unverified).
type Options struct {
	// ModelPath is the model folder or single file being decided about.
	ModelPath string
	// Name is the subject name (default: the base name of ModelPath, as
	// 'mlsec sign' names the subject).
	Name string
	// Keys are the trusted public keys: the model signature is verified
	// with each, and evidence attestations count as signed only when one of
	// them verifies.
	Keys []evidence.TrustedKey
	// SignaturePath is the OMS signature bundle; "" looks for
	// ModelPath/model.sig (folders) and then ModelPath.sig.
	SignaturePath string
	// EvidenceFiles are extra evidence files: records, arrays of records, or
	// DSSE attestations (read with evidence.ReadItems).
	EvidenceFiles []string
	// IgnorePaths are model-relative paths left out of the model's files,
	// as 'mlsec sign --ignore-paths' leaves them out: give sign, bom, gate
	// and push the same list so they all name the same bytes.
	IgnorePaths []string

	// Engine is a prepared policy engine; nil builds one from Policy.
	Engine *policy.Engine
	// Policy configures the engine built when Engine is nil.
	Policy policy.Options

	// Action is the lifecycle action decided (default promote).
	Action policy.Action
	Actor  policy.Actor
	// Environment goes to input.context.environment.
	Environment string
	// RiskTier, SensitiveAttributes and Labels are what the owner declares
	// about the model (input.subject); they select the responsible-AI rules.
	RiskTier            string
	SensitiveAttributes []string
	Labels              map[string]string

	// Declared is what the user states about the model for its BOM
	// (licence, datasets, model card), as 'mlsec bom' takes it.
	Declared bom.Declared

	// Scanner runs the scan; nil means scan.New(scan.Options{}).
	Scanner *scan.Scanner
	// Workers bounds parallel hashing (0: per CPU).
	Workers int
	// Progress, if set, is called as the model's bytes are hashed.
	Progress func(done, total int64)
	// Now is the decision time (evidence timestamps, freshness, exception
	// expiry); zero means time.Now().
	Now time.Time
	// ToolVersion is the producer version of the evidence ("" = build version).
	ToolVersion string
}

// Outcome is everything a gate run produced. Decision.Allowed is the verdict.
type Outcome struct {
	// ModelPath is the path as given.
	ModelPath string `json:"model_path"`
	// Subject is input.subject: name, OMS root digest and declarations.
	Subject policy.Subject `json:"subject"`
	// Signature tells what the signature step found.
	Signature SignatureCheck `json:"signature"`
	// Produced is the evidence the gate made in this run (scan, signature,
	// and bom unless the BOM could not be generated).
	Produced []evidence.Item `json:"produced"`
	// Collected is the evidence read from Options.EvidenceFiles.
	Collected []evidence.Item `json:"collected"`
	// Ignored lists collected evidence about another artifact: it is still
	// passed to the policy (which does not count it) and reported here.
	Ignored []Ignored `json:"ignored"`
	// Notes are facts about the run worth telling the user (e.g. why no BOM).
	Notes []string `json:"notes"`
	// Input is the exact document the policy evaluated.
	Input policy.Input `json:"input"`
	// Decision is the policy's verdict with every deny, warning and waiver.
	Decision *policy.Decision `json:"decision"`
	// Rules are the documented rules of the policies used, for renderers.
	Rules []policy.Rule `json:"-"`
	// Scan and BOM are the underlying results, for callers that want them.
	Scan *scan.Report `json:"-"`
	BOM  *bom.Result  `json:"-"`
}

// Allowed reports whether the action may proceed.
func (o *Outcome) Allowed() bool { return o != nil && o.Decision != nil && o.Decision.Allowed }

// SignatureCheck is what the signature step found.
type SignatureCheck struct {
	// Path is the signature bundle used ("" when none was found).
	Path     string `json:"path,omitempty"`
	Present  bool   `json:"present"`
	Verified bool   `json:"verified"`
	// KeyID is the fingerprint of the key that verified it.
	KeyID string `json:"key_id,omitempty"`
	// RootDigest is the root digest the signature covers.
	RootDigest string `json:"root_digest,omitempty"`
	// Problem says why it is not verified.
	Problem string `json:"problem,omitempty"`
	// Uncovered lists the model's files a verified signature leaves out
	// (its ignore_paths, or --ignore-paths at signing): such a signature
	// does not cover the model's root digest.
	Uncovered []string `json:"uncovered,omitempty"`
}

// Ignored is a collected evidence item that is about other bytes.
type Ignored struct {
	Source string `json:"source"`
	Type   string `json:"type"`
	Digest string `json:"digest"`
	Reason string `json:"reason"`
}

// Run decides for opts.ModelPath. It returns an error, and no Outcome,
// whenever it cannot decide: a policy that does not compile or fails at
// run time (wrapping policy.ErrPolicy), or unreadable inputs (ErrInput).
func Run(ctx context.Context, opts Options) (*Outcome, error) {
	if opts.ModelPath == "" {
		return nil, fmt.Errorf("%w: no model path", ErrInput)
	}
	st, err := os.Stat(opts.ModelPath)
	if err != nil {
		return nil, fmt.Errorf("%w: model path: %w", ErrInput, err)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Second)
	ver := opts.ToolVersion
	if ver == "" {
		ver = version.String()
	}
	if opts.Action.Name == "" {
		opts.Action.Name = "promote"
	}

	// Policies and evidence files first: a broken policy or a typo in a
	// file name costs nothing and never reaches a decision.
	eng := opts.Engine
	if eng == nil {
		if eng, err = policy.New(ctx, opts.Policy); err != nil {
			return nil, err
		}
	}
	if err := opts.Declared.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	collected, err := readEvidence(opts.EvidenceFiles, opts.Keys)
	if err != nil {
		return nil, err
	}
	sigPath, err := findSignature(opts.ModelPath, st.IsDir(), opts.SignaturePath)
	if err != nil {
		return nil, err
	}
	verifyIgnores := slices.Clone(opts.IgnorePaths)
	if rel, ok := manifest.Inside(opts.ModelPath, sigPath); ok && sigPath != "" {
		verifyIgnores = append(verifyIgnores, rel) // a signature cannot cover itself
	}

	out := &Outcome{ModelPath: opts.ModelPath, Collected: collected, Ignored: []Ignored{}, Notes: []string{}, Rules: eng.Rules()}

	// The model's files are hashed once (manifest's one rule, as push and
	// the registry hash them): the root digest is the subject every record
	// is bound to, the BOM lists these digests and the signature check
	// reuses them, so the gate costs one hash pass plus the scan.
	m, err := manifest.Hash(ctx, opts.ModelPath, manifest.Options{Algorithm: manifest.SHA256, IgnorePaths: opts.IgnorePaths,
		Workers: opts.Workers, Progress: opts.Progress})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: hashing the model: %w", ErrInput, err)
	}
	digest := m.RootDigest()
	sc := opts.Scanner
	if sc == nil {
		if sc, err = scan.New(scan.Options{}); err != nil {
			return nil, fmt.Errorf("scanner: %w", err)
		}
	}
	rep, err := sc.Scan(ctx, opts.ModelPath)
	if err != nil {
		return nil, fmt.Errorf("%w: scan: %w", ErrInput, err)
	}
	out.Scan = rep
	b, berr := bom.Generate(ctx, opts.ModelPath, bom.Options{Report: rep, Timestamp: now, ToolVersion: ver, Manifest: m,
		IgnorePaths: opts.IgnorePaths, Declared: opts.Declared})
	if berr == nil {
		out.BOM = b
	} else {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out.Notes = append(out.Notes, fmt.Sprintf("no ML-BOM evidence: the BOM could not be generated: %v", berr))
	}
	name := opts.Name
	if name == "" {
		abs, err := filepath.Abs(opts.ModelPath)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		name = filepath.Base(abs)
	}
	subj := evidence.NewSubject(name, hex.EncodeToString(digest))
	out.Subject = policy.Subject{
		Name: subj.Name, Digest: subj.Digest, RiskTier: opts.RiskTier,
		SensitiveAttributes: opts.SensitiveAttributes, Labels: opts.Labels,
	}

	scanRec, err := scan.Evidence(subj, rep, now)
	if err != nil {
		return nil, fmt.Errorf("scan evidence: %w", err)
	}
	out.Produced = append(out.Produced, evidence.Item{Record: scanRec, Source: SourceScan, FirstParty: true})

	sigRec, check, err := verifyModel(ctx, opts, sigPath, verifyIgnores, m, subj, ver, now)
	if err != nil {
		return nil, err
	}
	out.Signature = check
	if n := coverageNote(check, subj); n != "" {
		out.Notes = append(out.Notes, n)
	}
	out.Produced = append(out.Produced, evidence.Item{Record: sigRec, Source: SourceSignature, FirstParty: true})

	if out.BOM != nil {
		bomRec, err := bom.Evidence(subj, out.BOM.BOM, ver, now)
		if err != nil {
			return nil, fmt.Errorf("bom evidence: %w", err)
		}
		out.Produced = append(out.Produced, evidence.Item{Record: bomRec, Source: SourceBOM, FirstParty: true})
	}

	for _, it := range collected {
		if d := it.Subject.SHA256(); d != subj.SHA256() {
			out.Ignored = append(out.Ignored, Ignored{
				Source: it.Source, Type: it.Type, Digest: d,
				Reason: fmt.Sprintf("about %s, not this model (%s); the policy does not count it", it.Subject, subj),
			})
		}
		if it.SignatureError != "" {
			out.Notes = append(out.Notes, fmt.Sprintf("%s evidence from %s is unsigned for the policy: %s", it.Type, it.Source, it.SignatureError))
		}
	}

	out.Input = policy.Input{
		Subject:  out.Subject,
		Evidence: append(append([]evidence.Item{}, out.Produced...), collected...),
		Action:   opts.Action,
		Actor:    opts.Actor,
		Context:  policy.Context{Environment: opts.Environment, Time: now.Format(time.RFC3339)},
	}
	dec, err := eng.Evaluate(ctx, out.Input)
	if err != nil {
		return nil, err
	}
	out.Decision = dec
	return out, nil
}

// readEvidence reads every evidence file; any unreadable or invalid file is
// an error (a typo must not silently drop the evidence a policy needs).
func readEvidence(files []string, keys []evidence.TrustedKey) ([]evidence.Item, error) {
	items := []evidence.Item{}
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("%w: evidence: %w", ErrInput, err)
		}
		its, err := evidence.ReadItems(f, keys)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: evidence %s: %w", ErrInput, p, err)
		}
		for i := range its {
			its[i].Source = p
		}
		items = append(items, its...)
	}
	return items, nil
}

// findSignature returns the signature to verify: the explicit path (which
// must exist), else model/model.sig for a folder, else model.sig beside the
// model file or folder (MODEL_PATH.sig). "" means unsigned.
func findSignature(model string, dir bool, explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("%w: signature: %w", ErrInput, err)
		}
		return explicit, nil
	}
	for _, p := range DefaultSignaturePaths(model, dir) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", nil
}

// DefaultSignaturePaths are where the gate looks for a signature, in order.
func DefaultSignaturePaths(model string, dir bool) []string {
	clean := filepath.Clean(model)
	if dir {
		return []string{filepath.Join(clean, manifest.SignatureFile), clean + ".sig"}
	}
	return []string{clean + ".sig"}
}
