# Evidence hygiene: evidence that does not count is reported, so a missing
# scan/signature/BOM deny can be traced to its cause.
package mlsec.gate

import data.mlsec.lib
import rego.v1

# METADATA
# title: Evidence about another artifact is ignored
# description: Evidence binds to the OMS root digest; a record about other bytes never counts.
# custom:
#   id: MLSEC-EVD-001
#   remediation: Produce the evidence on the exact artifact being decided (same root digest); check that the right files were scanned, signed and described.
#   controls:
#     owasp_ml: [ML06]
#     atlas: [AML.T0010.003]
#     nist_ai_rmf: [MEASURE 2.7, GOVERN 6.1]
warn contains r if {
	some e in input.evidence
	not lib.bound(e)
	r := lib.result_ev(rego.metadata.rule(), sprintf("%s evidence is about sha256:%s, not %s (sha256:%s); ignored", [e.type, e.subject.digest.sha256, input.subject.name, lib.subject_digest]), [e])
}

# METADATA
# title: Stale or future-dated evidence is ignored
# description: Evidence older than data.mlsec.max_evidence_age_days (default 30) relative to context.time, or dated in the future, does not count.
# custom:
#   id: MLSEC-EVD-002
#   remediation: Re-run the check to produce fresh evidence.
#   controls:
#     owasp_ml: [ML06]
#     nist_ai_rmf: [MEASURE 2.4, MANAGE 4.1]
warn contains r if {
	some e in input.evidence
	lib.bound(e)
	not lib.fresh(e)
	r := lib.result_ev(rego.metadata.rule(), sprintf("%s evidence dated %s is outside the %d-day window before %s; ignored", [e.type, e.timestamp, lib.max_evidence_age_days, input.context.time]), [e])
}

# METADATA
# title: Unsigned evidence is ignored
# description: With data.mlsec.require_signed_evidence, only attestations signed by a trusted key count.
# custom:
#   id: MLSEC-EVD-003
#   remediation: Sign the evidence with 'mlsec attest sign --key KEY' and pass the attestation; make sure the key is in data.mlsec.trusted_keys.
#   controls:
#     owasp_ml: [ML06]
#     atlas: [AML.T0010]
#     nist_ai_rmf: [GOVERN 6.1, MEASURE 2.7]
warn contains r if {
	some e in input.evidence
	lib.bound(e)
	lib.fresh(e)
	not lib.signing_ok(e)
	r := lib.result_ev(rego.metadata.rule(), sprintf("%s evidence is not signed by a trusted key; ignored because signed evidence is required", [e.type]), [e])
}
