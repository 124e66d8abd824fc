package evidence

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/mlsec/mlsec/dsse"
)

// In-toto and DSSE identifiers of an evidence attestation.
const (
	StatementType = "https://in-toto.io/Statement/v1"
	PayloadType   = "application/vnd.in-toto+json"
	PredicateType = SchemaV1
)

// ErrUntrusted is returned when no trusted key verifies an attestation.
var ErrUntrusted = errors.New("attestation signature does not verify with any trusted key")

// Statement is an in-toto Statement v1 whose predicate is an evidence record.
type Statement struct {
	Type          string             `json:"_type"`
	Subject       []StatementSubject `json:"subject"`
	PredicateType string             `json:"predicateType"`
	Predicate     Record             `json:"predicate"`
}

// StatementSubject is an in-toto resource descriptor (name + digests).
type StatementSubject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// TrustedKey is a public key that may sign evidence, with its fingerprint
// (dsse.KeyHint: hex SHA-256 of the PEM public key, as 'mlsec sign' uses).
// sign.ParseTrustedKey reads one from PEM.
type TrustedKey struct {
	Key *ecdsa.PublicKey
	ID  string
}

// NewTrustedKey returns the trusted key for pub with its fingerprint.
func NewTrustedKey(pub *ecdsa.PublicKey) (TrustedKey, error) {
	id, err := dsse.KeyHint(pub)
	if err != nil {
		return TrustedKey{}, err
	}
	return TrustedKey{Key: pub, ID: id}, nil
}

// Attest wraps rec in an in-toto statement and signs it as a DSSE envelope
// (signatures over the DSSE PAE, hash chosen by the curve as for OMS:
// P-256/SHA-256, P-384/SHA-384, P-521/SHA-512). The envelope's keyid is the
// key fingerprint.
func Attest(rec Record, key *ecdsa.PrivateKey) (*dsse.Envelope, error) {
	if err := rec.Validate(); err != nil {
		return nil, err
	}
	st := Statement{
		Type:          StatementType,
		Subject:       []StatementSubject{{Name: rec.Subject.Name, Digest: map[string]string{"sha256": rec.Subject.SHA256()}}},
		PredicateType: PredicateType,
		Predicate:     rec,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return nil, err
	}
	payload := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	sig, err := dsse.Sign(key, PayloadType, payload)
	if err != nil {
		return nil, err
	}
	id, err := dsse.KeyHint(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &dsse.Envelope{
		Payload:     base64.StdEncoding.EncodeToString(payload),
		PayloadType: PayloadType,
		Signatures:  []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig), KeyID: &id}},
	}, nil
}

// WriteEnvelope writes env as indented JSON.
func WriteEnvelope(w io.Writer, env *dsse.Envelope) error {
	return writeJSON(w, env)
}

// VerifyAttestation checks a DSSE envelope (JSON) against keys and returns
// the record and the fingerprint of the key that verified it. The statement
// must be an evidence statement whose single subject matches the record's.
func VerifyAttestation(data []byte, keys []TrustedKey) (Record, string, error) {
	env, payload, rec, err := parseEnvelope(data)
	if err != nil {
		return Record{}, "", err
	}
	id, err := verifyEnvelope(env, payload, keys)
	if err != nil {
		return rec, "", err
	}
	return rec, id, nil
}

// readEnvelope is ReadItems' envelope branch: the record always comes back
// (validated), signed only if a trusted key verifies it.
func readEnvelope(data []byte, keys []TrustedKey) (Item, error) {
	env, payload, rec, err := parseEnvelope(data)
	if err != nil {
		return Item{}, err
	}
	it := Item{Record: rec}
	if len(keys) == 0 {
		it.SignatureError = "no trusted key was given to check the attestation"
		return it, nil
	}
	id, err := verifyEnvelope(env, payload, keys)
	if err != nil {
		it.SignatureError = err.Error()
		return it, nil
	}
	it.Signed, it.Signer = true, id
	return it, nil
}

func parseEnvelope(data []byte) (*dsse.Envelope, []byte, Record, error) {
	var env dsse.Envelope
	if err := strictUnmarshal(data, &env); err != nil {
		return nil, nil, Record{}, err
	}
	if env.PayloadType != PayloadType {
		return nil, nil, Record{}, fmt.Errorf("%w: payloadType %q, want %q", ErrInvalid, env.PayloadType, PayloadType)
	}
	if len(env.Signatures) == 0 {
		return nil, nil, Record{}, fmt.Errorf("%w: envelope has no signatures", ErrInvalid)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, nil, Record{}, fmt.Errorf("%w: payload is not standard base64: %w", ErrInvalid, err)
	}
	var st Statement
	if err := strictUnmarshal(payload, &st); err != nil {
		return nil, nil, Record{}, fmt.Errorf("statement: %w", err)
	}
	if st.Type != StatementType || st.PredicateType != PredicateType {
		return nil, nil, Record{}, fmt.Errorf("%w: statement _type %q / predicateType %q, want %q / %q", ErrInvalid, st.Type, st.PredicateType, StatementType, PredicateType)
	}
	if err := st.Predicate.Validate(); err != nil {
		return nil, nil, Record{}, fmt.Errorf("predicate: %w", err)
	}
	if len(st.Subject) != 1 || st.Subject[0].Name != st.Predicate.Subject.Name || st.Subject[0].Digest["sha256"] != st.Predicate.Subject.SHA256() {
		return nil, nil, Record{}, fmt.Errorf("%w: statement subject does not match the evidence subject", ErrInvalid)
	}
	return &env, payload, st.Predicate, nil
}

func verifyEnvelope(env *dsse.Envelope, payload []byte, keys []TrustedKey) (string, error) {
	for _, k := range keys {
		if dsse.Verify(k.Key, env, payload) == nil {
			return k.ID, nil
		}
	}
	return "", ErrUntrusted
}
