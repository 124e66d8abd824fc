// Package audit is the tamper-evident audit log of the mlsec registry: an
// append-only Merkle tree with RFC 6962 hashing over canonical audit
// entries, signed checkpoints in the C2SP signed-note / tlog-checkpoint
// format (Ed25519), inclusion and consistency proofs, an offline export
// format and a verifier that names the first altered, inserted or deleted
// entry.
//
// The package is storage-agnostic: the registry stores entries, tree state
// and checkpoints in its database (registry.MerkleAuditor); this package
// only encodes, hashes, signs and verifies. Hashing and proof verification
// come from github.com/transparency-dev/merkle and note signing from
// golang.org/x/mod/sumdb/note, so third-party tools can check our log with
// the same libraries.
package audit
