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

test_bom_missing_licence_datasets_and_score if {
	b := json.patch(good_bom, [
		{"op": "replace", "path": "/result/has_license", "value": false},
		{"op": "replace", "path": "/result/datasets", "value": []},
		{"op": "replace", "path": "/result/completeness_score", "value": 10},
	])
	d := ids(gate.deny) with input as doc([clean_scan, good_sig, b])
	d == {"MLSEC-BOM-002", "MLSEC-BOM-003", "MLSEC-BOM-004"}
}

test_bom_threshold_is_configurable if {
	"MLSEC-BOM-004" in ids(gate.deny) with input as doc([clean_scan, good_sig, good_bom]) with data.mlsec.bom_min_score as 81
	count(gate.deny) == 0 with input as doc([clean_scan, good_sig, good_bom]) with data.mlsec.bom_min_score as 80
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

test_attack_without_median_is_not_judged_by_rob_003 if {
	count(gate.deny) == 0 with input as robust_doc({"name": "pgd", "epsilon": 0.03, "robust_accuracy": 0.8})
}
