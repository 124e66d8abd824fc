# A team rule: every model needs a README model card that describes it.
package mlsec.gate.acme

import data.mlsec.lib
import rego.v1

# METADATA
# title: The model card describes the model
# description: The README model card must say what the model is (the ML-BOM description).
# custom:
#   id: ACME-README-001
#   remediation: Add a README.md with a short description of the model under its title.
#   controls:
#     nist_ai_rmf: [MAP 4.1]
deny contains r if {
	some e in lib.of_type("bom")
	"description" in e.result.missing_fields
	r := lib.result_ev(rego.metadata.rule(), sprintf("%s has no README description", [input.subject.name]), [e])
}
