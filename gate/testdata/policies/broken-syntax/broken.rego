package mlsec.gate.broken

import rego.v1

# A missing closing brace: the gate must refuse to decide.
deny contains msg if {
	input.subject.name == "x"
	msg := "never"
