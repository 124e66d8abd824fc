package sign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mlsec/mlsec/manifest"
)

// Verifier checks a bundle's signature with trust material the user chose.
// Implementations: KeyVerifier, CertificateVerifier, SigstoreVerifier.
type Verifier interface {
	// Method is the signing method this verifier accepts.
	Method() string
	// VerifySignature checks the envelope signature of b (raw is the bundle
	// file) and returns a description of the signer.
	VerifySignature(raw []byte, b *Bundle, payload []byte) (signer string, err error)
}

// KeyVerifier verifies key-method bundles against one public key.
type KeyVerifier struct{ Key *ecdsa.PublicKey }

// Method implements Verifier.
func (KeyVerifier) Method() string { return MethodKey }

// VerifySignature implements Verifier. A hint (or historic rawBytes) that
// names another key turns a bad signature into ErrWrongKey; a good signature
// wins over a hint computed in some other way.
func (v KeyVerifier) VerifySignature(_ []byte, b *Bundle, payload []byte) (string, error) {
	hint, err := KeyHint(v.Key)
	if err != nil {
		return "", err
	}
	if err := verifyEnvelope(v.Key, b.DSSEEnvelope, payload, isLegacy(payload)); err == nil {
		return "key " + hint, nil
	}
	pk := b.VerificationMaterial.PublicKey
	if pk.Hint != "" && pk.Hint != hint {
		return "", fmt.Errorf("%w: the bundle names key %s, the key given has hint %s", ErrWrongKey, pk.Hint, hint)
	}
	if pk.RawBytes != "" {
		if raw, err := decodeB64(pk.RawBytes); err == nil {
			if other, err := parseRawKey(raw); err == nil && !other.Equal(v.Key) {
				other, _ := KeyHint(other)
				return "", fmt.Errorf("%w: the bundle carries key %s, the key given has hint %s", ErrWrongKey, other, hint)
			}
		}
	}
	return "", fmt.Errorf("%w with the given public key (%s)", ErrSignature, hint)
}

// parseRawKey reads publicKey.rawBytes, which the reference filled with PEM
// but which other clients fill with DER.
func parseRawKey(raw []byte) (*ecdsa.PublicKey, error) {
	if bytes.Contains(raw, []byte("-----BEGIN")) {
		return ParsePublicKey(raw)
	}
	k, err := x509.ParsePKIXPublicKey(raw)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, ErrKey
	}
	return ek, nil
}

// CertificateVerifier verifies certificate-method bundles: the embedded
// chain must lead to one of Roots, every certificate must be valid at Time
// (zero means now), and the leaf must allow code signing.
type CertificateVerifier struct {
	Roots []*x509.Certificate
	Time  time.Time
}

// Method implements Verifier.
func (CertificateVerifier) Method() string { return MethodCertificate }

// VerifySignature implements Verifier.
func (v CertificateVerifier) VerifySignature(_ []byte, b *Bundle, payload []byte) (string, error) {
	var chain []*x509.Certificate
	for i, rc := range b.VerificationMaterial.X509CertificateChain.Certificates {
		der, err := decodeB64(rc.RawBytes)
		if err != nil {
			return "", fmt.Errorf("%w: certificate %d is not base64", ErrBundle, i)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return "", fmt.Errorf("%w: certificate %d: %v", ErrBundle, i, err)
		}
		chain = append(chain, c)
	}
	leaf := chain[0]
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, r := range v.Roots {
		roots.AddCert(r)
	}
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	now := v.Time
	if now.IsZero() {
		now = time.Now()
	}
	// Check validity ourselves first so an expired leaf gets a precise
	// message instead of x509's generic one.
	for _, c := range chain {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return "", fmt.Errorf("%w: %w: %q is valid from %s to %s", ErrCertificate, ErrCertExpired,
				c.Subject.String(), c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		var ie x509.CertificateInvalidError
		if errors.As(err, &ie) && ie.Reason == x509.Expired {
			return "", fmt.Errorf("%w: %w: %v", ErrCertificate, ErrCertExpired, err)
		}
		return "", fmt.Errorf("%w: %q does not chain to the given trust anchors: %v", ErrCertificate, leaf.Subject.String(), err)
	}
	if err := leafMaySign(leaf); err != nil {
		return "", err
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("%w: the leaf key is %T, not ECDSA", ErrCertificate, leaf.PublicKey)
	}
	if err := verifyEnvelope(pub, b.DSSEEnvelope, payload, isLegacy(payload)); err != nil {
		return "", fmt.Errorf("%w with the key of certificate %q", err, leaf.Subject.String())
	}
	return "certificate " + leaf.Subject.String(), nil
}

// leafMaySign applies the reference's rule: the leaf needs the
// digitalSignature key usage or the codeSigning extended key usage (a leaf
// without a key-usage extension is unrestricted).
func leafMaySign(leaf *x509.Certificate) error {
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 &&
		!slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageCodeSigning) {
		return fmt.Errorf("%w: %q allows neither digitalSignature nor codeSigning", ErrCertificate, leaf.Subject.String())
	}
	return nil
}

