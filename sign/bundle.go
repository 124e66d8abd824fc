package sign

import (
	"github.com/mlsec/mlsec/dsse"

	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Media and payload types of an OMS bundle.
const (
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	PayloadType     = "application/vnd.in-toto+json"
)

// Bundle is the subset of a Sigstore bundle that OMS uses. Fields are kept
// as close to the JSON as possible so a parsed bundle can be inspected.
type Bundle struct {
	MediaType            string                `json:"mediaType"`
	VerificationMaterial *VerificationMaterial `json:"verificationMaterial"`
	DSSEEnvelope         *Envelope             `json:"dsseEnvelope"`
}

// VerificationMaterial holds exactly one of PublicKey (key method),
// X509CertificateChain (certificate method) or Certificate (Sigstore).
type VerificationMaterial struct {
	PublicKey                 *PublicKeyIdentifier `json:"publicKey,omitempty"`
	X509CertificateChain      *CertificateChain    `json:"x509CertificateChain,omitempty"`
	Certificate               *RawCertificate      `json:"certificate,omitempty"`
	TlogEntries               []json.RawMessage    `json:"tlogEntries"`
	TimestampVerificationData json.RawMessage      `json:"timestampVerificationData,omitempty"`
}

// PublicKeyIdentifier is the key-method material. Current bundles carry a
// hint (hex SHA-256 of the PEM public key); bundles up to 1.0.1 carry the PEM
// itself in RawBytes.
type PublicKeyIdentifier struct {
	Hint       string `json:"hint,omitempty"`
	RawBytes   string `json:"rawBytes,omitempty"`
	KeyDetails string `json:"keyDetails,omitempty"`
}

// CertificateChain lists DER certificates, leaf first.
type CertificateChain struct {
	Certificates []RawCertificate `json:"certificates"`
}

// RawCertificate is one base64 DER certificate.
type RawCertificate struct {
	RawBytes string `json:"rawBytes"`
}

// Envelope is a DSSE envelope (package dsse, shared with evidence
// attestations).
type Envelope = dsse.Envelope

// Signature is one DSSE signature (package dsse).
type Signature = dsse.Signature

// Method names, as used on the command line and in Result.
const (
	MethodKey         = "key"
	MethodCertificate = "certificate"
	MethodSigstore    = "sigstore"
)

// Method reports which signing method the material belongs to, or "" if
// none or several are present.
func (vm *VerificationMaterial) Method() string {
	n := 0
	m := ""
	if vm.PublicKey != nil {
		n, m = n+1, MethodKey
	}
	if vm.X509CertificateChain != nil {
		n, m = n+1, MethodCertificate
	}
	if vm.Certificate != nil {
		n, m = n+1, MethodSigstore
	}
	if n != 1 {
		return ""
	}
	return m
}

// ParseBundle decodes and structurally validates a bundle: JSON syntax, a
// Sigstore bundle media type, exactly one kind of verification material, a
// DSSE envelope with the in-toto payload type and at least one signature.
// It does not check any signature.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrBundle)
	}
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%w: not valid JSON: %v", ErrBundle, err)
	}
	if !strings.HasPrefix(b.MediaType, "application/vnd.dev.sigstore.bundle") {
		return nil, fmt.Errorf("%w: mediaType %q is not a Sigstore bundle", ErrBundle, b.MediaType)
	}
	if b.VerificationMaterial == nil {
		return nil, fmt.Errorf("%w: no verificationMaterial", ErrBundle)
	}
	vm := b.VerificationMaterial
	switch vm.Method() {
	case "":
		return nil, fmt.Errorf("%w: verificationMaterial must hold exactly one of publicKey, x509CertificateChain, certificate", ErrBundle)
	case MethodKey:
		if vm.PublicKey.Hint == "" && vm.PublicKey.RawBytes == "" {
			return nil, fmt.Errorf("%w: publicKey has neither hint nor rawBytes", ErrBundle)
		}
	case MethodCertificate:
		if len(vm.X509CertificateChain.Certificates) == 0 {
			return nil, fmt.Errorf("%w: x509CertificateChain is empty", ErrBundle)
		}
	case MethodSigstore:
		if len(vm.TlogEntries) == 0 {
			return nil, fmt.Errorf("%w: Sigstore certificate without tlogEntries", ErrBundle)
		}
	}
	env := b.DSSEEnvelope
	if env == nil {
		return nil, fmt.Errorf("%w: no dsseEnvelope (OMS signatures are DSSE envelopes)", ErrBundle)
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("%w: payloadType %q, want %q", ErrBundle, env.PayloadType, PayloadType)
	}
	if len(env.Signatures) == 0 {
		return nil, fmt.Errorf("%w: the envelope has no signatures", ErrBundle)
	}
	if _, err := decodeB64(env.Payload); err != nil || env.Payload == "" {
		return nil, fmt.Errorf("%w: payload is not base64", ErrBundle)
	}
	for _, s := range env.Signatures {
		if _, err := decodeB64(s.Sig); err != nil || s.Sig == "" {
			return nil, fmt.Errorf("%w: signature is not base64", ErrBundle)
		}
	}
	return &b, nil
}

// PayloadBytes returns the decoded DSSE payload.
func (b *Bundle) PayloadBytes() ([]byte, error) { return decodeB64(b.DSSEEnvelope.Payload) }

// Marshal encodes the bundle as indented JSON, the way the reference writes
// model.sig files.
func (b *Bundle) Marshal() ([]byte, error) {
	// The payload dominates the size (megabytes for tens of thousands of
	// files): size both buffers for it so neither grows by doubling.
	n := 4096
	if b.DSSEEnvelope != nil {
		n += len(b.DSSEEnvelope.Payload)
	}
	compact := bytes.NewBuffer(make([]byte, 0, n))
	enc := json.NewEncoder(compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return nil, err
	}
	out := bytes.NewBuffer(make([]byte, 0, n+1024))
	if err := json.Indent(out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// decodeB64 accepts standard and URL alphabets, with or without padding
// (dsse.DecodeBase64).
func decodeB64(s string) ([]byte, error) { return dsse.DecodeBase64(s) }
