# Training-data rules: input.datasets lists the datasets the subject was
# (or is about to be) trained on, as the registry knows them
# (docs/data.md "Registered datasets").
package mlsec.gate

import data.mlsec.lib
import rego.v1

data_gated if input.action.name in lib.data_gate_actions

# METADATA
# title: Trained on data the registry does not know
# description: A training dataset's digest (a trained_on lineage edge) matches no registered dataset version, so nobody owns, classified or approved it.
# custom:
#   id: MLSEC-DATA-001
#   remediation: Register the exact data the model was trained on ('mlsec data register PATH --name NAME --classification ...'), have it approved ('mlsec data approve NAME@V'), then ask again.
#   controls:
#     owasp_ml: [ML02, ML10]
#     nist_ai_rmf: [MAP 4.1, GOVERN 1.6, MEASURE 2.9]
deny contains r if {
	data_gated
	some d in input.datasets
	not d.registered
	r := lib.result(rego.metadata.rule(), sprintf("%s: trained on sha256:%s, which is not a registered dataset", [input.subject.name, d.digest]))
}

# METADATA
# title: Trained on data that is not approved
# description: A training dataset version is registered but its approval is pending, rejected, or cannot be given (a dataset entry without versions); a changed dataset must be approved again before a model trained on it is promoted.
# custom:
#   id: MLSEC-DATA-002
#   remediation: Have the dataset's owner (or an admin other than who registered it) review the version ('mlsec data diff NAME@OLD NAME@NEW') and approve it ('mlsec data approve NAME@V'), then ask again.
#   controls:
#     owasp_ml: [ML02, ML10]
#     nist_ai_rmf: [GOVERN 1.6, MANAGE 1.1, MEASURE 2.9]
deny contains r if {
	data_gated
	some d in input.datasets
	d.registered
	d.approval != "approved"
	r := lib.result(rego.metadata.rule(), sprintf("%s: trained on dataset %s (sha256:%s), whose approval is %s", [input.subject.name, data_ref(d), d.digest, d.approval]))
}

# METADATA
# title: Training data holds PII its classification does not allow
# description: A training dataset version's PII scan found personal data, secrets or sensitive attributes (or was not complete) and its classification is below what they call for (data.mlsec.data_restricted_entities need restricted; other personal data and sensitive attributes need data.mlsec.data_personal_classification, default confidential; no complete scan needs restricted).
# custom:
#   id: MLSEC-DATA-003
#   remediation: Remove or pseudonymise the personal data and register the result, or classify the dataset as what it holds (register a new version with --classification), with a lawful basis.
#   controls:
#     owasp_ml: [ML02, ML03]
#     nist_ai_rmf: [MAP 4.1, MEASURE 2.10, GOVERN 1.6]
deny contains r if {
	data_gated
	some d in input.datasets
	d.registered
	need := needed_classification(d)
	lib.classification_rank[need] > object.get(lib.classification_rank, object.get(d, "classification", ""), -1)
	r := lib.result(rego.metadata.rule(), sprintf("%s: dataset %s is classified %q but %s: it needs %q", [
		input.subject.name, data_ref(d), object.get(d, "classification", ""), pii_reason(d), need,
	]))
}

data_ref(d) := sprintf("%s@%v", [d.name, d.version]) if {
	object.get(d, "version", 0) > 0
} else := d.name

restricted_found(d) := [e | some e, n in object.get(d, "entities", {}); n > 0; e in lib.data_restricted_entities]

personal_found(d) := [e | some e, n in object.get(d, "entities", {}); n > 0]

needed_classification(d) := "restricted" if {
	not d.pii_scanned
} else := "restricted" if {
	count(restricted_found(d)) > 0
} else := lib.data_personal_classification if {
	count(personal_found(d)) + count(object.get(d, "sensitive_attributes", [])) > 0
} else := "public"

pii_reason(d) := "it has no complete PII scan" if {
	not d.pii_scanned
} else := sprintf("it holds %s", [concat(", ", restricted_found(d))]) if {
	count(restricted_found(d)) > 0
} else := sprintf("it holds personal data (%s) or sensitive attributes (%s)", [
	concat(", ", personal_found(d)), concat(", ", object.get(d, "sensitive_attributes", [])),
])
