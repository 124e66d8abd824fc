// Package dsse holds the Dead Simple Signing Envelope (DSSE v1) primitives
// that mlsec's two signed formats share: OMS model-signing bundles (package
// sign) and evidence attestations (package evidence). It is a leaf: it
// imports only the standard library, so evidence can sign and verify
// attestations without importing sign, and sign can produce evidence.
//
// The signing rule is the one OMS fixes for ECDSA keys: the signature covers
// the PAE of the payload, hashed as the key's curve implies (P-256/SHA-256,
// P-384/SHA-384, P-521/SHA-512), ASN.1-encoded. Key ids are OMS key hints:
// the hex SHA-256 of the public key's PEM encoding. We implement these few
// lines ourselves rather than import a DSSE library so the bytes stay
// identical to what the Python model_signing reference writes and reads.
package dsse
