package sign

import (
	"bytes"
	"fmt"
	"os"

	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// SigstoreVerifier verifies keyless Sigstore bundles fully offline: the
// Fulcio certificate must chain to the trusted root, the Rekor entry must be
// valid and its integrated time must fall inside the certificate's validity,
// and the certificate must name Identity (SAN) and Issuer (OIDC issuer).
type SigstoreVerifier struct {
	verifier *verify.Verifier
	identity verify.CertificateIdentity
}

// NewSigstoreVerifier loads a trusted root (protobuf-specs TrustedRoot JSON,
// e.g. sigstore-go's trusted-root-public-good.json) from trustedRootPath.
// Nothing is fetched from the network.
func NewSigstoreVerifier(trustedRootPath, identity, issuer string) (*SigstoreVerifier, error) {
	if identity == "" || issuer == "" {
		return nil, fmt.Errorf("%w: Sigstore verification needs both an identity and an OIDC issuer", ErrUnsupported)
	}
	data, err := os.ReadFile(trustedRootPath)
	if err != nil {
		return nil, fmt.Errorf("trusted root: %w", err)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("trusted root %s: %w", trustedRootPath, err)
	}
	// One transparency-log entry is required, and its integrated time is
	// the observer timestamp; RFC 3161 timestamps count too when the TSA is
	// in the trusted root.
	v, err := verify.NewVerifier(tr, verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1))
	if err != nil {
		return nil, err
	}
	id, err := verify.NewShortCertificateIdentity(issuer, "", identity, "")
	if err != nil {
		return nil, err
	}
	return &SigstoreVerifier{verifier: v, identity: id}, nil
}

// Method implements Verifier.
func (*SigstoreVerifier) Method() string { return MethodSigstore }

// VerifySignature implements Verifier.
func (s *SigstoreVerifier) VerifySignature(raw []byte, _ *Bundle, payload []byte) (string, error) {
	var sb sgbundle.Bundle
	if err := sb.UnmarshalJSON(raw); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBundle, err)
	}
	res, err := s.verifier.Verify(&sb, verify.NewPolicy(verify.WithoutArtifactUnsafe(), verify.WithCertificateIdentity(s.identity)))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSignature, err)
	}
	// Make sure the payload we go on to trust is the one sigstore-go checked.
	env, err := sb.Envelope()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBundle, err)
	}
	got, err := decodeB64(env.RawEnvelope().Payload)
	if err != nil || !bytes.Equal(got, payload) {
		return "", fmt.Errorf("%w: envelope payload differs between parsers", ErrBundle)
	}
	who := "sigstore"
	if res.Signature != nil && res.Signature.Certificate != nil {
		who = fmt.Sprintf("sigstore %s (issuer %s)", res.Signature.Certificate.SubjectAlternativeName, res.Signature.Certificate.Issuer)
	}
	return who, nil
}
