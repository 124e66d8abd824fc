package dsse

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// ErrSignature is returned when no signature of an envelope verifies.
var ErrSignature = errors.New("signature does not verify")

// ErrKey is returned for keys DSSE signing here does not support.
var ErrKey = errors.New("unsupported key")

// Envelope is a DSSE envelope. Payload and signatures stay base64 strings
// so that unpadded encodings written by other tools can be tolerated.
type Envelope struct {
	Payload     string      `json:"payload"`
	PayloadType string      `json:"payloadType"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature. KeyID is a pointer because historic OMS
// bundles write null, current ones "" and Go clients omit it.
type Signature struct {
	Sig   string  `json:"sig"`
	KeyID *string `json:"keyid,omitempty"`
}

// PAE is the DSSE v1 pre-authentication encoding that signatures cover.
func PAE(payloadType string, payload []byte) []byte {
	var b strings.Builder
	b.Grow(len(payloadType) + len(payload) + 32)
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return []byte(b.String())
}

// HashFor returns the digest the key's curve implies (the OMS reference's
// get_ec_key_hash): P-256→SHA-256, P-384→SHA-384, P-521→SHA-512.
func HashFor(pub *ecdsa.PublicKey) (func() hash.Hash, error) {
	switch pub.Curve {
	case elliptic.P256():
		return sha256.New, nil
	case elliptic.P384():
		return sha512.New384, nil
	case elliptic.P521():
		return sha512.New, nil
	}
	return nil, fmt.Errorf("%w: curve %s (want P-256, P-384 or P-521)", ErrKey, pub.Curve.Params().Name)
}

// Sign returns an ASN.1 ECDSA signature over the PAE of payload.
func Sign(key *ecdsa.PrivateKey, payloadType string, payload []byte) ([]byte, error) {
	hf, err := HashFor(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	h := hf()
	h.Write(PAE(payloadType, payload))
	return ecdsa.SignASN1(rand.Reader, key, h.Sum(nil))
}

// Verify reports whether one of env's signatures over payload verifies with
// pub (ErrSignature if none does). Signatures that are not base64 are
// skipped, not fatal: another one may still verify.
func Verify(pub *ecdsa.PublicKey, env *Envelope, payload []byte) error {
	digest, err := Digest(pub, env.PayloadType, payload)
	if err != nil {
		return err
	}
	return VerifyDigests(pub, env, digest)
}

// Digest returns the hash of the PAE of payload that a signature by pub
// covers.
func Digest(pub *ecdsa.PublicKey, payloadType string, payload []byte) ([]byte, error) {
	hf, err := HashFor(pub)
	if err != nil {
		return nil, err
	}
	h := hf()
	h.Write(PAE(payloadType, payload))
	return h.Sum(nil), nil
}

// VerifyDigests reports whether one of env's signatures verifies with pub
// over one of digests (ErrSignature if none does). It lets a verifier
// accept a historic encoding as well (OMS v0.2's legacy PAE).
func VerifyDigests(pub *ecdsa.PublicKey, env *Envelope, digests ...[]byte) error {
	for _, s := range env.Signatures {
		sig, err := DecodeBase64(s.Sig)
		if err != nil {
			continue
		}
		for _, d := range digests {
			if ecdsa.VerifyASN1(pub, d, sig) {
				return nil
			}
		}
	}
	return ErrSignature
}

// PublicKeyPEM encodes a public key as a PEM "PUBLIC KEY" block; the bytes
// match what the Python reference hashes for the key hint.
func PublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// KeyHint returns the OMS key hint: hex SHA-256 of the public key's PEM.
func KeyHint(pub crypto.PublicKey) (string, error) {
	p, err := PublicKeyPEM(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:]), nil
}

// DecodeBase64 accepts the standard and URL alphabets, with or without
// padding: the OMS spec asks verifiers to tolerate missing padding, and
// signers differ.
func DecodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}
