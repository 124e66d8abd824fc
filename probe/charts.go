package probe

import (
	"fmt"
	"html/template"
	"math"
	"strconv"

	"github.com/mlsec/mlsec/internal/chart"
	"github.com/mlsec/mlsec/probe/explain"
)

// curveChart draws robust accuracy against ε, one line per attack, with
// the verdict's limit.
func curveChart(r *RobustnessReport, ran []AttackReport) template.HTML {
	if len(ran) == 0 || len(ran[0].Curve) == 0 {
		return ""
	}
	c := chart.LineChart{
		Title: "Inputs still answered correctly as the allowed change grows",
		Desc:  fmt.Sprintf("Robust accuracy in percent for each ε (%s distance, each feature scaled to its range), one line per attack.", r.Norm),
		Unit:  "%",
	}
	for _, e := range ran[0].Curve {
		c.X = append(c.X, "ε "+strconv.FormatFloat(e.Epsilon, 'g', -1, 64))
	}
	for _, a := range ran {
		s := chart.Series{Name: attackTitle(a.Name)}
		for _, e := range a.Curve {
			s.Values = append(s.Values, 100*e.RobustAccuracy)
		}
		c.Series = append(c.Series, s)
	}
	if r.MinRobustAccuracy > 0 {
		c.Thresholds = []chart.Line{{Value: 100 * r.MinRobustAccuracy, Label: "limit"}}
	}
	return c.SVG()
}

// histogramChart draws the distribution of the smallest change found.
func histogramChart(a AttackReport, norm string) template.HTML {
	h := a.Histogram
	total := 0
	for _, n := range h.Counts {
		total += n
	}
	if total == 0 {
		return ""
	}
	s := chart.Series{Name: "inputs fooled"}
	for _, n := range h.Counts {
		s.Values = append(s.Values, float64(n)/float64(total))
	}
	return chart.Histogram{
		Title:  attackTitle(a.Name) + ": size of the smallest change that flipped the answer",
		Desc:   fmt.Sprintf("Share of the %d fooled inputs per bin of change size (%s, range units).", total, norm),
		Edges:  h.Edges,
		Series: []chart.Series{s},
	}.SVG()
}

// maxBars caps the importance chart (the table lists every feature).
const maxBars = 20

// importanceChart draws mean importance per feature with ± one standard
// deviation, most important first.
func importanceChart(imp *explain.Importance, ranked []explain.FeatureImportance) template.HTML {
	if imp == nil || len(ranked) == 0 {
		return ""
	}
	c := chart.BarChart{
		Title: "Permutation importance: drop in " + imp.Scoring + " when a feature is shuffled",
		Desc:  fmt.Sprintf("Mean over %d shuffles, whiskers ± one standard deviation; the %d most important of %d features.", imp.Repeats, min(maxBars, len(ranked)), len(ranked)),
	}
	for _, f := range ranked[:min(maxBars, len(ranked))] {
		b := chart.Bar{Label: f.Name, Value: f.Mean, Lo: math.NaN(), Hi: math.NaN()}
		if f.Std > 0 {
			b.Lo, b.Hi = f.Mean-f.Std, f.Mean+f.Std
		}
		c.Bars = append(c.Bars, b)
	}
	return c.SVG()
}
