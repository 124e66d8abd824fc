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
# description: Fairness evidence must meet the limits in data.mlsec.fairness_limits (default demographic parity difference between groups <= 0.1 and ratio >= 0.8, the four-fifths rule); an undefined (null) limited metric fails. The limits apply to all usable fairness evidence, declared sensitive attributes or not (the registry declares none); other tools' metrics without a limit are judged only for subjects that need fairness (next rule).
# custom:
#   id: MLSEC-FAIR-002
#   remediation: Mitigate the bias (reweighting, threshold tuning per group, more representative training data), re-run 'mlsec fairness' and attach the new evidence; or, with a documented reason, adjust data.mlsec.fairness_limits.
#   controls:
#     owasp_ml: [ML08, ML02]
#     atlas: [AML.T0020]
#     nist_ai_rmf: [MEASURE 2.11, MANAGE 1.1]
deny contains r if {
	some e in fairness
	some m in e.result.metrics
	some l in lib.fairness_limits
	limit_applies(l, m)
	not limit_ok(l, m)
	r := lib.result_ev(rego.metadata.rule(), limit_msg(l, m), [e])
}

# METADATA
# title: Fairness metrics meet the threshold
# description: When the subject declares sensitive attributes or a fairness risk tier, a metric with no limit in data.mlsec.fairness_limits and no method (another tool's record) must pass its own passed flag, else |value| <= its threshold or data.mlsec.fairness_max_difference.
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
	not limited(m)
	not "method" in object.keys(m)
	not metric_ok(m)
	r := lib.result_ev(rego.metadata.rule(), sprintf("fairness metric %s for %q is %v (limit %v)", [m.name, object.get(m, "attribute", "all"), m.value, object.get(m, "threshold", lib.fairness_max_difference)]), [e])
}

# METADATA
# title: Fairness metrics meet the threshold
# description: Every declared sensitive attribute must be evaluated by at least one fairness metric (alone or in an intersectional group).
# custom:
#   id: MLSEC-FAIR-002
#   remediation: Add a fairness metric for each sensitive attribute the model declares ('mlsec fairness --sensitive COL').
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

attribute_evaluated(a) if {
	some e in fairness
	some m in e.result.metrics
	a in object.get(m, "attributes", [])
}

metric_method(m) := object.get(m, "method", "between_groups")

limit_applies(l, m) if {
	l.metric == m.name
	object.get(l, "method", "between_groups") == metric_method(m)
}

limited(m) if {
	some l in lib.fairness_limits
	limit_applies(l, m)
}

limit_ok(l, m) if {
	is_number(m.value)
	m.value <= object.get(l, "max", m.value)
	m.value >= object.get(l, "min", m.value)
}

limit_word(l) := sprintf("above the maximum %v", [l.max]) if "max" in object.keys(l)

else := sprintf("below the minimum %v", [l.min])

limit_why(l) := sprintf(" (the %s)", [l.rule]) if "rule" in object.keys(l)

else := ""

limit_msg(l, m) := sprintf("fairness metric %s (%s) for %q is undefined (null): it cannot be shown to meet its limit%s", [m.name, metric_method(m), object.get(m, "attribute", "all"), limit_why(l)]) if {
	not is_number(m.value)
} else := sprintf("fairness metric %s (%s) for %q is %v, %s%s", [m.name, metric_method(m), object.get(m, "attribute", "all"), m.value, limit_word(l), limit_why(l)])

metric_ok(m) if m.passed == true

metric_ok(m) if {
	not "passed" in object.keys(m)
	abs(m.value) <= object.get(m, "threshold", lib.fairness_max_difference)
}

# METADATA
# title: Fairness evaluated on groups too small to judge
# description: The fairness evidence names groups with fewer rows than its minimum group size; their rates are too uncertain for the metrics to mean much.
# custom:
#   id: MLSEC-FAIR-004
#   remediation: Evaluate on more data for the small groups, or merge categories, and re-run 'mlsec fairness' (see --min-group-size).
#   controls:
#     owasp_ml: [ML08]
#     nist_ai_rmf: [MEASURE 2.11, MEASURE 2.13]
warn contains r if {
	some e in fairness
	small := object.get(e.result, "small_groups", [])
	count(small) > 0
	r := lib.result_ev(rego.metadata.rule(), sprintf("%d group(s) have fewer than %v rows: %s", [count(small), object.get(e.result, "min_group_size", "the minimum"), concat("; ", small)]), [e])
}

