# ML-BOM rules: the model is described (licence, datasets, completeness).
# A missing BOM denies under every profile (the model was not analysed); a
# documentation gap in a BOM warns under the baseline profile and denies
# under strict (data.mlsec.documentation_action).
package mlsec.gate

import data.mlsec.lib
import rego.v1

boms := lib.of_type("bom")

# METADATA
# title: An ML-BOM exists
# description: The model needs a CycloneDX ML-BOM bound to its root digest.
# custom:
#   id: MLSEC-BOM-001
#   remediation: Run 'mlsec bom MODEL --evidence bom.json' and pass it with --evidence.
#   controls:
#     owasp_ml: [ML06]
#     atlas: [AML.T0010]
#     nist_ai_rmf: [GOVERN 1.6, MAP 4.1]
deny contains r if {
	count(boms) == 0
	r := lib.result(rego.metadata.rule(), sprintf("no usable ML-BOM evidence for %s (sha256:%s)", [input.subject.name, lib.subject_digest]))
}

# documentation_gaps are reported as warnings or denies, as
# data.mlsec.documentation_action says (the profile chooses it).
deny contains r if {
	lib.documentation_action == "deny"
	some r in documentation_gaps
}

warn contains r if {
	lib.documentation_action != "deny"
	some r in documentation_gaps
}

# METADATA
# title: The ML-BOM declares a licence
# description: Without a licence the model cannot be used lawfully. A warning under the baseline profile, a deny under strict (data.mlsec.documentation_action).
# custom:
#   id: MLSEC-BOM-002
#   level_from: documentation_action
#   remediation: Add the licence to the model card (the license field of README.md front matter), or give it with 'mlsec bom --license SPDX-ID', and regenerate the BOM.
#   controls:
#     owasp_ml: [ML06]
#     nist_ai_rmf: [GOVERN 1.1, MAP 4.1]
documentation_gaps contains r if {
	some e in boms
	not e.result.has_license
	r := lib.result_ev(rego.metadata.rule(), sprintf("the ML-BOM of %s declares no licence", [input.subject.name]), [e])
}

# METADATA
# title: The ML-BOM lists training datasets
# description: Datasets are needed to assess poisoning and provenance risks. A warning under the baseline profile, a deny under strict (data.mlsec.documentation_action).
# custom:
#   id: MLSEC-BOM-003
#   level_from: documentation_action
#   remediation: Declare the training datasets in the model card (datasets field), or give them with 'mlsec bom --dataset NAME@DIGEST', and regenerate the BOM.
#   controls:
#     owasp_ml: [ML02, ML06]
#     atlas: [AML.T0010.002, AML.T0020]
#     nist_ai_rmf: [MAP 4.1, MEASURE 2.9]
documentation_gaps contains r if {
	some e in boms
	count(object.get(e.result, "datasets", [])) == 0
	r := lib.result_ev(rego.metadata.rule(), sprintf("the ML-BOM of %s lists no datasets", [input.subject.name]), [e])
}

# METADATA
# title: ML-BOM completeness reaches the threshold
# description: The completeness score (docs/bom.md) must reach data.mlsec.bom_min_score (default 60). A warning under the baseline profile, a deny under strict (data.mlsec.documentation_action).
# custom:
#   id: MLSEC-BOM-004
#   level_from: documentation_action
#   remediation: Fill the missing fields listed in the message (model card, supplier, metrics...; 'mlsec bom --model-card FILE' reads a card kept elsewhere) and regenerate the BOM.
#   controls:
#     owasp_ml: [ML06]
#     nist_ai_rmf: [GOVERN 1.6, MAP 4.2]
documentation_gaps contains r if {
	some e in boms
	e.result.completeness_score < lib.bom_min_score
	r := lib.result_ev(rego.metadata.rule(), sprintf("ML-BOM completeness of %s is %d, below %d; missing: %s", [input.subject.name, e.result.completeness_score, lib.bom_min_score, concat(", ", object.get(e.result, "missing_fields", []))]), [e])
}
