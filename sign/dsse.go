package sign

import (
	"github.com/mlsec/mlsec/dsse"

	"crypto/ecdsa"
	"crypto/sha256"
	"fmt"
	"strings"
)

// PAE is the DSSE v1 pre-authentication encoding that signatures cover
// (dsse.PAE).
func PAE(payloadType string, payload []byte) []byte { return dsse.PAE(payloadType, payload) }

// legacyPAE reproduces the v0.2 reference bug: a capital V and the Python
// repr of the payload bytes instead of the bytes themselves. Such bundles
// were always signed over SHA-256, whatever the curve.
func legacyPAE(payloadType string, payload []byte) []byte {
	return []byte(fmt.Sprintf("DSSEV1 %d %s %d %s", len(payloadType), payloadType, len(payload), pythonBytesRepr(payload)))
}

// pythonBytesRepr renders bytes the way Python's repr(bytes) does.
func pythonBytesRepr(p []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(p), '\'') >= 0 && strings.IndexByte(string(p), '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte('b')
	b.WriteByte(quote)
	for _, c := range p {
		switch {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// signPAE signs the PAE of an in-toto payload, as OMS bundles carry.
func signPAE(key *ecdsa.PrivateKey, payload []byte) ([]byte, error) {
	return SignDSSE(key, PayloadType, payload)
}

// SignDSSE returns an ASN.1 ECDSA signature over the DSSE PAE of payload,
// hashed as the key's curve implies (P-256/SHA-256, P-384/SHA-384,
// P-521/SHA-512), the rule OMS and mlsec attestations share.
func SignDSSE(key *ecdsa.PrivateKey, payloadType string, payload []byte) ([]byte, error) {
	if _, err := hashFor(&key.PublicKey); err != nil {
		return nil, err
	}
	return dsse.Sign(key, payloadType, payload)
}

// VerifyDSSE reports whether one of env's signatures over payload verifies
// with pub (ErrSignature if none does).
func VerifyDSSE(pub *ecdsa.PublicKey, env *Envelope, payload []byte) error {
	return verifyEnvelope(pub, env, payload, false)
}

// verifyEnvelope checks that at least one envelope signature verifies with
// pub. legacy enables the v0.2 PAE fallback.
func verifyEnvelope(pub *ecdsa.PublicKey, env *Envelope, payload []byte, legacy bool) error {
	if _, err := hashFor(pub); err != nil {
		return err
	}
	digests := make([][]byte, 0, 2)
	d, err := dsse.Digest(pub, env.PayloadType, payload)
	if err != nil {
		return err
	}
	digests = append(digests, d)
	if legacy {
		l := sha256.Sum256(legacyPAE(env.PayloadType, payload))
		digests = append(digests, l[:])
	}
	if dsse.VerifyDigests(pub, env, digests...) != nil {
		return ErrSignature
	}
	return nil
}
