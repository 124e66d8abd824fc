package report

import (
	"context"
	"fmt"
	"html/template"
	"math"

	"github.com/mlsec/mlsec/fairness"
	"github.com/mlsec/mlsec/internal/chart"
	"github.com/mlsec/mlsec/registry"
)

// trendLimits are the default policy's limits (MLSEC-FAIR-002), drawn on
// the trend charts; a registry may configure others.
var trendLimits = map[string]chart.Line{
	fairness.DemographicParityDifference: {Value: fairness.DefaultMaxDifference, Label: fmt.Sprintf("default limit %g", fairness.DefaultMaxDifference)},
	fairness.DemographicParityRatio:      {Value: fairness.DefaultMinRatio, Label: fmt.Sprintf("four-fifths rule %g", fairness.DefaultMinRatio)},
}

// trendCharts draws one small line chart per metric that has a value: a
// point per version (its newest evaluation), gaps where undefined.
func trendCharts(t *FairnessTrend) []template.HTML {
	var out []template.HTML
	for _, m := range t.Metrics {
		c := chart.LineChart{Title: m + " by version", Width: 480,
			Desc: "Each point is a version's latest fairness evaluation; a difference should stay low, a ratio high."}
		s := chart.Series{Name: m}
		any := false
		for _, p := range t.Points {
			c.X = append(c.X, fmt.Sprintf("v%d %s", p.Version, p.At.Format("2 Jan")))
			v := math.NaN()
			if x := p.Value(m); x != nil {
				v, any = *x, true
			}
			s.Values = append(s.Values, v)
		}
		if !any {
			continue
		}
		c.Series = []chart.Series{s}
		if l, ok := trendLimits[m]; ok {
			c.Thresholds = []chart.Line{l}
		}
		out = append(out, c.SVG())
	}
	return out
}

// FairnessTrendCharts reads the fairness evidence of versions vs (oldest
// first) and draws one trend chart per headline metric, nil when no
// version has one: the report's fairness trend, for the web UI's model
// page (same rules, same charts).
func FairnessTrendCharts(ctx context.Context, src Source, vs []registry.Version) ([]template.HTML, error) {
	t, err := fairnessTrend(ctx, src, vs, nil)
	if err != nil || t == nil {
		return nil, err
	}
	return trendCharts(t), nil
}
