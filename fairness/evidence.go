package fairness

import (
	"strings"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// Evidence turns the result into a fairness evidence record about subject
// (the model's name and OMS root digest): every headline metric by both
// methods, with its interval when bootstrapped, the four-fifths check and
// the groups too small to judge. Undefined values are null.
func (r *Result) Evidence(subject evidence.Subject, version string, now time.Time) (evidence.Record, error) {
	attr := strings.Join(r.SensitiveFeatures, "*")
	out := evidence.FairnessResult{
		SensitiveAttributes: r.SensitiveFeatures,
		Dataset:             r.Source.Name, DatasetSHA256: r.Source.SHA256,
		Rows: r.Rows, PosLabel: r.Source.PosLabel,
		Groups: len(r.ByGroup), MinGroupSize: r.MinGroupSize,
		Metrics: []evidence.FairnessMetric{},
	}
	if r.Bootstrap != nil {
		out.CILevel, out.BootstrapResamples = r.Bootstrap.CI, r.Bootstrap.Resamples
	}
	for _, name := range HeadlineNames {
		h := r.FairnessMetrics[name]
		for _, m := range Methods {
			fm := evidence.FairnessMetric{Name: name, Method: m, Attribute: attr,
				Attributes: r.SensitiveFeatures, Value: ptr(h.Value(m))}
			ci := h.BetweenCI
			if m == MethodToOverall {
				ci = h.ToOverallCI
			}
			if ci != nil {
				fm.CILow, fm.CIHigh = ptr(ci.Low), ptr(ci.High)
			}
			out.Metrics = append(out.Metrics, fm)
		}
	}
	for _, g := range r.ByGroup {
		if g.Small {
			out.SmallGroups = append(out.SmallGroups, g.Group.String())
		}
	}
	ff := r.FourFifths
	out.FourFifths = &evidence.FourFifthsCheck{Ratio: ptr(ff.Ratio), Threshold: ff.Threshold, Passed: ff.Passed}
	if len(ff.Lowest.Levels) > 0 {
		out.FourFifths.Lowest, out.FourFifths.Highest = ff.Lowest.String(), ff.Highest.String()
	}
	passed := r.Passed
	out.Passed = &passed
	return evidence.New(evidence.TypeFairness, subject, version, now, out)
}

// ptr is a defined number's address, nil (JSON null) when undefined.
func ptr(n Number) *float64 {
	if !n.Defined() {
		return nil
	}
	f := float64(n)
	return &f
}
