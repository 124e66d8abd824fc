package sign

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mlsec/mlsec/manifest"
)

// Signer signs OMS statements with an ECDSA key, either bare (key method)
// or with a certificate chain (certificate method).
type Signer struct {
	key   *ecdsa.PrivateKey
	chain []*x509.Certificate // leaf first; empty for the key method
}

// NewKeySigner returns a key-method signer.
func NewKeySigner(key *ecdsa.PrivateKey) (*Signer, error) {
	if _, err := checkCurve(key); err != nil {
		return nil, err
	}
	return &Signer{key: key}, nil
}

// NewCertificateSigner returns a certificate-method signer. leaf must
// certify key; chain holds the intermediates (and optionally the root) that
// are embedded after the leaf so verifiers can build the path.
func NewCertificateSigner(key *ecdsa.PrivateKey, leaf *x509.Certificate, chain []*x509.Certificate) (*Signer, error) {
	if _, err := checkCurve(key); err != nil {
		return nil, err
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("%w: the signing certificate (%s) does not certify the private key", ErrKey, leaf.Subject)
	}
	if err := checkSigningChain(leaf, chain, time.Now()); err != nil {
		return nil, err
	}
	return &Signer{key: key, chain: append([]*x509.Certificate{leaf}, chain...)}, nil
}

// checkSigningChain refuses a certificate chain no verifier could accept,
// before anything is signed with it: every certificate must be valid now
// (a signature made outside a validity period can never verify), each must
// be signed by the next (the last one is the anchor the chain ends at), and
// the leaf must allow signing as CertificateVerifier requires.
func checkSigningChain(leaf *x509.Certificate, chain []*x509.Certificate, now time.Time) error {
	for _, c := range append([]*x509.Certificate{leaf}, chain...) {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			which := "the signing certificate"
			if c != leaf {
				which = "the chain certificate"
			}
			return fmt.Errorf("%w: %s (%s) is valid from %s to %s; renew it before signing",
				ErrCertExpired, which, c.Subject, c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
		}
	}
	if err := leafMaySign(leaf); err != nil {
		return err
	}
	if len(chain) == 0 {
		return nil
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(chain[len(chain)-1])
	for _, c := range chain[:len(chain)-1] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fmt.Errorf("%w: the signing certificate (%s) does not chain through the given --cert-chain: %v", ErrCertificate, leaf.Subject, err)
	}
	return nil
}

// Method returns MethodKey or MethodCertificate.
func (s *Signer) Method() string {
	if len(s.chain) > 0 {
		return MethodCertificate
	}
	return MethodKey
}

// SignOptions controls Sign.
type SignOptions struct {
	// Hash selects the serialization (algorithm, shards, ignore paths, ...).
	Hash manifest.Options
	// SubjectName overrides the subject name (default: the model's base name).
	SubjectName string
	// Compat selects the statement form (default CompatSpec).
	Compat Compat
}

// Sign hashes the model at modelPath and returns the signed bundle and the
// manifest it covers.
func (s *Signer) Sign(ctx context.Context, modelPath string, opts SignOptions) (*Bundle, *manifest.Manifest, error) {
	m, err := manifest.Hash(ctx, modelPath, opts.Hash)
	if err != nil {
		return nil, nil, err
	}
	name := opts.SubjectName
	if name == "" {
		abs, err := filepath.Abs(modelPath)
		if err != nil {
			return nil, nil, err
		}
		name = filepath.Base(abs)
	}
	b, err := s.SignManifest(name, m, opts.Compat)
	if err != nil {
		return nil, nil, err
	}
	return b, m, nil
}

// SignManifest signs an already computed manifest.
func (s *Signer) SignManifest(name string, m *manifest.Manifest, compat Compat) (*Bundle, error) {
	payload, err := NewStatement(name, m, compat)
	if err != nil {
		return nil, err
	}
	sig, err := signPAE(s.key, payload)
	if err != nil {
		return nil, err
	}
	vm := &VerificationMaterial{TlogEntries: []json.RawMessage{}}
	if len(s.chain) > 0 {
		cc := &CertificateChain{}
		for _, c := range s.chain {
			cc.Certificates = append(cc.Certificates, RawCertificate{RawBytes: base64.StdEncoding.EncodeToString(c.Raw)})
		}
		vm.X509CertificateChain = cc
	} else {
		hint, err := KeyHint(&s.key.PublicKey)
		if err != nil {
			return nil, err
		}
		vm.PublicKey = &PublicKeyIdentifier{Hint: hint}
	}
	empty := ""
	return &Bundle{
		MediaType:            BundleMediaType,
		VerificationMaterial: vm,
		DSSEEnvelope: &Envelope{
			Payload:     base64.StdEncoding.EncodeToString(payload),
			PayloadType: PayloadType,
			Signatures:  []Signature{{Sig: base64.StdEncoding.EncodeToString(sig), KeyID: &empty}},
		},
	}, nil
}