// isLegacy peeks at the (not yet trusted) payload to enable the v0.2 PAE
// fallback only for v0.2 statements.
func isLegacy(payload []byte) bool { return bytes.Contains(payload, []byte(PredicateTypeV0)) }

// VerifyOptions controls Verify.
type VerifyOptions struct {
	// Verifier is the method and trust material; required.
	Verifier Verifier
	// IgnorePaths are model-relative paths to leave out, in addition to
	// those the signature records and the defaults (put the signature file
	// here when it lives inside the model).
	IgnorePaths []string
	// IgnoreUnsignedFiles hashes only files the signature lists, so extra
	// files on disk are tolerated.
	IgnoreUnsignedFiles bool
	// KeepGitPaths hashes .git, .gitattributes, .github and .gitignore, for
	// bundles whose signer included them (--no-ignore-git-paths).
	KeepGitPaths bool
	// Reuse holds digests already computed in this run for the model
	// (manifest.Options.Reuse); only files it lacks are read again.
	Reuse    *manifest.Manifest
	Workers  int
	Progress func(done, total int64)
}

// Result describes a verification. It is returned alongside a
// *MismatchError so callers can render the differences.
type Result struct {
	Method      string        `json:"method"`
	Signer      string        `json:"signer"`
	SubjectName string        `json:"subject_name"`
	RootDigest  string        `json:"root_digest"`
	Algorithm   string        `json:"hash_type"`
	ShardSize   int64         `json:"shard_size,omitempty"`
	Legacy      bool          `json:"legacy,omitempty"`
	Resources   int           `json:"resources"`
	Diff        manifest.Diff `json:"diff"`
	Verified    bool          `json:"verified"`
	// Warnings are the OMS §6.1.1 warnings for followed links whose target
	// lies outside the model.
	Warnings []string `json:"warnings,omitempty"`
	// Actual is the model as hashed for the comparison.
	Actual *manifest.Manifest `json:"-"`
}

