package probe

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/mlsec/mlsec/probe/explain"
)

//go:embed templates/robustness.html.tmpl templates/explain.html.tmpl templates/probe.css
var templates embed.FS

var funcs = template.FuncMap{
	"pct":   pct,
	"pctp":  pctp,
	"num":   num,
	"count": count,
	"name":  attackTitle,
	"join":  func(s []string) string { return strings.Join(s, ", ") },
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12] + "…"
		}
		return s
	},
	"median": func(norm string, a AttackReport) *float64 {
		if norm == "linf" {
			return a.LInfRange.Median
		}
		return a.L2Range.Median
	},
	"closest": func(ex []Example, norm string) []Example { return closest(ex, norm, 10) },
	"pair": func(name string, s Summary) struct {
		Name string
		S    Summary
	} {
		return struct {
			Name string
			S    Summary
		}{name, s}
	},
}

// The pages are parsed on first use, not at start-up: every mlsec command
// links this package and most never render HTML.
var (
	robustnessPage = sync.OnceValue(func() *template.Template {
		return template.Must(template.New("robustness.html.tmpl").Funcs(funcs).ParseFS(templates, "templates/robustness.html.tmpl"))
	})
	explainPage = sync.OnceValue(func() *template.Template {
		return template.Must(template.New("explain.html.tmpl").Funcs(funcs).ParseFS(templates, "templates/explain.html.tmpl"))
	})
)

// css is the pages' style sheet.
func css() template.CSS {
	b, err := templates.ReadFile("templates/probe.css")
	if err != nil {
		panic(err) // embedded at build time
	}
	return template.CSS(b)
}

// attackTitle names an attack for people.
func attackTitle(n string) string {
	switch n {
	case "hsj":
		return "HopSkipJump"
	case "boundary":
		return "Boundary attack"
	case "simba":
		return "SimBA"
	case "noise":
		return "Random noise"
	case "featurewise":
		return "One feature at a time"
	}
	return n
}

type curveRow struct {
	Epsilon float64
	Values  []float64
}

// WriteHTML writes the report as one self-contained page (no scripts;
// charts are inline SVG) a non-engineer can read.
func (r *RobustnessReport) WriteHTML(w io.Writer) error {
	ran := slices.DeleteFunc(slices.Clone(r.Attacks), func(a AttackReport) bool { return a.Skipped != "" })
	var rows []curveRow
	if len(ran) > 0 {
		for i, c := range ran[0].Curve {
			row := curveRow{Epsilon: c.Epsilon}
			for _, a := range ran {
				row.Values = append(row.Values, a.Curve[i].RobustAccuracy)
			}
			rows = append(rows, row)
		}
	}
	hist := map[string]template.HTML{}
	for _, a := range ran {
		hist[a.Name] = histogramChart(a, r.Norm)
	}
	return robustnessPage().Execute(w, map[string]any{
		"R": r, "CSS": css(), "Target": target(r.Endpoint, r.Protocol, r.Model), "Sentences": r.sentences(ran),
		"Ran": ran, "CurveRows": rows, "CurveChart": curveChart(r, ran), "Histograms": hist,
	})
}

// sentences say the headline figures in plain words.
func (r *RobustnessReport) sentences(ran []AttackReport) []string {
	var out []string
	if r.CleanAccuracy != nil {
		out = append(out, fmt.Sprintf("Without any change, the model answered %s of the %d inputs correctly.", pct(*r.CleanAccuracy), r.Inputs))
	}
	for _, a := range ran {
		s := fmt.Sprintf("%s changed the model's answer for %d of %d inputs (%s).", attackTitle(a.Name), a.Succeeded, a.Attempted, pct(a.SuccessRate))
		if m := a.Relative.Median; m != nil {
			s += fmt.Sprintf(" Half of those needed a change of at most %s of the input.", pct(*m))
		}
		s += fmt.Sprintf(" With changes up to ε = %g, %s of the inputs kept a correct answer.", r.Epsilon, pct(a.RobustAccuracy))
		out = append(out, s)
	}
	return out
}

// WriteHTML writes the explanation as one self-contained page.
func (r *ExplainReport) WriteHTML(w io.Writer) error {
	var ranked []explain.FeatureImportance
	if r.Importance != nil {
		ranked = slices.Clone(r.Importance.Features)
		slices.SortStableFunc(ranked, func(a, b explain.FeatureImportance) int { return a.Rank - b.Rank })
	}
	return explainPage().Execute(w, map[string]any{
		"R": r, "CSS": css(), "Target": target(r.Endpoint, r.Protocol, r.Model), "Sentences": r.sentences(ranked),
		"Ranked": ranked, "ImportanceChart": importanceChart(r.Importance, ranked),
	})
}

func (r *ExplainReport) sentences(ranked []explain.FeatureImportance) []string {
	var out []string
	if len(ranked) > 0 {
		var top []string
		for _, f := range ranked[:min(3, len(ranked))] {
			top = append(top, f.Name)
		}
		out = append(out, fmt.Sprintf("The model's %s depends most on %s: shuffling %s lowers it by %.3g on average.",
			r.Importance.Scoring, strings.Join(top, ", "), ranked[0].Name, ranked[0].Mean))
	}
	if len(r.Reasons) > 0 && len(r.Reasons[0].Labels) > 0 {
		out = append(out, fmt.Sprintf("For example, for row %d (answer %s): %s.", r.Reasons[0].Row, r.Reasons[0].Answer, r.Reasons[0].Labels[0]))
	}
	return out
}
