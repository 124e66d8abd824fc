# A team rule: production promotions need an approval and only CI may do them.
package mlsec.gate.team

import rego.v1

# METADATA
# title: Production needs a human approval
# custom:
#   id: TEAM-001
#   remediation: Ask an ML lead to approve the promotion in the registry.
#   controls:
#     nist_ai_rmf: [GOVERN 2.1]
deny contains {"id": "TEAM-001", "msg": msg} if {
	input.action.stage == "production"
	not approved
	msg := sprintf("promotion of %s to production has no approval evidence", [input.subject.name])
}

approved if {
	some e in input.evidence
	e.type == "approval"
	e.result.approved == true
}

# Plain Conftest-style string results work too.
warn contains "promotions from a laptop are discouraged" if input.context.environment == "laptop"
