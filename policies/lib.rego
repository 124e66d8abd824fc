# Helpers shared by the default gate rules: which evidence counts, the
# configuration read from data.mlsec (with defaults), and the result shape.
package mlsec.lib

import rego.v1

# ---- configuration (override with --data FILE under the key "mlsec") ----

default max_evidence_age_days := 30

max_evidence_age_days := data.mlsec.max_evidence_age_days

default bom_min_score := 60

bom_min_score := data.mlsec.bom_min_score

default blocking_severities := ["critical", "high"]

blocking_severities := data.mlsec.blocking_severities

default require_signed_evidence := false

require_signed_evidence := data.mlsec.require_signed_evidence

# Key fingerprints (hex SHA-256 of the PEM public key) trusted to sign the
# model and the evidence. Empty means: any key the verifier was given.
default trusted_keys := []

trusted_keys := data.mlsec.trusted_keys

# What a documentation gap (no licence, no datasets, low BOM completeness:
# MLSEC-BOM-002..004) does: "warn" (the baseline profile) or "deny" (strict).
default documentation_action := "warn"

documentation_action := data.mlsec.documentation_action

default fairness_max_difference := 0.1

fairness_max_difference := data.mlsec.fairness_max_difference

# The four-fifths (disparate impact) rule: the lowest group selection rate
# must be at least this share of the highest.
default fairness_min_ratio := 0.8

fairness_min_ratio := data.mlsec.fairness_min_ratio

# Limits on named fairness metrics (MLSEC-FAIR-002): each entry names a
# metric (fairlearn's name), its method (default between_groups) and a max
# and/or min. A metric with a limit is judged by it, whatever its own
# passed flag says.
fairness_limits := l if {
	l := data.mlsec.fairness_limits
} else := [
	{"metric": "demographic_parity_difference", "method": "between_groups", "max": fairness_max_difference},
	{"metric": "demographic_parity_ratio", "method": "between_groups", "min": fairness_min_ratio, "rule": "four-fifths rule"},
]

# Bias drift (MLSEC-FAIR-003): a candidate's metric worse than the
# production version's by more than the margin is reported with this
# action ("warn"; a strict profile sets "deny").
default fairness_drift_margin := 0.05

fairness_drift_margin := data.mlsec.fairness_drift_margin

default fairness_drift_action := "warn"

fairness_drift_action := data.mlsec.fairness_drift_action

default fairness_drift_metrics := [
	"demographic_parity_difference", "demographic_parity_ratio",
	"equalized_odds_difference", "equal_opportunity_difference",
]

fairness_drift_metrics := data.mlsec.fairness_drift_metrics

default min_robust_accuracy := 0.5

min_robust_accuracy := data.mlsec.min_robust_accuracy

# The median relative perturbation (||delta|| / ||x||) of fooled inputs
# must reach this (MLSEC-ROB-003).
default min_median_relative_perturbation := 0.01

min_median_relative_perturbation := data.mlsec.min_median_relative_perturbation

# Every probe family of LLM robustness evidence (mlsec probe llm) must pass
# at least this share of its attempts (MLSEC-ROB-004).
default min_llm_pass_rate := 0.9

min_llm_pass_rate := data.mlsec.min_llm_pass_rate

# Risk tiers that require fairness / robustness evidence.
default fairness_risk_tiers := ["high"]

fairness_risk_tiers := data.mlsec.fairness_risk_tiers

default robustness_risk_tiers := ["high"]

robustness_risk_tiers := data.mlsec.robustness_risk_tiers

# Drift comparisons (dataset roles) whose dataset drift denies an action
# (MLSEC-DRIFT-002): empty by default, so drift only warns; the strict
# profile sets [{"reference": "training", "current": "evaluation"}].
default drift_deny_comparisons := []

drift_deny_comparisons := data.mlsec.drift_deny_comparisons

default drift_deny_actions := ["promote"]

drift_deny_actions := data.mlsec.drift_deny_actions

# Evidence timestamps may be this far in the future (clock skew).
clock_skew_ns := 5 * 60 * 1000000000

# ---- which evidence counts ----

subject_digest := input.subject.digest.sha256

now_ns := time.parse_rfc3339_ns(input.context.time)

# bound: the evidence is about the exact bytes of the subject.
bound(e) if e.subject.digest.sha256 == subject_digest

age_ns(e) := now_ns - time.parse_rfc3339_ns(e.timestamp)

fresh(e) if {
	age_ns(e) >= 0 - clock_skew_ns
	age_ns(e) <= (max_evidence_age_days * 24) * 3600000000000
}

trusted_signer(e) if {
	e.signed == true
	count(trusted_keys) == 0
}

trusted_signer(e) if {
	e.signed == true
	e.signer in trusted_keys
}

signing_ok(e) if not require_signed_evidence

signing_ok(e) if trusted_signer(e)

# Evidence the gate produced itself in this run needs no signature.
signing_ok(e) if e.first_party == true

# usable is the evidence that counts: bound to the subject, fresh and, when
# required, signed by a trusted key.
usable contains e if {
	some e in input.evidence
	bound(e)
	fresh(e)
	signing_ok(e)
}

of_type(t) := [e | some e in usable; e.type == t]

# describe names one evidence item for messages.
describe(e) := sprintf("%s evidence from %s at %s", [e.type, object.get(e, "source", "input"), e.timestamp])

# ---- result shape ----

# result builds a decision result from the calling rule's METADATA
# (rego.metadata.rule()): id, title, remediation and framework controls.
result(meta, msg) := {
	"id": meta.custom.id,
	"title": object.get(meta, "title", ""),
	"msg": msg,
	"remediation": object.get(meta.custom, "remediation", ""),
	"controls": object.get(meta.custom, "controls", {}),
	"evidence": [],
}

# result_ev is result with the evidence items the result is about.
result_ev(meta, msg, items) := object.union(result(meta, msg), {"evidence": [describe(e) | some e in items]})

# ---- training data (policies/data.rego) ----

# Actions the training-data rules (MLSEC-DATA-001..003) block: promotion,
# alias moves into serving, and training itself ('mlsec gate --dataset').
default data_gate_actions := ["promote", "move_alias", "train", "deploy"]

data_gate_actions := data.mlsec.data_gate_actions

# Classifications, least restricted first; a dataset's classification must
# be at least the one its PII calls for.
classification_rank := {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}

# Entity types that call for "restricted": secrets, payment cards,
# government identifiers, bank accounts. Any other PII entity, or a
# sensitive attribute (special category data), calls for "confidential".
default data_restricted_entities := ["SECRET", "CREDIT_CARD", "US_SSN", "IBAN_CODE"]

data_restricted_entities := data.mlsec.data_restricted_entities

default data_personal_classification := "confidential"

data_personal_classification := data.mlsec.data_personal_classification
