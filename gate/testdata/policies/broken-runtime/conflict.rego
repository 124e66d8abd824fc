package mlsec.gate.conflict

import rego.v1

# A complete rule with two different values is a run-time conflict error in
# OPA: the gate must refuse to decide rather than treat it as no deny.
verdict := "allow" if input.subject.name != ""

verdict := "deny" if input.subject.name != ""

deny contains "conflict" if verdict == "deny"
