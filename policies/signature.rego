# Signature rules: the artifact is signed by a trusted key and the signature
# verifies over the same root digest as the subject.
package mlsec.gate

import data.mlsec.lib
import rego.v1

verified_signatures := [e |
	some e in lib.of_type("signature")
	e.result.verified == true
	e.result.root_digest == lib.subject_digest
	signer_trusted(e)
]

signer_trusted(e) if count(lib.trusted_keys) == 0

signer_trusted(e) if e.result.key_id in lib.trusted_keys

# METADATA
# title: The artifact is signed by a trusted key and verifies
# description: A verified OMS signature over this exact root digest, by a key listed in data.mlsec.trusted_keys (any given key when the list is empty).
# custom:
#   id: MLSEC-SIG-001
#   remediation: Sign the model with 'mlsec sign --key KEY', verify it with 'mlsec verify --key PUB --evidence sig.json', and list the key fingerprint in data.mlsec.trusted_keys.
#   controls:
#     owasp_ml: [ML06, ML10]
#     atlas: [AML.T0010.003, AML.T0018]
#     nist_ai_rmf: [GOVERN 6.1, MANAGE 3.1, MEASURE 2.7]
deny contains r if {
	count(verified_signatures) == 0
	r := lib.result_ev(rego.metadata.rule(), sprintf("no verified signature by a trusted key covers %s (sha256:%s)", [input.subject.name, lib.subject_digest]), lib.of_type("signature"))
}

# METADATA
# title: Signature verification failed
# description: A verification of this artifact failed (wrong key, tampered files, bad signature); it blocks even if another one passed.
# custom:
#   id: MLSEC-SIG-002
#   remediation: Find out why the files differ from what was signed; re-sign only after confirming the content is trusted.
#   controls:
#     owasp_ml: [ML06, ML10]
#     atlas: [AML.T0010.003, AML.T0018]
#     nist_ai_rmf: [MEASURE 2.7, MANAGE 2.4]
deny contains r if {
	some e in lib.of_type("signature")
	e.result.verified == false
	object.get(e.result, "status", "failed") != "unsigned" # SIG-001 covers a missing signature
	r := lib.result_ev(rego.metadata.rule(), sprintf("signature verification failed for %s: %s", [input.subject.name, concat("; ", e.result.failures)]), [e])
}

# METADATA
# title: Signed by an untrusted key
# description: The signature verifies, but with a key that is not in data.mlsec.trusted_keys.
# custom:
#   id: MLSEC-SIG-003
#   remediation: Add the key fingerprint to data.mlsec.trusted_keys if the signer is legitimate; otherwise have a trusted key sign the model.
#   controls:
#     owasp_ml: [ML06]
#     atlas: [AML.T0010.003]
#     nist_ai_rmf: [GOVERN 6.1]
warn contains r if {
	some e in lib.of_type("signature")
	e.result.verified == true
	not signer_trusted(e)
	r := lib.result_ev(rego.metadata.rule(), sprintf("signature of %s verifies with key %s, which is not trusted", [input.subject.name, object.get(e.result, "key_id", object.get(e.result, "identity", "?"))]), [e])
}
