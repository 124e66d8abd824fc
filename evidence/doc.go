// Package evidence defines the records every mlsec check produces and the
// policy engine (package policy) decides from: a small, versioned JSON format
// (schema https://mlsec.dev/evidence/v1, documented in docs/evidence.md with a
// JSON Schema in docs/schemas/evidence.schema.json) that binds a result to a
// model by its OMS root digest, so evidence always refers to exact bytes.
//
// Records can be wrapped as in-toto Statement v1 attestations in a DSSE
// envelope signed with the same ECDSA keys as 'mlsec sign'. We sign and
// verify them with package dsse, the envelope code OMS bundles use too, so the
// format stays identical to OMS bundles' envelopes.
//
// evidence is a leaf of the import graph: it knows record types and their
// schemas, never the checks that produce them. Producers import it and build
// records themselves (scan.Evidence, sign.VerifyEvidence, bom.Evidence);
// TestImportGraph in the repository root keeps it that way.
package evidence
