package drift

import (
	"math"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// Roles names what the two compared tables are (evidence.RoleTraining,
// RoleEvaluation, RoleProduction or ""), for the policy.
type Roles struct{ Reference, Current string }

// Evidence turns a report into a "drift" evidence record about subject (the
// model version the data was compared for).
func Evidence(subject evidence.Subject, rep *Report, roles Roles, window, version string, now time.Time) (evidence.Record, error) {
	complete := rep.Complete
	res := evidence.DriftResult{
		Metric: evidence.DriftMetricShare, Value: rep.ShareOfDriftedColumns, Threshold: rep.DriftShare,
		Drifted: rep.DatasetDrift, Window: window, Features: rep.Drifted(),
		NumberOfColumns: rep.NumberOfColumns, NumberOfDriftedColumns: rep.NumberOfDriftedColumns,
		Reference:   &evidence.DriftDataset{Name: rep.Reference.Name, Rows: rep.Reference.Rows, Role: roles.Reference},
		Current:     &evidence.DriftDataset{Name: rep.Current.Name, Rows: rep.Current.Rows, Role: roles.Current},
		Complete:    &complete,
		Approximate: rep.Approximate,
	}
	if res.Features == nil {
		res.Features = []string{}
	}
	for _, c := range rep.Columns {
		res.Columns = append(res.Columns, evidence.DriftColumn{
			Name: c.Column, Type: string(c.Type), Status: c.Status, Method: c.Method,
			Score: finite(float64(c.Score)), Threshold: c.Threshold, Drift: c.Drift, PSI: finite(float64(c.PSI)),
		})
	}
	return evidence.New(evidence.TypeDrift, subject, version, now, res)
}

func finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}
