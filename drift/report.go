package drift

import (
	"encoding/json"
	"math"
	"strconv"
)

// Score is a float that encodes NaN and ±Inf as JSON null (a p-value scipy
// leaves undefined, e.g. chi-square over a single category).
type Score float64

// MarshalJSON implements json.Marshaler.
func (s Score) MarshalJSON() ([]byte, error) {
	f := float64(s)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler (null reads as NaN).
func (s *Score) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = Score(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*s = Score(f)
	return nil
}

// Column statuses.
const (
	// StatusTested: the column was tested; score, threshold and drift are set.
	StatusTested = "tested"
	// StatusEmpty: no value is left in the reference or the current table
	// after dropping missing values and infinities. Evidently raises
	// ValueError and produces no report; mlsec reports the column, leaves
	// it out of the dataset share, and Report.Complete is false.
	StatusEmpty = "empty"
	// StatusSkipped: a text column (strings, more than half of them
	// distinct). Evidently tests these with a domain classifier, which mlsec
	// does not implement; pass --method COL=... to test it as categorical.
	StatusSkipped = "skipped"
)

// Report is the result of comparing two tables, in Evidently's vocabulary
// (DatasetDriftMetric and ColumnDriftMetric).
type Report struct {
	Reference TableInfo `json:"reference"`
	Current   TableInfo `json:"current"`
	// NumberOfColumns counts the tested columns (the share's denominator).
	NumberOfColumns        int     `json:"number_of_columns"`
	NumberOfDriftedColumns int     `json:"number_of_drifted_columns"`
	ShareOfDriftedColumns  float64 `json:"share_of_drifted_columns"`
	// DatasetDrift is share ≥ DriftShare.
	DatasetDrift bool    `json:"dataset_drift"`
	DriftShare   float64 `json:"drift_share"`
	// Complete is false when a selected column could not be tested
	// (status empty or skipped): the verdict covers the other columns only.
	Complete bool           `json:"complete"`
	Columns  []ColumnResult `json:"columns"`
	// Approximate is true when either side came from a streaming sketch.
	Approximate bool `json:"approximate,omitempty"`
}

// TableInfo names a compared table.
type TableInfo struct {
	Name string `json:"name"`
	Rows int    `json:"rows"`
}

// ColumnResult is one column's verdict.
type ColumnResult struct {
	Column string `json:"column_name"`
	// Role is "target" or "prediction" for the columns named so.
	Role string     `json:"role,omitempty"`
	Type ColumnType `json:"type"`
	// Method is Evidently's method name and StatTest its display name.
	Method   string `json:"method,omitempty"`
	StatTest string `json:"stattest_name,omitempty"`
	// Score is the p-value or distance; Threshold the threshold applied
	// with Rule; Drift the verdict.
	Score     Score   `json:"score"`
	Threshold float64 `json:"threshold"`
	Rule      Rule    `json:"rule,omitempty"`
	Drift     bool    `json:"drift"`
	// PSI is Evidently's population stability index on the same binning,
	// reported for every tested column whatever the method.
	PSI    Score  `json:"psi"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Why says in words what the score means against the threshold.
	Why       string      `json:"why,omitempty"`
	Reference ColumnStats `json:"reference_stats"`
	CurrentSt ColumnStats `json:"current_stats"`
	// Distribution holds reference and current shares per bin for charts.
	Distribution *Distribution `json:"distribution,omitempty"`
}

// ColumnStats counts one side's values.
type ColumnStats struct {
	Rows    int `json:"rows"`
	Missing int `json:"missing"`
	Inf     int `json:"infinite"`
	Count   int `json:"count"`
	Unique  int `json:"unique"`
}

// Distribution is a histogram of both sides: numeric Edges (len(bins)+1) or
// category labels, with the share of each side's values per bin.
type Distribution struct {
	Edges      []float64 `json:"edges,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Reference  []float64 `json:"reference"`
	Current    []float64 `json:"current"`
	// Other is the share of values in categories left out of the chart
	// (at most MaxChartCategories are drawn).
	OtherReference float64 `json:"other_reference,omitempty"`
	OtherCurrent   float64 `json:"other_current,omitempty"`
}

// ColumnScores is the Prometheus-ready view of a report: one entry per
// tested column, for gauges such as mlsec_drift_score{feature,method}.
type ColumnScore struct {
	Feature   string
	Method    string
	Score     float64
	Threshold float64
	Drifted   bool
	PSI       float64
}

// Scores returns the per-column scores of the tested columns.
func (r *Report) Scores() []ColumnScore {
	out := make([]ColumnScore, 0, len(r.Columns))
	for _, c := range r.Columns {
		if c.Status != StatusTested {
			continue
		}
		out = append(out, ColumnScore{Feature: c.Column, Method: c.Method, Score: float64(c.Score), Threshold: c.Threshold, Drifted: c.Drift, PSI: float64(c.PSI)})
	}
	return out
}

// Drifted lists the names of the drifted columns.
func (r *Report) Drifted() []string {
	var out []string
	for _, c := range r.Columns {
		if c.Drift {
			out = append(out, c.Column)
		}
	}
	return out
}

// Change is one bin of a Distribution whose share moved.
type Change struct {
	Label              string
	Reference, Current float64
}

// LargestChange returns the bin or category whose share moved most, with a
// readable label ("[45.2, 52.5)", or the category), for reports read by
// people; ok is false for an empty distribution.
func (d *Distribution) LargestChange() (c Change, ok bool) {
	if d == nil {
		return c, false
	}
	best := -1.0
	for i := range d.Reference {
		if diff := math.Abs(d.Current[i] - d.Reference[i]); diff > best {
			best = diff
			c = Change{Reference: d.Reference[i], Current: d.Current[i]}
			if d.Categories != nil {
				c.Label = d.Categories[i]
			} else {
				closeBr := ")"
				if i == len(d.Reference)-1 {
					closeBr = "]"
				}
				c.Label = "[" + strconv.FormatFloat(d.Edges[i], 'g', 4, 64) + ", " + strconv.FormatFloat(d.Edges[i+1], 'g', 4, 64) + closeBr
			}
		}
	}
	return c, best >= 0
}
