package report

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/fairness"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// FairnessTrend answers "who validates that bias metrics haven't drifted":
// the headline fairness metrics of every version that has fairness
// evidence (its newest record), oldest version first, next to the model's
// monitor owners.
type FairnessTrend struct {
	Monitor []string     `json:"monitor"`
	Metrics []string     `json:"metrics"`
	Points  []TrendPoint `json:"points"`
}

// TrendPoint is one version's newest fairness evaluation. A nil value is
// undefined or not reported.
type TrendPoint struct {
	Version    int                 `json:"version"`
	Stage      string              `json:"stage"`
	At         time.Time           `json:"at"`
	Attributes string              `json:"attributes"`
	Dataset    string              `json:"dataset,omitempty"`
	Values     map[string]*float64 `json:"values"`
}

// Value returns the point's value of metric, for templates.
func (p TrendPoint) Value(metric string) *float64 { return p.Values[metric] }

// fairnessTrend reads the fairness evidence of every version; nil when no
// version has a headline metric.
func fairnessTrend(ctx context.Context, src Source, vs []registry.Version, monitor []string) (*FairnessTrend, error) {
	t := &FairnessTrend{Monitor: sorted(monitor), Metrics: fairness.TrendMetrics, Points: []TrendPoint{}}
	for _, v := range vs {
		es, err := client.All(ctx, maxEvidence, func(ctx context.Context, cur string) (client.List[registry.Evidence], error) {
			return src.ListEvidence(ctx, v.Model, v.Number, client.EvidenceQuery{Type: evidence.TypeFairness, Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}})
		})
		if err != nil {
			return nil, fmt.Errorf("report: fairness evidence of version %d: %w", v.Number, err)
		}
		var best *fairness.HistoryEntry
		for _, e := range es {
			var rec evidence.Record
			if json.Unmarshal(e.Body, &rec) != nil {
				continue
			}
			h, err := fairness.NewHistoryEntry(v.Number, string(v.Stage), rec)
			if err != nil || len(h.Metrics) == 0 {
				continue
			}
			if best == nil || cmp.Compare(h.Time.UnixNano(), best.Time.UnixNano()) > 0 {
				best = &h
			}
		}
		if best != nil {
			t.Points = append(t.Points, TrendPoint{Version: v.Number, Stage: string(v.Stage), At: best.Time,
				Attributes: best.Attributes, Dataset: best.Dataset, Values: best.Metrics})
		}
	}
	if len(t.Points) == 0 {
		return nil, nil
	}
	return t, nil
}

// metricValue renders a trend value for people.
func metricValue(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", *v)
}

// fairnessPillar words the verdict of an 'mlsec fairness' record (one with
// a four-fifths check) in numbers; it reports false for other records,
// which passedPillar reads.
func fairnessPillar(set setter, e *registry.Evidence) bool {
	if e == nil {
		return false
	}
	var res evidence.FairnessResult
	if !result(e, &res) || res.FourFifths == nil || res.Passed == nil {
		return false
	}
	by := strings.Join(res.SensitiveAttributes, " and ")
	var parts []string
	if m := res.Metric(fairness.DemographicParityDifference, fairness.MethodBetweenGroups); m != nil {
		parts = append(parts, "the groups' selection rates differ by up to "+metricValue(m.Value))
	}
	ff := res.FourFifths
	if ff.Ratio != nil {
		parts = append(parts, fmt.Sprintf("the lowest is %.0f%% of the highest (the four-fifths rule asks for %.0f%%)", 100**ff.Ratio, 100*ff.Threshold))
	} else {
		parts = append(parts, "no group was selected at all, so the four-fifths rule cannot be met")
	}
	detail := fmt.Sprintf("Evaluated on %d rows grouped by %s: %s.", res.Rows, by, strings.Join(parts, "; "))
	if *res.Passed {
		set(3, Passing, "The fairness evaluation passed. "+detail, e)
	} else {
		set(3, Failing, "The fairness evaluation failed. "+detail, e)
	}
	return true
}
