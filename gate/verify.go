package gate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/sign"
)

// maxSignatureFile bounds the signature bundle read into memory.
const maxSignatureFile = 16 << 20

// verifyModel produces the signature record. An absent signature, a
// signature and no key, and a signature no trusted key verifies are all
// evidence (verified: false, with the reason); only errors that prevent a
// check (unreadable model or bundle file) are returned as errors.
func verifyModel(ctx context.Context, opts Options, sigPath string, ignores []string, hashed *manifest.Manifest, subj evidence.Subject, ver string, now time.Time) (evidence.Record, SignatureCheck, error) {
	check := SignatureCheck{Path: sigPath, Present: sigPath != ""}
	record := func(res *sign.Result, verr error) (evidence.Record, SignatureCheck, error) {
		rec, err := sign.VerifyEvidence(subj, sign.MethodKey, res, verr, ver, now)
		if err != nil {
			return evidence.Record{}, check, fmt.Errorf("signature evidence: %w", err)
		}
		if verr != nil {
			check.Problem = verr.Error()
		}
		return rec, check, nil
	}
	if sigPath == "" {
		looked := strings.Join(DefaultSignaturePaths(opts.ModelPath, isDir(opts.ModelPath)), " or ")
		return record(nil, fmt.Errorf("%w: no signature found (looked for %s); sign the model with 'mlsec sign' or pass --signature", evidence.ErrUnsigned, looked))
	}
	if len(opts.Keys) == 0 {
		return record(nil, fmt.Errorf("not checked: a signature is present (%s) but no trusted key was given (--key)", sigPath))
	}
	bundle, err := readBounded(sigPath, maxSignatureFile)
	if err != nil {
		return evidence.Record{}, check, fmt.Errorf("%w: signature: %w", ErrInput, err)
	}
	type failure struct {
		res *sign.Result
		err error
	}
	var failures []failure
	for _, k := range opts.Keys {
		res, verr := sign.Verify(ctx, opts.ModelPath, bundle, sign.VerifyOptions{
			Verifier: sign.KeyVerifier{Key: k.Key}, IgnorePaths: ignores, Workers: opts.Workers, Reuse: hashed, Progress: opts.Progress,
		})
		if verr == nil && res != nil && res.Verified {
			check.Verified, check.KeyID, check.RootDigest = true, k.ID, res.RootDigest
			check.Uncovered = uncovered(hashed, res.Actual)
			return record(res, nil)
		}
		if verr != nil && !sign.IsVerificationFailure(verr) {
			if ctx.Err() != nil {
				return evidence.Record{}, check, ctx.Err()
			}
			return evidence.Record{}, check, fmt.Errorf("%w: verifying %s: %w", ErrInput, sigPath, verr)
		}
		if verr == nil {
			verr = errors.New("verification did not complete")
		}
		failures = append(failures, failure{res, verr})
	}
	// Report the most telling failure: a key that matches the bundle but
	// finds changed files beats "another key" from the other keys.
	for _, f := range failures {
		if !errors.Is(f.err, sign.ErrWrongKey) {
			if f.res != nil {
				check.RootDigest = f.res.RootDigest
			}
			return record(f.res, f.err)
		}
	}
	return record(nil, fmt.Errorf("none of the %d trusted key(s) signed %s: %w", len(opts.Keys), sigPath, failures[0].err))
}

// uncovered returns the model's files (model) that the verified file set
// (verified, in any serialization) does not contain.
func uncovered(model, verified *manifest.Manifest) []string {
	if model == nil || verified == nil {
		return nil
	}
	have := map[string]bool{}
	for _, it := range verified.Items {
		name := it.Name
		if verified.ShardSize > 0 {
			name, _, _, _ = manifest.ParseShardName(name)
		}
		have[name] = true
	}
	var out []string
	for _, it := range model.Items {
		if !have[it.Name] {
			out = append(out, it.Name)
		}
	}
	return out
}

// coverageNote explains a verified signature that does not cover the
// subject's root digest, which the policy then does not count.
func coverageNote(c SignatureCheck, subj evidence.Subject) string {
	switch {
	case !c.Verified || c.RootDigest == subj.SHA256():
		return ""
	case len(c.Uncovered) > 0:
		return fmt.Sprintf("the signature verifies but leaves out %d of the model's files (%s), so it does not cover sha256:%s: "+
			"give gate, push and bom the same --ignore-paths as sign, or sign without them", len(c.Uncovered), shortList(c.Uncovered), subj.SHA256())
	}
	return fmt.Sprintf("the signature verifies and lists the model's files, but with other hashing parameters (shards or another hash), "+
		"so its root digest is not the model's sha256:%s that the policy binds to: sign in files mode with sha256 (the default)", subj.SHA256())
}

func shortList(names []string) string {
	if len(names) <= 5 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:5], ", ") + fmt.Sprintf(", … (%d more)", len(names)-5)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func readBounded(p string, limit int64) ([]byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", p, limit)
	}
	return os.ReadFile(p)
}

// ParseKeys parses PEM public keys (as 'mlsec keygen' writes them); names
// label errors (e.g. file names) and may be nil.
func ParseKeys(pems [][]byte, names []string) ([]evidence.TrustedKey, error) {
	var out []evidence.TrustedKey
	for i, p := range pems {
		k, err := sign.ParseTrustedKey(p)
		if err != nil {
			name := fmt.Sprintf("key %d", i+1)
			if i < len(names) {
				name = names[i]
			}
			return nil, fmt.Errorf("%w: %s: %w", ErrInput, name, err)
		}
		out = append(out, k)
	}
	return out, nil
}
