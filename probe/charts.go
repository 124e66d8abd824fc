package probe

import (
	"html/template"

	"github.com/mlsec/mlsec/probe/explain"
)

// Charts are drawn by internal/chart once it is merged; until then the
// pages show the same figures as tables.

func curveChart(ran []AttackReport, norm string) template.HTML { return "" }

func histogramChart(a AttackReport, norm string) template.HTML { return "" }

func importanceChart(imp *explain.Importance, ranked []explain.FeatureImportance) template.HTML {
	return ""
}