// Verify checks the bundle in bundleJSON for the model at modelPath: first
// the signature, then the statement, then the model's content.
func Verify(ctx context.Context, modelPath string, bundleJSON []byte, opts VerifyOptions) (*Result, error) {
	if opts.Verifier == nil {
		return nil, fmt.Errorf("%w: no verifier given", ErrUnsupported)
	}
	st, err := os.Stat(modelPath)
	if err != nil {
		return nil, fmt.Errorf("model path: %w", err)
	}
	b, err := ParseBundle(bundleJSON)
	if err != nil {
		return nil, err
	}
	if got, want := b.VerificationMaterial.Method(), opts.Verifier.Method(); got != want {
		return nil, fmt.Errorf("%w: the bundle holds %s material but %s verification was requested; verify it with the %s method",
			ErrMethodMismatch, got, want, got)
	}
	payload, err := b.PayloadBytes()
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrBundle, err)
	}
	signer, err := opts.Verifier.VerifySignature(bundleJSON, b, payload)
	if err != nil {
		return nil, err
	}
	p, err := ParseStatement(payload)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Method: opts.Verifier.Method(), Signer: signer, SubjectName: p.SubjectName,
		RootDigest: hex.EncodeToString(p.RootDigest), Algorithm: p.Manifest.Algorithm,
		ShardSize: p.Manifest.ShardSize, Legacy: p.Legacy, Resources: len(p.Manifest.Items),
	}
	expected := p.Manifest.Items
	if !st.IsDir() {
		// manifest names a single file after its target when the model
		// path is a link; "." must get the same name.
		base := modelPath
		if r, err := filepath.EvalSymlinks(modelPath); err == nil {
			base = r
		}
		expected = renameDot(expected, filepath.Base(base))
	}
	signed := map[string]bool{}
	for _, it := range expected {
		name := it.Name
		if p.Manifest.ShardSize > 0 {
			name, _, _, _ = manifest.ParseShardName(name)
		}
		signed[name] = true
	}
	hopts := manifest.Options{
		Algorithm: p.Manifest.Algorithm, ShardSize: p.Manifest.ShardSize, AllowSymlinks: p.Manifest.AllowSymlinks,
		KeepGitPaths: opts.KeepGitPaths, Workers: opts.Workers, Progress: opts.Progress, Reuse: opts.Reuse,
		// A file the signature lists is compared whatever its name.
		Listed: func(rel string) bool { return signed[rel] },
	}
	for _, ig := range p.Manifest.IgnorePaths {
		// Recorded entries that are not valid model-relative paths (e.g.
		// paths relative to another client's working directory) cannot
		// match anything and are dropped. Entries named like attachments
		// are left to the attachment rule, which also checks their
		// content: a pickle put where a recorded BOM was is an extra file.
		if manifest.ValidateIgnorePath(ig) == nil && manifest.AttachmentName(ig) == "" {
			hopts.IgnorePaths = append(hopts.IgnorePaths, ig)
		}
	}
	hopts.IgnorePaths = append(hopts.IgnorePaths, opts.IgnorePaths...)
	if opts.IgnoreUnsignedFiles {
		hopts.Include = func(rel string) bool { return signed[rel] }
	}
	actual, err := manifest.Hash(ctx, modelPath, hopts)
	var items []manifest.Item
	switch {
	case err == nil:
		items, res.Actual, res.Warnings = actual.Items, actual, actual.Warnings
	case errors.Is(err, manifest.ErrNoFiles):
	case errors.Is(err, manifest.ErrSymlink), errors.Is(err, manifest.ErrSpecialFile), errors.Is(err, manifest.ErrInvalidName):
		return res, fmt.Errorf("%w: %w", ErrModelMismatch, err)
	default:
		return res, err
	}
	res.Diff = manifest.Compare(expected, items)
	if !res.Diff.Empty() {
		return res, &MismatchError{Diff: res.Diff}
	}
	res.Verified = true
	return res, nil
}

// renameDot maps the reference's single-file resource name "." (and its
// shards ".:start:end") to the file's base name.
func renameDot(items []manifest.Item, base string) []manifest.Item {
	out := slices.Clone(items)
	for i, it := range out {
		if it.Name == "." {
			out[i].Name = base
		} else if p, s, e, err := manifest.ParseShardName(it.Name); err == nil && p == "." {
			out[i].Name = manifest.ShardName(base, s, e)
		}
	}
	return out
}

// Fingerprint returns the hex SHA-256 of a bundle file, handy for logs.
func Fingerprint(bundleJSON []byte) string {
	s := sha256.Sum256(bundleJSON)
	return hex.EncodeToString(s[:])
}

// Interface guards.
var (
	_ Verifier = KeyVerifier{}
	_ Verifier = CertificateVerifier{}
	_ Verifier = (*SigstoreVerifier)(nil)
)
