# Conftest's default package: the gate does not evaluate it, so loading it
# is an error rather than a rule that silently never runs.
package main

import rego.v1

deny contains "never evaluated" if true
