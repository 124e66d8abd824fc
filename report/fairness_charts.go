package report

import "html/template"

// trendCharts draws one small line chart per metric (pending the shared
// renderer, internal/chart: none yet).
func trendCharts(*FairnessTrend) []template.HTML { return nil }
