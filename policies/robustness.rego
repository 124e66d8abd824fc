# Adversarial-robustness rules: a model in a risk tier listed in
# data.mlsec.robustness_risk_tiers needs robustness evidence (mlsec probe
# robustness, or another tool's), and every attack in it must meet the
# limits in policy data: a minimum robust accuracy at the attack's
# declared epsilon and a minimum median relative perturbation.
package mlsec.gate

import data.mlsec.lib
import rego.v1

needs_robustness if risk_tier in lib.robustness_risk_tiers

robustness := lib.of_type("robustness")

# METADATA
# title: Robustness evidence is required
# description: A model in a risk tier listed in data.mlsec.robustness_risk_tiers (default high) needs an adversarial robustness evaluation.
# custom:
#   id: MLSEC-ROB-001
#   remediation: Probe the served model (mlsec probe robustness --evidence FILE) or evaluate it with another tool, and pass the robustness evidence.
#   controls:
#     owasp_ml: [ML01]
#     atlas: [AML.T0043, AML.T0015]
#     nist_ai_rmf: [MEASURE 2.6, MEASURE 2.7]
deny contains r if {
	needs_robustness
	count(robustness) == 0
	r := lib.result(rego.metadata.rule(), sprintf("%s is in risk tier %q but has no usable robustness evidence", [input.subject.name, risk_tier]))
}

# METADATA
# title: Robust accuracy meets the threshold
# description: Robust accuracy under every attack, at its declared epsilon, must reach data.mlsec.min_robust_accuracy (default 0.5).
# custom:
#   id: MLSEC-ROB-002
#   remediation: Harden the model (adversarial training, input validation, monotonic constraints, fewer brittle features) and re-evaluate.
#   controls:
#     owasp_ml: [ML01]
#     atlas: [AML.T0043, AML.T0015]
#     nist_ai_rmf: [MEASURE 2.6, MEASURE 2.7, MANAGE 1.1]
deny contains r if {
	needs_robustness
	some e in robustness
	some a in e.result.attacks
	a.robust_accuracy < lib.min_robust_accuracy
	r := lib.result_ev(rego.metadata.rule(), sprintf("robust accuracy under %s is %v%s, below %v", [a.name, a.robust_accuracy, at_epsilon(a), lib.min_robust_accuracy]), [e])
}

at_epsilon(a) := sprintf(" at %s epsilon %v", [a.norm, a.epsilon]) if {
	"epsilon" in object.keys(a)
	"norm" in object.keys(a)
}

at_epsilon(a) := sprintf(" at epsilon %v", [a.epsilon]) if {
	"epsilon" in object.keys(a)
	not "norm" in object.keys(a)
}

at_epsilon(a) := "" if not "epsilon" in object.keys(a)

# METADATA
# title: Adversarial inputs need more than a tiny change
# description: The median relative perturbation (||delta|| / ||x||) of the inputs an attack fooled must reach data.mlsec.min_median_relative_perturbation (default 0.01); attacks that report no median are not judged by this rule.
# custom:
#   id: MLSEC-ROB-003
#   remediation: The model's answers flip under changes too small to matter; smooth its decision boundary (adversarial training, regularisation, input quantisation) and re-evaluate.
#   controls:
#     owasp_ml: [ML01]
#     atlas: [AML.T0043]
#     nist_ai_rmf: [MEASURE 2.6, MEASURE 2.7]
deny contains r if {
	needs_robustness
	some e in robustness
	some a in e.result.attacks
	a.median_relative_perturbation < lib.min_median_relative_perturbation
	r := lib.result_ev(rego.metadata.rule(), sprintf("under %s the median adversarial change is %v of the input, below %v", [a.name, a.median_relative_perturbation, lib.min_median_relative_perturbation]), [e])
}
