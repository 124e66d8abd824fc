// Package sign creates and verifies OpenSSF Model Signing (OMS) v1.0
// signatures: a Sigstore bundle (media type v0.3) holding a DSSE envelope
// whose payload is an in-toto Statement v1 with the predicate
// https://model_signing/signature/v1.0. The bundles interoperate with the
// Python reference client (sigstore/model-transparency, PyPI model-signing).
//
// Signing supports an ECDSA private key (P-256, P-384, P-521; the curve fixes
// the digest: SHA-256/384/512) and a signing certificate with its chain,
// which is checked whole before signing (validity of every certificate, the
// links between them, the leaf's signing usage). What is signed is package
// manifest's file set. Statements follow the spec by default; CompatPython
// writes the shard algorithm names and single-file names the Python
// reference and the Go port compare against.
// Keyless Sigstore signing needs Fulcio, Rekor and an OIDC token, so it is
// not offered; Sigstore bundles are verified fully offline against a
// trusted-root JSON file with sigstore-go.
//
// Verification is done in a fixed order. The caller picks the method and
// the trust material (a Verifier); the bundle never chooses them. First the
// envelope signature is checked, then the statement is decoded and its root
// digest recomputed, and finally the model is re-hashed with the recorded
// parameters (hash algorithm, shard size, ignore paths) and compared file by
// file. Every failure wraps one of the sentinel errors below, and a model
// mismatch is a *MismatchError listing the missing, extra and changed files.
//
// Leniency follows the spec's verifier rules: DSSE keyid may be absent, null
// or "", resources may come in any order (the root digest is recomputed in
// document order), a single-file resource may be named "." or by the file's
// base name, shard_size may be an integral float, the shard algorithm may be
// spelled "sha256-sharded-<N>", and pre-1.1 key bundles carrying
// publicKey.rawBytes are accepted. v0.2 bundles (predicate
// https://model_signing/Digests/v0.1 with its non-standard PAE) are verified
// through a compatibility path.
package sign
