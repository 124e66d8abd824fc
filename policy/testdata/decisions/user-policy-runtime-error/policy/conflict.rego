package mlsec.gate.conflict

import rego.v1

# Two definitions of a complete rule that produce different values:
# evaluation fails with a conflict error, which must never become an allow.
stage_owner := "alice" if input.action.name == "promote"

stage_owner := "bob" if input.action.stage == "production"

deny contains "no owner" if not stage_owner
