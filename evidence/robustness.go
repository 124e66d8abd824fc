package evidence

import (
	"errors"
	"fmt"
	"slices"
)

// RobustnessResult is the result of a robustness record: how well a model
// resists adversarial inputs (mlsec probe robustness writes it; ART and
// other tools may too, docs/evidence.md). Only Attacks is required, and
// per attack its name and robust accuracy.
type RobustnessResult struct {
	Attacks []RobustnessAttack `json:"attacks"`
	// CleanAccuracy is the accuracy on the unperturbed inputs.
	CleanAccuracy *float64 `json:"clean_accuracy,omitempty"`
	// Passed is the producer's verdict; the policy applies its own limits
	// (data.mlsec.min_robust_accuracy, min_median_relative_perturbation).
	Passed *bool `json:"passed,omitempty"`

	// Where and on what the model was probed.
	Endpoint      string `json:"endpoint,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
	Dataset       string `json:"dataset,omitempty"`
	DatasetSHA256 string `json:"dataset_sha256,omitempty"`
	Inputs        int    `json:"inputs,omitempty"`
	// Space is what distances and ε are measured on: "range" (each
	// feature scaled to its range, mlsec probe) or "input".
	Space          string `json:"space,omitempty"`
	BudgetPerInput int    `json:"budget_per_input,omitempty"`
	Queries        int64  `json:"queries,omitempty"`
}

// RobustnessAttack is one attack's outcome.
type RobustnessAttack struct {
	// Name is the attack, e.g. hsj, boundary, simba, noise, pgd.
	Name string `json:"name"`
	// Norm is l2 or linf: what Epsilon and the perturbations measure.
	Norm    string   `json:"norm,omitempty"`
	Epsilon *float64 `json:"epsilon,omitempty"`
	// RobustAccuracy is the share of inputs still answered correctly
	// under the attack within Epsilon (0..1).
	RobustAccuracy *float64 `json:"robust_accuracy"`
	// SuccessRate is the share of inputs the attack fooled at any size.
	SuccessRate *float64 `json:"success_rate,omitempty"`
	Attempted   int      `json:"attempted,omitempty"`
	Succeeded   int      `json:"succeeded,omitempty"`
	// MedianPerturbation and MedianRelativePerturbation are the medians
	// over fooled inputs of ‖δ‖ and ‖δ‖/‖x‖ (Norm, Space); absent when
	// none was fooled.
	MedianPerturbation         *float64          `json:"median_perturbation,omitempty"`
	MedianRelativePerturbation *float64          `json:"median_relative_perturbation,omitempty"`
	Curve                      []EpsilonAccuracy `json:"robust_accuracy_curve,omitempty"`
	Queries                    int64             `json:"queries,omitempty"`
	Passed                     *bool             `json:"passed,omitempty"`
}

// EpsilonAccuracy is robust accuracy at one ε.
type EpsilonAccuracy struct {
	Epsilon        float64 `json:"epsilon"`
	RobustAccuracy float64 `json:"robust_accuracy"`
}

// Norms a robustness attack may name.
var Norms = []string{"l2", "linf"}

func (r *RobustnessResult) validate() error {
	if r.Attacks == nil {
		return errors.New("missing field(s) [attacks]")
	}
	share := func(what string, v *float64) error {
		if v != nil && !(*v >= 0 && *v <= 1) {
			return fmt.Errorf("%s %v out of 0..1", what, *v)
		}
		return nil
	}
	if err := share("clean_accuracy", r.CleanAccuracy); err != nil {
		return err
	}
	for i, a := range r.Attacks {
		switch {
		case a.Name == "":
			return fmt.Errorf("attacks[%d]: name is empty", i)
		case a.RobustAccuracy == nil:
			return fmt.Errorf("attacks[%d] (%s): missing field(s) [robust_accuracy]", i, a.Name)
		case a.Norm != "" && !slices.Contains(Norms, a.Norm):
			return fmt.Errorf("attacks[%d] (%s): norm %q (want l2 or linf)", i, a.Name, a.Norm)
		}
		if err := share(fmt.Sprintf("attacks[%d] (%s): robust_accuracy", i, a.Name), a.RobustAccuracy); err != nil {
			return err
		}
		if err := share(fmt.Sprintf("attacks[%d] (%s): success_rate", i, a.Name), a.SuccessRate); err != nil {
			return err
		}
		for _, c := range a.Curve {
			if err := share(fmt.Sprintf("attacks[%d] (%s): curve robust_accuracy", i, a.Name), &c.RobustAccuracy); err != nil {
				return err
			}
		}
	}
	return nil
}
