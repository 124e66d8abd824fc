# Unit tests of the default gate rules (run by 'go test ./policy/' and
# 'mlsec policy test').
package mlsec.gate_test

import data.mlsec.gate
import rego.v1

digest := "4f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"

other := "9999999999999999999999999999999999999999999999999999999999999999"

key := "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

ev(t, result) := {
	"schema": "https://mlsec.dev/evidence/v1", "type": t,
	"subject": {"name": "m", "digest": {"sha256": digest}},
	"producer": {"tool": "mlsec", "version": "test"},
	"timestamp": "2026-11-19T00:00:00Z", "result": result,
	"signed": true, "signer": key,
}

clean_scan := ev("scan", {
	"summary": {"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 0},
	"max_severity": "none", "findings": [], "files_scanned": 1, "files_errored": 0,
})

good_sig := ev("signature", {"verified": true, "method": "key", "key_id": key, "root_digest": digest, "failures": []})

good_bom := ev("bom", {"completeness_score": 80, "missing_fields": [], "has_license": true, "licenses": ["MIT"], "datasets": ["d"], "spec_version": "1.6"})

doc(evidence) := {
	"subject": {"name": "m", "digest": {"sha256": digest}},
	"evidence": evidence,
	"action": {"name": "promote", "stage": "production"},
	"context": {"time": "2026-11-20T00:00:00Z"},
}

ids(set) := {r.id | some r in set}

test_clean_model_has_no_denies if {
	count(gate.deny) == 0 with input as doc([clean_scan, good_sig, good_bom])
}

test_every_result_has_id_message_and_controls if {
	results := gate.deny with input as doc([])
	count(results) > 0
	every r in results {
		r.id != ""
		r.msg != ""
		r.remediation != ""
		count(object.keys(r.controls)) > 0
	}
}

test_critical_finding_denies if {
	s := json.patch(clean_scan, [
		{"op": "replace", "path": "/result/findings", "value": [{"rule_id": "PKL001", "severity": "critical", "path": "x", "message": "m"}]},
		{"op": "replace", "path": "/result/summary/critical", "value": 1},
	])
	"MLSEC-SCAN-002" in ids(gate.deny) with input as doc([s, good_sig, good_bom])
}

test_medium_finding_only_warns if {
	s := json.patch(clean_scan, [
		{"op": "replace", "path": "/result/findings", "value": [{"rule_id": "PKL005", "severity": "medium", "path": "x", "message": "m"}]},
		{"op": "replace", "path": "/result/summary/medium", "value": 1},
	])
	count(gate.deny) == 0 with input as doc([s, good_sig, good_bom])
	"MLSEC-SCAN-004" in ids(gate.warn) with input as doc([s, good_sig, good_bom])
}

test_medium_blocks_when_configured if {
	s := json.patch(clean_scan, [{"op": "replace", "path": "/result/findings", "value": [{"rule_id": "PKL005", "severity": "medium", "path": "x", "message": "m"}]}])
	"MLSEC-SCAN-002" in ids(gate.deny) with input as doc([s, good_sig, good_bom])
		with data.mlsec.blocking_severities as ["critical", "high", "medium"]
}

test_evidence_for_another_digest_does_not_count if {
	s := json.patch(clean_scan, [{"op": "replace", "path": "/subject/digest/sha256", "value": other}])
	d := ids(gate.deny) with input as doc([s, good_sig, good_bom])
	"MLSEC-SCAN-001" in d
	"MLSEC-EVD-001" in ids(gate.warn) with input as doc([s, good_sig, good_bom])
}

test_signature_over_another_digest_does_not_count if {
	sig := json.patch(good_sig, [{"op": "replace", "path": "/result/root_digest", "value": other}])
	"MLSEC-SIG-001" in ids(gate.deny) with input as doc([clean_scan, sig, good_bom])
}

test_stale_evidence_does_not_count if {
	s := json.patch(clean_scan, [{"op": "replace", "path": "/timestamp", "value": "2026-01-01T00:00:00Z"}])
	"MLSEC-SCAN-001" in ids(gate.deny) with input as doc([s, good_sig, good_bom])
	"MLSEC-EVD-002" in ids(gate.warn) with input as doc([s, good_sig, good_bom])
}

test_future_evidence_does_not_count if {
	s := json.patch(clean_scan, [{"op": "replace", "path": "/timestamp", "value": "2027-01-01T00:00:00Z"}])
	"MLSEC-SCAN-001" in ids(gate.deny) with input as doc([s, good_sig, good_bom])
}

test_unsigned_evidence_only_counts_when_allowed if {
	s := json.patch(clean_scan, [{"op": "replace", "path": "/signed", "value": false}])
	count(gate.deny) == 0 with input as doc([s, good_sig, good_bom])
	"MLSEC-SCAN-001" in ids(gate.deny) with input as doc([s, good_sig, good_bom])
		with data.mlsec.require_signed_evidence as true
}

test_evidence_signed_by_untrusted_key_is_ignored_when_required if {
	"MLSEC-SCAN-001" in ids(gate.deny) with input as doc([clean_scan, good_sig, good_bom])
		with data.mlsec.require_signed_evidence as true
		with data.mlsec.trusted_keys as ["ffff"]
}

bom_gaps := json.patch(good_bom, [
	{"op": "replace", "path": "/result/has_license", "value": false},
	{"op": "replace", "path": "/result/datasets", "value": []},
	{"op": "replace", "path": "/result/completeness_score", "value": 10},
])

test_bom_gaps_warn_under_baseline if {
	count(gate.deny) == 0 with input as doc([clean_scan, good_sig, bom_gaps])
	w := ids(gate.warn) with input as doc([clean_scan, good_sig, bom_gaps])
	w == {"MLSEC-BOM-002", "MLSEC-BOM-003", "MLSEC-BOM-004"}
}

test_bom_gaps_deny_under_strict if {
	d := ids(gate.deny) with input as doc([clean_scan, good_sig, bom_gaps]) with data.mlsec.documentation_action as "deny"
	d == {"MLSEC-BOM-002", "MLSEC-BOM-003", "MLSEC-BOM-004"}
	count(gate.warn) == 0 with input as doc([clean_scan, good_sig, bom_gaps]) with data.mlsec.documentation_action as "deny"
}

test_missing_bom_denies_under_every_profile if {
	"MLSEC-BOM-001" in ids(gate.deny) with input as doc([clean_scan, good_sig])
	"MLSEC-BOM-001" in ids(gate.deny) with input as doc([clean_scan, good_sig]) with data.mlsec.documentation_action as "deny"
}

test_bom_threshold_is_configurable if {
	"MLSEC-BOM-004" in ids(gate.warn) with input as doc([clean_scan, good_sig, good_bom]) with data.mlsec.bom_min_score as 81
	"MLSEC-BOM-004" in ids(gate.deny) with input as doc([clean_scan, good_sig, good_bom]) with data.mlsec.bom_min_score as 81
		with data.mlsec.documentation_action as "deny"
	count(gate.warn) == 0 with input as doc([clean_scan, good_sig, good_bom]) with data.mlsec.bom_min_score as 80
}

test_sensitive_attributes_require_fairness if {
	i := json.patch(doc([clean_scan, good_sig, good_bom]), [{"op": "add", "path": "/subject/sensitive_attributes", "value": ["sex"]}])
	ids(gate.deny) == {"MLSEC-FAIR-001"} with input as i
}

test_fairness_within_threshold_passes if {
	f := ev("fairness", {"metrics": [{"name": "dpd", "attribute": "sex", "value": -0.05}]})
	i := json.patch(doc([clean_scan, good_sig, good_bom, f]), [{"op": "add", "path": "/subject/sensitive_attributes", "value": ["sex"]}])
	count(gate.deny) == 0 with input as i
}

test_fairness_unevaluated_attribute_denies if {
	f := ev("fairness", {"metrics": [{"name": "dpd", "attribute": "sex", "value": 0.01}]})
	i := json.patch(doc([clean_scan, good_sig, good_bom, f]), [{"op": "add", "path": "/subject/sensitive_attributes", "value": ["sex", "age"]}])
	ids(gate.deny) == {"MLSEC-FAIR-002"} with input as i
}

test_high_risk_requires_robustness if {
	r := ev("robustness", {"attacks": [{"name": "pgd", "robust_accuracy": 0.7}]})
	f := ev("fairness", {"metrics": [{"name": "dpd", "value": 0.01}]})
	i := json.patch(doc([clean_scan, good_sig, good_bom, f]), [{"op": "add", "path": "/subject/risk_tier", "value": "high"}])
	ids(gate.deny) == {"MLSEC-ROB-001"} with input as i
	j := json.patch(doc([clean_scan, good_sig, good_bom, f, r]), [{"op": "add", "path": "/subject/risk_tier", "value": "high"}])
	count(gate.deny) == 0 with input as j
}

test_failed_verification_blocks if {
	bad := json.patch(good_sig, [
		{"op": "replace", "path": "/result/verified", "value": false},
		{"op": "replace", "path": "/result/failures", "value": ["signature does not verify"]},
	])
	"MLSEC-SIG-002" in ids(gate.deny) with input as doc([clean_scan, good_sig, bad, good_bom])
}

test_unsigned_model_is_one_deny_not_two if {
	unsigned := ev("signature", {"verified": false, "status": "unsigned", "method": "key", "root_digest": "", "failures": ["unsigned: no signature found"]})
	d := ids(gate.deny) with input as doc([clean_scan, unsigned, good_bom])
	"MLSEC-SIG-001" in d
	not "MLSEC-SIG-002" in d
}

test_first_party_evidence_counts_without_signature if {
	unsigned_ev := [json.patch(e, [{"op": "replace", "path": "/signed", "value": false}, {"op": "add", "path": "/first_party", "value": true}]) |
		some e in [clean_scan, good_sig, good_bom]
	]
	count(gate.deny) == 0 with input as doc(unsigned_ev) with data.mlsec.require_signed_evidence as true
}

robust_doc(attack) := json.patch(
	doc([clean_scan, good_sig, good_bom, ev("fairness", {"metrics": [{"name": "dpd", "value": 0.01}]}), ev("robustness", {"attacks": [attack]})]),
	[{"op": "add", "path": "/subject/risk_tier", "value": "high"}],
)

test_robust_accuracy_below_limit_at_declared_epsilon_denies if {
	d := gate.deny with input as robust_doc({"name": "hsj", "norm": "l2", "epsilon": 0.1, "robust_accuracy": 0.4, "median_relative_perturbation": 0.2})
	ids(d) == {"MLSEC-ROB-002"}
	some r in d
	contains(r.msg, "under hsj is 0.4 at l2 epsilon 0.1, below 0.5")
}

test_tiny_median_perturbation_denies if {
	d := gate.deny with input as robust_doc({"name": "hsj", "norm": "l2", "epsilon": 0.1, "robust_accuracy": 0.9, "median_relative_perturbation": 0.004})
	ids(d) == {"MLSEC-ROB-003"}
}

test_robustness_limits_come_from_policy_data if {
	a := {"name": "hsj", "robust_accuracy": 0.6, "median_relative_perturbation": 0.05}
	count(gate.deny) == 0 with input as robust_doc(a)
	ids(gate.deny) == {"MLSEC-ROB-002", "MLSEC-ROB-003"} with input as robust_doc(a)
		with data.mlsec.min_robust_accuracy as 0.7
		with data.mlsec.min_median_relative_perturbation as 0.1
}

llm_doc(rate) := doc([clean_scan, good_sig, good_bom, ev("robustness", {"attacks": [], "llm": {
	"seed": 1, "attempts_per_probe": 5, "pass_rate": 0.9,
	"families": [
		{"family": "prompt_injection", "attempts": 5, "passed": 5, "pass_rate": 1},
		{"family": "system_prompt_extraction", "attempts": 10, "passed": 7, "pass_rate": rate},
	],
}})])

test_llm_family_below_pass_rate_denies_in_any_tier if {
	d := gate.deny with input as llm_doc(0.7)
	ids(d) == {"MLSEC-ROB-004"}
	some r in d
	contains(r.msg, "system_prompt_extraction passed 7 of 10 attempts (0.7), below 0.9")
}

test_llm_pass_rate_limit_comes_from_policy_data if {
	count(gate.deny) == 0 with input as llm_doc(0.9)
	count(gate.deny) == 0 with input as llm_doc(0.7) with data.mlsec.min_llm_pass_rate as 0.5
	ids(gate.deny) == {"MLSEC-ROB-004"} with input as llm_doc(0.9) with data.mlsec.min_llm_pass_rate as 0.95
}

test_attack_without_median_is_not_judged_by_rob_003 if {
	count(gate.deny) == 0 with input as robust_doc({"name": "pgd", "epsilon": 0.03, "robust_accuracy": 0.8})
}

drifted_eval := ev("drift", {
	"metric": "share_of_drifted_columns", "value": 0.6, "threshold": 0.5, "drifted": true,
	"features": ["age", "sex", "race"], "number_of_columns": 5, "number_of_drifted_columns": 3,
	"reference": {"name": "train.csv", "rows": 100, "role": "training"},
	"current": {"name": "eval.csv", "rows": 50, "role": "evaluation"},
})

test_drift_warns_by_default if {
	count(gate.deny) == 0 with input as doc([clean_scan, good_sig, good_bom, drifted_eval])
	"MLSEC-DRIFT-001" in ids(gate.warn) with input as doc([clean_scan, good_sig, good_bom, drifted_eval])
}

test_no_drift_no_warning if {
	d := json.patch(drifted_eval, [{"op": "replace", "path": "/result/drifted", "value": false}])
	not "MLSEC-DRIFT-001" in ids(gate.warn) with input as doc([clean_scan, good_sig, good_bom, d])
}

test_strict_profile_denies_evaluation_drift if {
	"MLSEC-DRIFT-002" in ids(gate.deny) with input as doc([clean_scan, good_sig, good_bom, drifted_eval])
		with data.mlsec.drift_deny_comparisons as [{"reference": "training", "current": "evaluation"}]
}

test_strict_profile_ignores_other_comparisons if {
	prod := json.patch(drifted_eval, [{"op": "replace", "path": "/result/current/role", "value": "production"}])
	count(gate.deny) == 0 with input as doc([clean_scan, good_sig, good_bom, prod])
		with data.mlsec.drift_deny_comparisons as [{"reference": "training", "current": "evaluation"}]
}

test_strict_profile_only_blocks_listed_actions if {
	i := json.patch(doc([clean_scan, good_sig, good_bom, drifted_eval]), [{"op": "replace", "path": "/action/name", "value": "archive"}])
	count(gate.deny) == 0 with input as i
		with data.mlsec.drift_deny_comparisons as [{"reference": "training", "current": "evaluation"}]
}

# ---- fairness evidence from mlsec fairness (typed metrics with a method) ----

fair_ev(dpd, dpr) := ev("fairness", {
	"sensitive_attributes": ["sex"],
	"metrics": [
		{"name": "demographic_parity_difference", "method": "between_groups", "attribute": "sex", "attributes": ["sex"], "value": dpd},
		{"name": "demographic_parity_ratio", "method": "between_groups", "attribute": "sex", "attributes": ["sex"], "value": dpr},
		{"name": "demographic_parity_difference", "method": "to_overall", "attribute": "sex", "attributes": ["sex"], "value": 0.5},
		{"name": "equalized_odds_difference", "method": "between_groups", "attribute": "sex", "attributes": ["sex"], "value": 0.4},
	],
})

base := [clean_scan, good_sig, good_bom]

test_fairness_limits_pass_and_informational_metrics_do_not_gate if {
	count(gate.deny) == 0 with input as doc(array.concat(base, [fair_ev(0.05, 0.85)]))
}

test_fairness_dp_difference_above_limit_denies if {
	d := gate.deny with input as doc(array.concat(base, [fair_ev(0.17, 0.85)]))
	ids(d) == {"MLSEC-FAIR-002"}
	some r in d
	contains(r.msg, "above the maximum 0.1")
}

test_fairness_four_fifths_denies if {
	d := gate.deny with input as doc(array.concat(base, [fair_ev(0.05, 0.7)]))
	ids(d) == {"MLSEC-FAIR-002"}
	some r in d
	contains(r.msg, "four-fifths rule")
}

test_fairness_undefined_limited_metric_denies if {
	d := gate.deny with input as doc(array.concat(base, [fair_ev(0, null)]))
	some r in d
	r.id == "MLSEC-FAIR-002"
	contains(r.msg, "undefined (null)")
}

test_fairness_limits_from_data if {
	i := doc(array.concat(base, [fair_ev(0.17, 0.85)]))
	count(gate.deny) == 0 with input as i with data.mlsec.fairness_max_difference as 0.2
	"MLSEC-FAIR-002" in ids(gate.deny) with input as i
		with data.mlsec.fairness_limits as [{"metric": "equalized_odds_difference", "max": 0.3}]
}

test_fairness_limit_overrides_producer_passed_flag if {
	f := ev("fairness", {"metrics": [{"name": "demographic_parity_difference", "value": 0.3, "passed": true}]})
	"MLSEC-FAIR-002" in ids(gate.deny) with input as doc(array.concat(base, [f]))
}

test_fairness_applies_without_declared_attributes if {
	"MLSEC-FAIR-002" in ids(gate.deny) with input as doc(array.concat(base, [fair_ev(0.3, 0.85)]))
}

test_intersectional_metric_evaluates_each_attribute if {
	f := ev("fairness", {"metrics": [{"name": "demographic_parity_difference", "method": "between_groups", "attribute": "race*sex", "attributes": ["race", "sex"], "value": 0.05}]})
	i := json.patch(doc(array.concat(base, [f])), [{"op": "add", "path": "/subject/sensitive_attributes", "value": ["sex", "race"]}])
	count(gate.deny) == 0 with input as i
}

test_small_groups_warn if {
	f := json.patch(fair_ev(0.05, 0.85), [{"op": "add", "path": "/result/small_groups", "value": ["sex=X"]}, {"op": "add", "path": "/result/min_group_size", "value": 30}])
	"MLSEC-FAIR-004" in ids(gate.warn) with input as doc(array.concat(base, [f]))
}

# ---- bias drift against production ----

prod_digest := "1111111111111111111111111111111111111111111111111111111111111111"

prod_fair(dpd, dpr) := json.patch(fair_ev(dpd, dpr), [{"op": "replace", "path": "/subject/digest/sha256", "value": prod_digest}, {"op": "replace", "path": "/timestamp", "value": "2026-01-01T00:00:00Z"}])

with_prod(evidence, prod) := object.union(doc(evidence), {"production": {"version": 3, "digest": prod_digest, "evidence": prod}})

test_bias_drift_warns if {
	i := with_prod(array.concat(base, [fair_ev(0.09, 0.85)]), [prod_fair(0.02, 0.95)])
	w := gate.warn with input as i
	"MLSEC-FAIR-003" in ids(w)
	count(gate.deny) == 0 with input as i
	some r in w
	r.id == "MLSEC-FAIR-003"
	contains(r.msg, "production version 3")
}

test_bias_drift_ratio_shrinking_is_worse if {
	i := with_prod(array.concat(base, [fair_ev(0.02, 0.85)]), [prod_fair(0.02, 0.95)])
	"MLSEC-FAIR-003" in ids(gate.warn) with input as i
}

test_bias_drift_within_margin_or_better_is_quiet if {
	i := with_prod(array.concat(base, [fair_ev(0.05, 0.93)]), [prod_fair(0.02, 0.95)])
	not "MLSEC-FAIR-003" in ids(gate.warn) with input as i
	j := with_prod(array.concat(base, [fair_ev(0.01, 0.99)]), [prod_fair(0.08, 0.85)])
	not "MLSEC-FAIR-003" in ids(gate.warn) with input as j
}

test_bias_drift_denies_in_strict_mode if {
	i := with_prod(array.concat(base, [fair_ev(0.09, 0.85)]), [prod_fair(0.02, 0.95)])
	"MLSEC-FAIR-003" in ids(gate.deny) with input as i with data.mlsec.fairness_drift_action as "deny"
	not "MLSEC-FAIR-003" in ids(gate.warn) with input as i with data.mlsec.fairness_drift_action as "deny"
}

test_bias_drift_margin_from_data if {
	i := with_prod(array.concat(base, [fair_ev(0.09, 0.85)]), [prod_fair(0.02, 0.95)])
	not "MLSEC-FAIR-003" in ids(gate.warn) with input as i with data.mlsec.fairness_drift_margin as 0.2
}

test_bias_drift_ignores_production_evidence_about_other_bytes if {
	wrong := json.patch(prod_fair(0.0, 1.0), [{"op": "replace", "path": "/subject/digest/sha256", "value": other}])
	i := with_prod(array.concat(base, [fair_ev(0.09, 0.85)]), [wrong])
	not "MLSEC-FAIR-003" in ids(gate.warn) with input as i
}

test_bias_drift_uses_latest_production_record if {
	older := json.patch(prod_fair(0.0, 1.0), [{"op": "replace", "path": "/timestamp", "value": "2025-06-01T00:00:00Z"}])
	i := with_prod(array.concat(base, [fair_ev(0.09, 0.85)]), [older, prod_fair(0.08, 0.84)])
	not "MLSEC-FAIR-003" in ids(gate.warn) with input as i
}

test_bias_drift_unsigned_production_evidence_ignored_when_signing_required if {
	unsigned := json.patch(prod_fair(0.0, 1.0), [{"op": "replace", "path": "/signed", "value": false}])
	i := with_prod(array.concat(base, [fair_ev(0.09, 0.85)]), [unsigned])
	"MLSEC-FAIR-003" in ids(gate.warn) with input as i
	not "MLSEC-FAIR-003" in ids(gate.warn) with input as i with data.mlsec.require_signed_evidence as true
}

test_other_tools_unlimited_metric_judged_only_when_fairness_is_needed if {
	f := ev("fairness", {"metrics": [{"name": "equal_opportunity", "value": 0.2, "passed": false}]})
	count(gate.deny) == 0 with input as doc(array.concat(base, [f]))
	i := json.patch(doc(array.concat(base, [f])), [{"op": "add", "path": "/subject/sensitive_attributes", "value": ["sex"]}])
	"MLSEC-FAIR-002" in ids(gate.deny) with input as i
}

# ---- training data (data.rego) ----

adult := {
	"digest": other, "registered": true, "name": "adult", "version": 1, "classification": "confidential",
	"approval": "approved", "pii_scanned": true, "entities": {}, "sensitive_attributes": ["race", "sex"],
}

data_doc(ds) := object.union(doc([clean_scan, good_sig, good_bom]), {"datasets": ds})

data_ids(ds) := {id | some r in gate.deny with input as data_doc(ds); id := r.id; startswith(id, "MLSEC-DATA-")}

test_approved_classified_dataset_passes if {
	count(data_ids([adult])) == 0
}

test_unregistered_dataset_denied if {
	data_ids([{"digest": other, "registered": false, "pii_scanned": false}]) == {"MLSEC-DATA-001"}
}

test_unapproved_dataset_denied if {
	data_ids([object.union(adult, {"approval": "pending"})]) == {"MLSEC-DATA-002"}
}

test_dataset_entry_without_versions_denied if {
	data_ids([{"digest": other, "registered": true, "name": "adult", "approval": "none", "pii_scanned": false}]) == {"MLSEC-DATA-002", "MLSEC-DATA-003"}
}

test_sensitive_attributes_need_confidential if {
	data_ids([object.union(adult, {"classification": "internal"})]) == {"MLSEC-DATA-003"}
}

test_restricted_entities_need_restricted if {
	data_ids([object.union(adult, {"entities": {"US_SSN": 3}})]) == {"MLSEC-DATA-003"}
	count(data_ids([object.union(adult, {"entities": {"US_SSN": 3}, "classification": "restricted"})])) == 0
}

test_incomplete_scan_needs_restricted if {
	data_ids([object.union(adult, {"pii_scanned": false})]) == {"MLSEC-DATA-003"}
}

test_clean_public_dataset_passes if {
	count(data_ids([object.union(adult, {"classification": "public", "sensitive_attributes": []})])) == 0
}

test_data_rules_ignore_retire if {
	ds := [{"digest": other, "registered": false, "pii_scanned": false}]
	count({r | some r in gate.deny with input as object.union(data_doc(ds), {"action": {"name": "retire"}}); startswith(r.id, "MLSEC-DATA-")}) == 0
}
