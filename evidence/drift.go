package evidence

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Dataset roles in a drift record: what the compared tables are, so a
// policy can tell "evaluation data drifted from training data" (a
// promotion question) from "production traffic drifted" (a monitoring one).
const (
	RoleTraining   = "training"
	RoleEvaluation = "evaluation"
	RoleProduction = "production"
)

// DriftMetricShare is the Metric of records written by mlsec drift.
const DriftMetricShare = "share_of_drifted_columns"

// DriftResult is the result of a "drift" record: Evidently's dataset drift
// (share of drifted columns against the drift share) with each column's test.
// Metric, Value and Drifted are the fields every drift record carries
// (external monitors may send only those, with their own metric name).
type DriftResult struct {
	// Metric names Value: share_of_drifted_columns for mlsec, or e.g. psi.
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	// Threshold is the drift share (Value ≥ Threshold means drift).
	Threshold float64 `json:"threshold,omitempty"`
	Drifted   bool    `json:"drifted"`
	// Window describes a monitoring window ("10000 requests", "1h").
	Window string `json:"window,omitempty"`
	// Features lists the drifted columns.
	Features               []string      `json:"features,omitempty"`
	NumberOfColumns        int           `json:"number_of_columns,omitempty"`
	NumberOfDriftedColumns int           `json:"number_of_drifted_columns,omitempty"`
	Reference              *DriftDataset `json:"reference,omitempty"`
	Current                *DriftDataset `json:"current,omitempty"`
	// Complete is false when some selected columns could not be tested.
	Complete *bool `json:"complete,omitempty"`
	// Approximate is true when a side came from a streaming sketch.
	Approximate bool          `json:"approximate,omitempty"`
	Columns     []DriftColumn `json:"columns,omitempty"`
}

// DriftDataset names one compared table and its role.
type DriftDataset struct {
	Name string `json:"name"`
	Rows int    `json:"rows"`
	// Role is training, evaluation, production or empty.
	Role string `json:"role,omitempty"`
}

// DriftColumn is one column's test. Score is nil when undefined (NaN) or
// the column was not tested.
type DriftColumn struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Status    string   `json:"status"`
	Method    string   `json:"method,omitempty"`
	Score     *float64 `json:"score"`
	Threshold float64  `json:"threshold,omitempty"`
	Drift     bool     `json:"drift"`
	PSI       *float64 `json:"psi,omitempty"`
}

func (r *DriftResult) validate() error {
	if r.Metric == "" {
		return errors.New("metric is empty")
	}
	if math.IsNaN(r.Value) {
		return errors.New("value is not a number")
	}
	if r.Metric == DriftMetricShare && (r.Value < 0 || r.Value > 1) {
		return fmt.Errorf("value %g: a share lies in [0, 1]", r.Value)
	}
	for _, d := range []*DriftDataset{r.Reference, r.Current} {
		if d != nil && d.Role != "" && !slices.Contains([]string{RoleTraining, RoleEvaluation, RoleProduction}, d.Role) {
			return fmt.Errorf("dataset role %q (want training, evaluation or production)", d.Role)
		}
	}
	if len(r.Columns) > 0 {
		tested, drifted := 0, 0
		for _, c := range r.Columns {
			if c.Status == "tested" {
				tested++
				if c.Drift {
					drifted++
				}
			}
		}
		if tested != r.NumberOfColumns || drifted != r.NumberOfDriftedColumns {
			return fmt.Errorf("columns say %d of %d drifted, the counts %d of %d", drifted, tested, r.NumberOfDriftedColumns, r.NumberOfColumns)
		}
	}
	return nil
}
