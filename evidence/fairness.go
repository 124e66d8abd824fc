package evidence

import (
	"errors"
	"fmt"
)

// FairnessResult is the result of a fairness record: headline fairness
// metrics of a model on a predictions table (mlsec fairness writes it;
// other tools may too, docs/evidence.md). Only Metrics is required.
type FairnessResult struct {
	Metrics []FairnessMetric `json:"metrics"`
	// SensitiveAttributes are the sensitive columns evaluated (together:
	// intersectional groups).
	SensitiveAttributes []string `json:"sensitive_attributes,omitempty"`
	// Dataset names the predictions table; DatasetSHA256 is its digest.
	Dataset       string `json:"dataset,omitempty"`
	DatasetSHA256 string `json:"dataset_sha256,omitempty"`
	Rows          int64  `json:"rows,omitempty"`
	PosLabel      string `json:"pos_label,omitempty"`
	// Groups counts non-empty groups; SmallGroups names those under
	// MinGroupSize rows (too few to judge).
	Groups       int      `json:"groups,omitempty"`
	MinGroupSize int      `json:"min_group_size,omitempty"`
	SmallGroups  []string `json:"small_groups,omitempty"`
	// CILevel and BootstrapResamples describe the metrics' intervals.
	CILevel            float64 `json:"ci_level,omitempty"`
	BootstrapResamples int     `json:"bootstrap_resamples,omitempty"`
	// FourFifths is the disparate impact check as the producer applied it.
	FourFifths *FourFifthsCheck `json:"four_fifths,omitempty"`
	// Passed is the producer's overall verdict; the policy applies its own
	// limits (data.mlsec.fairness_limits) to the metrics it names.
	Passed *bool `json:"passed,omitempty"`
}

// FairnessMetric is one headline metric. Value nil (JSON null) means
// undefined, e.g. a ratio of 0/0.
type FairnessMetric struct {
	// Name is fairlearn's, e.g. demographic_parity_difference.
	Name string `json:"name"`
	// Method is fairlearn's between_groups or to_overall.
	Method string `json:"method,omitempty"`
	// Attribute is the sensitive column, or the columns joined with "*"
	// for intersectional groups; Attributes lists them.
	Attribute  string   `json:"attribute,omitempty"`
	Attributes []string `json:"attributes,omitempty"`
	Value      *float64 `json:"value"`
	CILow      *float64 `json:"ci_low,omitempty"`
	CIHigh     *float64 `json:"ci_high,omitempty"`
	Threshold  *float64 `json:"threshold,omitempty"`
	Passed     *bool    `json:"passed,omitempty"`
}

// FourFifthsCheck is the four-fifths (disparate impact) rule: the lowest
// group selection rate over the highest must reach Threshold.
type FourFifthsCheck struct {
	Ratio     *float64 `json:"ratio"`
	Threshold float64  `json:"threshold"`
	Passed    bool     `json:"passed"`
	Lowest    string   `json:"lowest_group,omitempty"`
	Highest   string   `json:"highest_group,omitempty"`
}

// Metric returns the metric named name by method ("" matches a metric
// without a method), or nil.
func (r *FairnessResult) Metric(name, method string) *FairnessMetric {
	for i := range r.Metrics {
		if m := &r.Metrics[i]; m.Name == name && m.Method == method {
			return m
		}
	}
	return nil
}

func (r *FairnessResult) validate() error {
	if r.Metrics == nil {
		return errors.New("missing field(s) [metrics]")
	}
	for i, m := range r.Metrics {
		if m.Name == "" {
			return fmt.Errorf("metrics[%d]: name is empty", i)
		}
		if m.Method != "" && m.Method != "between_groups" && m.Method != "to_overall" {
			return fmt.Errorf("metrics[%d]: method %q (want between_groups or to_overall)", i, m.Method)
		}
	}
	return nil
}
