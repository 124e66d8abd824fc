// Package gate decides whether a model may go through a lifecycle action
// (e.g. promote to production) from evidence: it scans the model, verifies
// its OMS signature with the trusted keys, describes it with an ML-BOM,
// collects any extra evidence (plain records or DSSE attestations), and
// evaluates the Rego policy (package policy) on the resulting input
// document. The model's files (package manifest's one rule, the set push
// and the registry use) are hashed once: their root digest is the subject
// every record binds to, and the BOM and the signature check reuse the
// digests, so a gate costs one hash pass plus the scan.
//
// It is the orchestration behind 'mlsec gate' and is meant to be called by
// other programs too (the registry server): Run takes Options and returns an
// Outcome holding the evidence produced, the decision and the exact input
// document the policy saw; it never prints, and a prepared *policy.Engine
// can be reused across calls so policies compile once. WriteJSON and
// WriteSARIF render an Outcome for machines.
//
// A gate fails closed: any error (unreadable model, unreadable evidence,
// broken policy) returns an error and no Outcome, so a caller can never
// mistake "could not decide" for "allowed".
package gate
