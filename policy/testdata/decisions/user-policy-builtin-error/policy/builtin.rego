package mlsec.gate.builtin

import rego.v1

# to_number fails on a non-numeric string; with strict builtin errors this
# is an evaluation error, not a silently undefined rule.
deny contains "model too old" if {
	to_number(input.subject.name) > 3
}
