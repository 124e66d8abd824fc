# Monitoring rules: drift evidence (mlsec drift, the gateway) is read here.
package mlsec.gate

import data.mlsec.lib
import rego.v1

drifts := lib.of_type("drift")

# METADATA
# title: The data drifted
# description: A drift record reports dataset drift (share of drifted columns at or above its drift share). A warning by default; data.mlsec.drift_deny_comparisons turns chosen comparisons into denials (MLSEC-DRIFT-002).
# custom:
#   id: MLSEC-DRIFT-001
#   remediation: Look at the drifted columns ('mlsec drift REF CUR --format html'); retrain on current data or fix the data pipeline, then re-run the drift check.
#   controls:
#     owasp_ml: [ML02, ML08]
#     nist_ai_rmf: [MEASURE 2.4, MANAGE 4.1]
warn contains r if {
	some e in drifts
	e.result.drifted == true
	r := lib.result_ev(rego.metadata.rule(), sprintf("%s: %s", [input.subject.name, drift_summary(e)]), [e])
}

# METADATA
# title: Evaluation data drifted from training data
# description: A drift record that reports dataset drift, with reference and current roles matching an entry of data.mlsec.drift_deny_comparisons (the strict profile lists training then evaluation), blocks the actions in data.mlsec.drift_deny_actions (default promote).
# custom:
#   id: MLSEC-DRIFT-002
#   level_from: drift_deny_comparisons
#   remediation: The model was evaluated on data unlike its training data, so its evaluation does not hold; evaluate on representative data or retrain, then record a new drift check.
#   controls:
#     owasp_ml: [ML02]
#     nist_ai_rmf: [MEASURE 2.4, MEASURE 2.5, MANAGE 1.1]
deny contains r if {
	input.action.name in lib.drift_deny_actions
	some e in drifts
	e.result.drifted == true
	some c in lib.drift_deny_comparisons
	object.get(object.get(e.result, "reference", {}), "role", "") == c.reference
	object.get(object.get(e.result, "current", {}), "role", "") == c.current
	r := lib.result_ev(rego.metadata.rule(), sprintf("%s: the %s data drifted from the %s data: %s", [input.subject.name, c.current, c.reference, drift_summary(e)]), [e])
}

drift_summary(e) := sprintf("%v of %v columns drifted (share %v, threshold %v): %s", [
	object.get(e.result, "number_of_drifted_columns", "?"), object.get(e.result, "number_of_columns", "?"),
	e.result.value, object.get(e.result, "threshold", "?"), concat(", ", object.get(e.result, "features", [])),
]) if e.result.metric == "share_of_drifted_columns"

drift_summary(e) := sprintf("%s = %v", [e.result.metric, e.result.value]) if e.result.metric != "share_of_drifted_columns"
