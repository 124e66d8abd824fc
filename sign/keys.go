package sign

import (
	"github.com/mlsec/mlsec/dsse"

	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"hash"
)

// Curve names accepted by GenerateKey.
var curves = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}

// GenerateKey creates an ECDSA key on curve "P-256" (default), "P-384" or
// "P-521" and returns it with PEM encodings of the private key (PKCS#8) and
// the public key (SubjectPublicKeyInfo).
func GenerateKey(curve string) (key *ecdsa.PrivateKey, privPEM, pubPEM []byte, err error) {
	if curve == "" {
		curve = "P-256"
	}
	c, ok := curves[curve]
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w: curve %q (want P-256, P-384 or P-521)", ErrKey, curve)
	}
	key, err = ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	pubPEM, err = PublicKeyPEM(&key.PublicKey)
	if err != nil {
		return nil, nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pubPEM, nil
}

// PublicKeyPEM encodes a public key as a PEM "PUBLIC KEY" block; the bytes
// match what the Python reference hashes for the key hint.
func PublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	p, err := dsse.PublicKeyPEM(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return p, nil
}

// KeyHint returns the OMS key hint: hex SHA-256 of the public key's PEM
// (dsse.KeyHint).
func KeyHint(pub crypto.PublicKey) (string, error) {
	h, err := dsse.KeyHint(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrKey, err)
	}
	return h, nil
}

// pemBlocks returns every PEM block; text before, between and after blocks
// (certtool preambles) is skipped.
func pemBlocks(data []byte) []*pem.Block {
	var out []*pem.Block
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		out = append(out, b)
	}
}

// ParsePrivateKey reads an ECDSA private key from PEM (SEC1 "EC PRIVATE KEY"
// or PKCS#8 "PRIVATE KEY"). Encrypted keys are not supported.
func ParsePrivateKey(data []byte) (*ecdsa.PrivateKey, error) {
	for _, b := range pemBlocks(data) {
		switch b.Type {
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrKey, err)
			}
			return checkCurve(k)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrKey, err)
			}
			ek, ok := k.(*ecdsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("%w: %T is not an ECDSA key (OMS keys are ECDSA P-256/P-384/P-521)", ErrKey, k)
			}
			return checkCurve(ek)
		case "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("%w: encrypted private keys are not supported; decrypt it with openssl pkcs8", ErrKey)
		}
	}
	return nil, fmt.Errorf("%w: no EC PRIVATE KEY or PRIVATE KEY PEM block found", ErrKey)
}

func checkCurve(k *ecdsa.PrivateKey) (*ecdsa.PrivateKey, error) {
	if _, err := hashFor(&k.PublicKey); err != nil {
		return nil, err
	}
	return k, nil
}

// ParsePublicKey reads an ECDSA public key from a PEM "PUBLIC KEY" block,
// or takes the key of a PEM certificate.
func ParsePublicKey(data []byte) (*ecdsa.PublicKey, error) {
	for _, b := range pemBlocks(data) {
		var pub any
		var err error
		switch b.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				pub = c.PublicKey
			}
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKey, err)
		}
		ek, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: %T is not an ECDSA key", ErrKey, pub)
		}
		if _, err := hashFor(ek); err != nil {
			return nil, err
		}
		return ek, nil
	}
	return nil, fmt.Errorf("%w: no PUBLIC KEY PEM block found (give the public key, e.g. mykey.pub.pem from 'mlsec keygen', not the private key)", ErrKey)
}

// ParseCertificates reads every PEM certificate in data.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, b := range pemBlocks(data) {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCertificate, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no CERTIFICATE PEM block found", ErrKey)
	}
	return out, nil
}

// hashFor returns the digest the curve implies (reference:
// sign_ec_key.get_ec_key_hash): P-256→SHA-256, P-384→SHA-384, P-521→SHA-512.
func hashFor(pub *ecdsa.PublicKey) (func() hash.Hash, error) {
	hf, err := dsse.HashFor(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: curve %s (want P-256, P-384 or P-521)", ErrKey, pub.Curve.Params().Name)
	}
	return hf, nil
}
