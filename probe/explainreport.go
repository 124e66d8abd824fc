package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/probe/explain"
)

// ExplainOptions configure Explain.
type ExplainOptions struct {
	// Importance configures permutation importance (Scoring r2 for a
	// regressor; default accuracy).
	Importance explain.Options
	// ReasonRows is how many sample rows get reason labels (the first
	// ones; default 5, negative for none).
	ReasonRows int
	Reasons    explain.ReasonOptions
	Now        func() time.Time
}

// ExplainReport is the outcome of 'mlsec probe explain'.
type ExplainReport struct {
	Run
	Sample     *Sample             `json:"sample"`
	Importance *explain.Importance `json:"importance"`
	// ReasonMethod documents how reasons were found.
	ReasonMethod string            `json:"reason_method"`
	Reasons      []explain.Reasons `json:"reasons"`
}

// ErrNoLabels is returned when permutation importance has no true labels.
var ErrNoLabels = errors.New("permutation importance needs the true labels: name the label column")

// Explain measures permutation importance over the whole sample and
// writes reason labels for its first ReasonRows rows.
func Explain(ctx context.Context, m Model, s *Sample, opt ExplainOptions) (*ExplainReport, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if s.Labels == nil {
		return nil, ErrNoLabels
	}
	if opt.ReasonRows == 0 {
		opt.ReasonRows = 5
	}
	opt.Reasons.Regression = opt.Importance.Scoring == explain.R2
	rep := &ExplainReport{Sample: s, Reasons: []explain.Reasons{},
		ReasonMethod: fmt.Sprintf("local sensitivity: each feature moved alone by %g of its range up and down (whole numbers for integer features, every other value for categorical ones), ranked by the change in the answer's score, or by the smallest move that flips a label", stepOf(opt.Reasons))}
	rep.begin(opt.Now())
	counter := &modelclient.Counter{P: m}
	names := make([]string, len(s.Features))
	for j, f := range s.Features {
		names[j] = f.Name
	}
	imp, err := explain.PermutationImportance(ctx, counter, names, s.Rows, s.Labels, opt.Importance)
	rep.Importance = imp
	if err == nil {
		feats := make([]explain.Feature, len(s.Features))
		for j, f := range s.Features {
			feats[j] = explain.Feature{Name: f.Name, Min: f.Min, Max: f.Max, Integer: f.Kind == Integer, Fixed: f.Fixed}
			if f.Kind == Categorical {
				feats[j].Values = f.Values
			}
		}
		for i := 0; i < min(opt.ReasonRows, len(s.Rows)); i++ {
			var r explain.Reasons
			if r, err = explain.Explain(ctx, counter, feats, s.Rows[i], s.Index[i], opt.Reasons); err != nil {
				break
			}
			rep.Reasons = append(rep.Reasons, r)
		}
	}
	if err := rep.finish(counter.Queries(), opt.Now(), err); err != nil {
		return rep, err
	}
	return rep, nil
}

func stepOf(o explain.ReasonOptions) float64 {
	if o.Step <= 0 {
		return 0.1
	}
	return o.Step
}