# ---- bias drift against the production version (MLSEC-FAIR-003) ----

production := object.get(input, "production", {})

# The production version's fairness evidence: bound to its digest and, when
# required, signed. Not subject to freshness: it is what production was
# approved on.
production_fairness := [e |
	some e in object.get(production, "evidence", [])
	e.type == "fairness"
	e.subject.digest.sha256 == production.digest
	production.digest != lib.subject_digest
	lib.signing_ok(e)
]

# latest keeps the newest record per set of sensitive attributes.
latest(items) := [e |
	some e in items
	not newer_exists(e, items)
]

newer_exists(e, items) if {
	some o in items
	object.get(o.result, "sensitive_attributes", []) == object.get(e.result, "sensitive_attributes", [])
	time.parse_rfc3339_ns(o.timestamp) > time.parse_rfc3339_ns(e.timestamp)
}

# worse_by is how much worse the candidate's value is than production's: a
# difference grows, a ratio shrinks.
worse_by(name, cand, prod) := prod - cand if contains(name, "_ratio")

else := cand - prod

bias_drift contains [msg, e] if {
	some e in latest(fairness)
	some p in latest(production_fairness)
	some m in e.result.metrics
	m.name in lib.fairness_drift_metrics
	is_number(m.value)
	some pm in p.result.metrics
	pm.name == m.name
	metric_method(pm) == metric_method(m)
	object.get(pm, "attribute", "") == object.get(m, "attribute", "")
	is_number(pm.value)
	d := worse_by(m.name, m.value, pm.value)
	d > lib.fairness_drift_margin
	msg := sprintf("bias drift: %s (%s) for %q is %v, worse than production version %v's %v by %.4f (margin %v)", [m.name, metric_method(m), object.get(m, "attribute", "all"), m.value, object.get(production, "version", "?"), pm.value, d, lib.fairness_drift_margin])
}

# METADATA
# title: Fairness has not drifted from production
# description: A candidate version's headline fairness metrics (data.mlsec.fairness_drift_metrics) must not be worse than the production version's by more than data.mlsec.fairness_drift_margin (default 0.05). Reported as a warning by default; data.mlsec.fairness_drift_action "deny" blocks.
# custom:
#   id: MLSEC-FAIR-003
#   level_from: fairness_drift_action
#   remediation: Compare the two versions with 'mlsec fairness history MODEL', find what changed (training data, features, threshold), mitigate and re-evaluate; the monitor owner signs off on any accepted drift through an exception.
#   controls:
#     owasp_ml: [ML08, ML02]
#     atlas: [AML.T0020]
#     nist_ai_rmf: [MEASURE 2.11, MEASURE 4.2, MANAGE 4.1]
warn contains r if {
	lib.fairness_drift_action != "deny"
	some [msg, e] in bias_drift
	r := lib.result_ev(rego.metadata.rule(), msg, [e])
}

# METADATA
# title: Fairness has not drifted from production
# description: As the warning, when data.mlsec.fairness_drift_action is "deny" (the strict profile).
# custom:
#   id: MLSEC-FAIR-003
#   level_from: fairness_drift_action
#   remediation: Compare the two versions with 'mlsec fairness history MODEL', find what changed (training data, features, threshold), mitigate and re-evaluate; the monitor owner signs off on any accepted drift through an exception.
#   controls:
#     owasp_ml: [ML08, ML02]
#     atlas: [AML.T0020]
#     nist_ai_rmf: [MEASURE 2.11, MEASURE 4.2, MANAGE 4.1]
deny contains r if {
	lib.fairness_drift_action == "deny"
	some [msg, e] in bias_drift
	r := lib.result_ev(rego.metadata.rule(), msg, [e])
}

