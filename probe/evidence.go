package probe

import (
	"errors"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// ErrIncomplete refuses to make evidence from a partial report.
var ErrIncomplete = errors.New("the probe did not finish; a partial result is not evidence")

// Evidence builds the robustness record of a complete report about the
// model version subject. Attacks that did not run are left out.
func (r *RobustnessReport) Evidence(subject evidence.Subject, version string, now time.Time) (evidence.Record, error) {
	if !r.Complete {
		return evidence.Record{}, ErrIncomplete
	}
	res := evidence.RobustnessResult{
		Attacks: []evidence.RobustnessAttack{}, CleanAccuracy: r.CleanAccuracy, Passed: r.Passed,
		Endpoint: r.Endpoint, Protocol: r.Protocol, Inputs: r.Inputs, Space: "range",
		BudgetPerInput: r.Budget, Queries: r.Queries,
	}
	if r.Sample != nil {
		res.Dataset, res.DatasetSHA256 = r.Sample.Name, r.Sample.SHA256
	}
	for _, a := range r.Attacks {
		if a.Skipped != "" {
			continue
		}
		eps, ra, sr := r.Epsilon, a.RobustAccuracy, a.SuccessRate
		ea := evidence.RobustnessAttack{
			Name: a.Name, Norm: r.Norm, Epsilon: &eps, RobustAccuracy: &ra, SuccessRate: &sr,
			Attempted: a.Attempted, Succeeded: a.Succeeded, Queries: a.Queries, Passed: a.Passed,
			MedianRelativePerturbation: a.Relative.Median,
		}
		if r.Norm == "linf" {
			ea.MedianPerturbation = a.LInfRange.Median
		} else {
			ea.MedianPerturbation = a.L2Range.Median
		}
		for _, c := range a.Curve {
			ea.Curve = append(ea.Curve, evidence.EpsilonAccuracy{Epsilon: c.Epsilon, RobustAccuracy: c.RobustAccuracy})
		}
		res.Attacks = append(res.Attacks, ea)
	}
	return evidence.New(evidence.TypeRobustness, subject, version, now, res)
}

// Evidence builds the explainability record of a complete report.
func (r *ExplainReport) Evidence(subject evidence.Subject, version string, now time.Time) (evidence.Record, error) {
	if !r.Complete || r.Importance == nil {
		return evidence.Record{}, ErrIncomplete
	}
	imp := r.Importance
	base := imp.Baseline
	res := evidence.ExplainabilityResult{
		Method: "permutation_importance", Scoring: imp.Scoring, BaselineScore: &base, Repeats: imp.Repeats, Rows: imp.Rows,
		Endpoint: r.Endpoint, Protocol: r.Protocol, Queries: r.Queries,
	}
	if r.Sample != nil {
		res.Dataset, res.DatasetSHA256 = r.Sample.Name, r.Sample.SHA256
	}
	for _, f := range imp.Features {
		mean, std := f.Mean, f.Std
		res.Features = append(res.Features, evidence.FeatureImportance{Name: f.Name, Importance: &mean, Std: &std, Rank: f.Rank})
	}
	for _, rs := range r.Reasons {
		res.Reasons = append(res.Reasons, evidence.PredictionReasons{Row: rs.Row, Answer: rs.Answer, Labels: rs.Labels})
	}
	return evidence.New(evidence.TypeExplainability, subject, version, now, res)
}
