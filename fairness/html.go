package fairness

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/mlsec/mlsec/internal/chart"
)

//go:embed templates/fairness.html.tmpl templates/fairness.css
var templates embed.FS

// Parsed on first use, not at start-up: every mlsec command links this
// package and most never render HTML.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("fairness.html.tmpl").Funcs(template.FuncMap{
		"num": fmtNum,
		"css": func() template.CSS {
			b, err := templates.ReadFile("templates/fairness.css")
			if err != nil {
				panic(err) // embedded at build time
			}
			return template.CSS(b)
		},
	}).ParseFS(templates, "templates/fairness.html.tmpl"))
})

// metricText explains each headline metric in plain words.
var metricText = map[string]string{
	DemographicParityDifference: "Largest gap between the groups' shares of positive predictions. 0 means every group is selected at the same rate.",
	DemographicParityRatio:      "Lowest group selection rate divided by the highest. 1 means equal rates; the four-fifths rule asks for at least 0.8.",
	EqualizedOddsDifference:     "Largest gap in true positive rate or false positive rate between groups: are deserving and undeserving cases treated the same in every group?",
	EqualizedOddsDifferenceMean: "Average of the true and false positive rate gaps.",
	EqualizedOddsRatio:          "Smaller of the true and false positive rate ratios (lowest group over highest).",
	EqualizedOddsRatioMean:      "Average of the true and false positive rate ratios.",
	EqualOpportunityDifference:  "Largest gap in true positive rate: among people who truly qualify, is each group recognised as often?",
	EqualOpportunityRatio:       "Lowest group true positive rate divided by the highest.",
}

type htmlMetric struct {
	Name, Text             string
	Between, To            Number
	BetweenCI, ToOverallCI *Interval
}

type htmlCheck struct {
	Passed bool
	Text   string
}

type htmlPage struct {
	R       *Result
	Title   string
	Summary []string
	Checks  []htmlCheck
	Charts  []template.HTML
	Metrics []htmlMetric
	Columns []string
	Empty   []string
}

// WriteHTML writes a self-contained page for people: the finding in words,
// the checks, one bar chart per key rate with the groups side by side and
// the thresholds drawn, the headline metrics explained, and the group
// table. No scripts; the charts are inline SVG (internal/chart).
func WriteHTML(w io.Writer, r *Result) error {
	p := htmlPage{R: r, Title: "Fairness report: " + orDash(r.Source.Name), Summary: summary(r), Charts: charts(r)}
	for _, c := range r.Checks {
		p.Checks = append(p.Checks, htmlCheck{Passed: c.Passed, Text: strings.TrimSpace(r.checkLine(c)[4:])})
	}
	for _, name := range HeadlineNames {
		h := r.FairnessMetrics[name]
		p.Metrics = append(p.Metrics, htmlMetric{Name: name, Text: metricText[name], Between: h.BetweenGroups, To: h.ToOverall,
			BetweenCI: h.BetweenCI, ToOverallCI: h.ToOverallCI})
	}
	p.Columns = []string{SelectionRate, TruePositiveRate, FalsePositiveRate, Accuracy, Precision}
	if r.HasScore() {
		p.Columns = append(p.Columns, MeanScore)
	}
	for _, g := range r.EmptyGroups {
		p.Empty = append(p.Empty, g.String())
	}
	return page().Execute(w, p)
}

func pct(n Number) string {
	if !n.Defined() {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n))
}

// summary says what the evaluation found in plain sentences.
func summary(r *Result) []string {
	ff := r.FourFifths
	out := []string{fmt.Sprintf("%d rows of %s were grouped by %s (%d groups). The positive outcome is %q in column %s; the model's prediction is column %s.",
		r.Rows, orDash(r.Source.Name), strings.Join(r.SensitiveFeatures, " and "), len(r.ByGroup), r.Source.PosLabel, orDash(r.Source.YTrue), orDash(r.Source.YPred))}
	if ff.Ratio.Defined() && len(ff.Lowest.Levels) > 0 {
		out = append(out, fmt.Sprintf("The model gives the positive outcome to %s of %s but to %s of %s: the lowest rate is %s of the highest (the four-fifths rule asks for at least %s).",
			pct(ff.HighestRate), ff.Highest, pct(ff.LowestRate), ff.Lowest, pct(ff.Ratio), pct(Number(ff.Threshold))))
	} else {
		out = append(out, "No group received a positive prediction, so the groups' rates cannot be compared.")
	}
	if r.Passed {
		out = append(out, "Both checks passed.")
	} else {
		out = append(out, "At least one check failed: see below.")
	}
	return out
}

// charts draws one bar chart per key rate: a bar per group, the overall
// rate and, for the selection rate, the four-fifths line.
func charts(r *Result) []template.HTML {
	overall := func(m string) chart.Line {
		return chart.Line{Value: float64(r.Overall[m]), Label: "everyone"}
	}
	specs := []struct {
		metric, title, desc string
		lines               []chart.Line
	}{
		{SelectionRate, "Share of each group predicted positive (selection rate)",
			"Bars of equal length mean demographic parity. A group left of the four-fifths line fails the four-fifths rule.",
			[]chart.Line{overall(SelectionRate)}},
		{TruePositiveRate, "Share of truly positive cases the model finds, per group (true positive rate)",
			"Equal bars mean equal opportunity: qualified people of every group are recognised equally often.",
			[]chart.Line{overall(TruePositiveRate)}},
		{FalsePositiveRate, "Share of truly negative cases wrongly flagged, per group (false positive rate)",
			"With the true positive rate this is equalized odds: errors should fall equally on every group.",
			[]chart.Line{overall(FalsePositiveRate)}},
	}
	if hi := r.FourFifths.HighestRate; hi.Defined() {
		v := r.FourFifths.Threshold * float64(hi)
		specs[0].lines = append(specs[0].lines, chart.Line{Value: v, Label: "four-fifths line"})
	}
	var out []template.HTML
	for _, s := range specs {
		c := chart.BarChart{Title: s.title, Desc: s.desc, Min: 0, Max: 1, Thresholds: s.lines}
		for _, g := range r.ByGroup {
			b := chart.Bar{Label: g.Group.Label(), Value: float64(g.Metrics[s.metric]), Lo: math.NaN(), Hi: math.NaN()}
			var notes []string
			if g.Small {
				notes = append(notes, fmt.Sprintf("small group: %d rows", int64(g.Metrics[Count])))
			}
			if (s.metric == TruePositiveRate && g.Positives == 0) || (s.metric == FalsePositiveRate && g.Negatives == 0) {
				notes = append(notes, "not measured (no such cases), shown as 0")
			}
			b.Note = strings.Join(notes, "; ")
			c.Bars = append(c.Bars, b)
		}
		out = append(out, c.SVG())
	}
	return out
}
