# Responsible-AI rules: fairness evidence is required and must meet
# thresholds when the subject declares sensitive attributes or a risk tier
# that calls for it (robustness rules: robustness.rego).
package mlsec.gate

import data.mlsec.lib
import rego.v1

sensitive_attributes := object.get(input.subject, "sensitive_attributes", [])

risk_tier := object.get(input.subject, "risk_tier", "")

needs_fairness if count(sensitive_attributes) > 0

needs_fairness if risk_tier in lib.fairness_risk_tiers

fairness := lib.of_type("fairness")

# METADATA
# title: Fairness evidence is required
# description: A model with sensitive attributes or a high risk tier needs a fairness evaluation.
# custom:
#   id: MLSEC-FAIR-001
#   remediation: Evaluate fairness per sensitive attribute (e.g. demographic parity difference) and pass the fairness evidence.
#   controls:
#     owasp_ml: [ML08]
#     nist_ai_rmf: [MEASURE 2.11, MAP 1.1]
deny contains r if {
	needs_fairness
	count(fairness) == 0
	r := lib.result(rego.metadata.rule(), sprintf("%s declares sensitive attributes %v / risk tier %q but has no usable fairness evidence", [input.subject.name, sensitive_attributes, risk_tier]))
}

# METADATA
# title: Fairness metrics meet the threshold
# description: Every fairness metric must pass (its own passed flag, else |value| <= data.mlsec.fairness_max_difference, default 0.1), and every sensitive attribute must be evaluated.
# custom:
#   id: MLSEC-FAIR-002
#   remediation: Mitigate the bias (reweighting, threshold tuning, more representative data) and re-evaluate.
#   controls:
#     owasp_ml: [ML08, ML02]
#     atlas: [AML.T0020]
#     nist_ai_rmf: [MEASURE 2.11, MANAGE 1.1]
deny contains r if {
	needs_fairness
	some e in fairness
	some m in e.result.metrics
	not metric_ok(m)
	r := lib.result_ev(rego.metadata.rule(), sprintf("fairness metric %s for %q is %v (limit %v)", [m.name, object.get(m, "attribute", "all"), m.value, object.get(m, "threshold", lib.fairness_max_difference)]), [e])
}

# METADATA
# title: Fairness metrics meet the threshold
# description: Every declared sensitive attribute must be evaluated by at least one fairness metric.
# custom:
#   id: MLSEC-FAIR-002
#   remediation: Add a fairness metric for each sensitive attribute the model declares.
#   controls:
#     owasp_ml: [ML08]
#     nist_ai_rmf: [MEASURE 2.11]
deny contains r if {
	needs_fairness
	count(fairness) > 0
	some a in sensitive_attributes
	not attribute_evaluated(a)
	r := lib.result(rego.metadata.rule(), sprintf("no fairness metric evaluates sensitive attribute %q", [a]))
}

attribute_evaluated(a) if {
	some e in fairness
	some m in e.result.metrics
	m.attribute == a
}

metric_ok(m) if m.passed == true

metric_ok(m) if {
	not "passed" in object.keys(m)
	abs(m.value) <= object.get(m, "threshold", lib.fairness_max_difference)
}
