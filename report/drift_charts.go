package report

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"slices"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/chart"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// DriftPoint is one version's newest drift check in numbers, a point of
// the drift trend.
type DriftPoint struct {
	Version   int       `json:"version"`
	At        time.Time `json:"at"`
	Metric    string    `json:"metric"`
	Value     float64   `json:"value"`
	Threshold float64   `json:"threshold,omitempty"`
	Drifted   bool      `json:"drifted"`
}

// driftPointOf reads drift record e of version n; false when it has no
// readable metric and value.
func driftPointOf(n int, e *registry.Evidence) (DriftPoint, bool) {
	var res evidence.DriftResult
	if !result(e, &res) || res.Metric == "" || math.IsNaN(res.Value) || math.IsInf(res.Value, 0) {
		return DriftPoint{}, false
	}
	return DriftPoint{Version: n, At: e.Timestamp.UTC(), Metric: res.Metric, Value: res.Value, Threshold: res.Threshold, Drifted: res.Drifted}, true
}

// driftPoints reads the newest drift record of each of the newest
// maxDetailVersions versions vs (oldest first), oldest first; versions
// without a readable record are left out.
func driftPoints(ctx context.Context, src Source, vs []registry.Version) ([]DriftPoint, error) {
	var out []DriftPoint
	for _, v := range vs[max(0, len(vs)-maxDetailVersions):] {
		es, err := client.All(ctx, maxEvidence, func(ctx context.Context, cur string) (client.List[registry.Evidence], error) {
			return src.ListEvidence(ctx, v.Model, v.Number, client.EvidenceQuery{Type: evidence.TypeDrift, Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}})
		})
		if err != nil {
			return nil, fmt.Errorf("report: drift evidence of version %d: %w", v.Number, err)
		}
		if e := latestOf(es, evidence.TypeDrift); e != nil {
			if p, ok := driftPointOf(v.Number, e); ok {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// driftCharts draws one line chart per drift metric over the versions
// that have it: the share of drifted columns (mlsec drift) in percent,
// other metrics (psi, ...) as recorded; the newest record's threshold is
// drawn as a line. Every version with a point of any metric is on the X
// axis, so charts of different metrics line up.
func driftCharts(ps []DriftPoint) []template.HTML {
	var metrics []string
	for _, p := range ps {
		if !slices.Contains(metrics, p.Metric) {
			metrics = append(metrics, p.Metric)
		}
	}
	slices.SortStableFunc(metrics, func(a, b string) int { // the share first
		switch {
		case a == b:
			return 0
		case a == evidence.DriftMetricShare:
			return -1
		case b == evidence.DriftMetricShare:
			return 1
		}
		return 0
	})
	var out []template.HTML
	for _, m := range metrics {
		share := m == evidence.DriftMetricShare
		c := chart.LineChart{Title: m + " by version", Width: 480,
			Desc: "Each point is a version's latest drift check, oldest version on the left; higher means the data changed more."}
		scale := 1.0
		if share {
			c.Title, c.Unit, scale = "Share of columns that drifted, by version", "%", 100
			c.Desc = "Each point is a version's latest drift check, oldest version on the left: the percentage of the data's columns whose distribution changed."
		}
		s := chart.Series{Name: m}
		if share {
			s.Name = "columns drifted"
		}
		threshold := math.NaN()
		for _, p := range ps {
			c.X = append(c.X, fmt.Sprintf("v%d %s", p.Version, p.At.Format("2 Jan")))
			v := math.NaN()
			if p.Metric == m {
				v = p.Value * scale
				if p.Threshold > 0 {
					threshold = p.Threshold * scale
				}
			}
			s.Values = append(s.Values, v)
		}
		c.Series = []chart.Series{s}
		if !math.IsNaN(threshold) {
			c.Thresholds = []chart.Line{{Value: threshold, Label: "drift threshold"}}
		}
		out = append(out, c.SVG())
	}
	return out
}

// DriftTrendCharts reads the drift evidence of versions vs (oldest first)
// and draws the drift trend over versions, nil when no version has a drift
// check: for the web UI's model page, with the report's rules for which
// record counts (the newest of each version).
func DriftTrendCharts(ctx context.Context, src Source, vs []registry.Version) ([]template.HTML, error) {
	ps, err := driftPoints(ctx, src, vs)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return driftCharts(ps), nil
}
