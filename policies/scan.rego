# Scan rules: the artifact was scanned and nothing that runs code on load
# (or is otherwise critical/high) was found.
package mlsec.gate

import data.mlsec.lib
import rego.v1

# METADATA
# title: Scan evidence is required
# description: The decision needs a fresh scan of the exact artifact (same OMS root digest).
# custom:
#   id: MLSEC-SCAN-001
#   remediation: Run 'mlsec scan MODEL --evidence scan.json' on the artifact being promoted and pass the file with --evidence.
#   controls:
#     owasp_ml: [ML06]
#     atlas: [AML.T0010.003, AML.T0011.000]
#     nist_ai_rmf: [MEASURE 2.7, MANAGE 3.2]
deny contains r if {
	count(lib.of_type("scan")) == 0
	r := lib.result(rego.metadata.rule(), sprintf("no usable scan evidence for %s (sha256:%s)", [input.subject.name, lib.subject_digest]))
}

# METADATA
# title: No critical or high scan findings
# description: Findings at a blocking severity (default critical and high) mean the model can run code or is malformed.
# custom:
#   id: MLSEC-SCAN-002
#   remediation: Remove or rebuild the flagged files (prefer safetensors/ONNX over pickle), rescan, or file a documented exception.
#   controls:
#     owasp_ml: [ML06, ML10]
#     atlas: [AML.T0011.000, AML.T0010.003, AML.T0018]
#     nist_ai_rmf: [MEASURE 2.7, MANAGE 2.4]
deny contains r if {
	some e in lib.of_type("scan")
	blocking := [f | some f in e.result.findings; f.severity in lib.blocking_severities]
	count(blocking) > 0
	ids := {f.rule_id | some f in blocking}
	r := lib.result_ev(rego.metadata.rule(), sprintf("%d %s finding(s) in %s: %s", [count(blocking), concat("/", lib.blocking_severities), input.subject.name, concat(", ", sort(ids))]), [e])
}

# METADATA
# title: Scan fully analysed every file
# description: Files the scanner could not fully parse may hide payloads.
# custom:
#   id: MLSEC-SCAN-003
#   remediation: Check the FMT/limit findings of the scan; repair or remove the files, or raise limits if they are legitimate.
#   controls:
#     owasp_ml: [ML06]
#     atlas: [AML.T0010.003]
#     nist_ai_rmf: [MEASURE 2.7]
warn contains r if {
	some e in lib.of_type("scan")
	e.result.files_errored > 0
	r := lib.result_ev(rego.metadata.rule(), sprintf("%d file(s) of %s could not be fully analysed", [e.result.files_errored, input.subject.name]), [e])
}

# METADATA
# title: Medium scan findings
# description: Findings below the blocking severity are reported so they get reviewed.
# custom:
#   id: MLSEC-SCAN-004
#   remediation: Review the findings; fix them or accept them with an exception.
#   controls:
#     owasp_ml: [ML06]
#     atlas: [AML.T0010.003]
#     nist_ai_rmf: [MEASURE 2.7]
warn contains r if {
	some e in lib.of_type("scan")
	n := e.result.summary.medium
	n > 0
	not "medium" in lib.blocking_severities
	r := lib.result_ev(rego.metadata.rule(), sprintf("%d medium finding(s) in %s", [n, input.subject.name]), [e])
}
