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
	// A signature made with a certificate outside its validity period can
	// never verify: refuse rather than produce a bundle that always fails.
	if now := time.Now(); now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("%w: the signing certificate (%s) is valid from %s to %s; renew it before signing",
			ErrCertExpired, leaf.Subject, leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	}
	return &Signer{key: key, chain: append([]*x509.Certificate{leaf}, chain...)}, nil
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
	b, err := s.SignManifest(name, m)
	if err != nil {
		return nil, nil, err
	}
	return b, m, nil
}

// SignManifest signs an already computed manifest.
func (s *Signer) SignManifest(name string, m *manifest.Manifest) (*Bundle, error) {
	payload, err := NewStatement(name, m)
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
