package mlsec.gate.broken

import rego.v1

deny contains msg if {
	input.action.stage == "production"
	msg := "unterminated
}
