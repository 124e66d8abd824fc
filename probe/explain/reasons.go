package explain

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/mlsec/mlsec/modelclient"
)

// Feature describes an input column for the reason labels.
type Feature struct {
	Name     string
	Min, Max float64
	// Integer features move by whole numbers (at least 1).
	Integer bool
	// Values, when set, are a categorical feature's values: each other
	// value is tried instead of a step.
	Values []float64
	// Fixed features are never changed.
	Fixed bool
}

// ReasonOptions configure Reasons.
type ReasonOptions struct {
	// Step is the change tried per feature, as a share of its range
	// (default 0.1).
	Step float64
	// Top is the most reasons per input (default 3).
	Top int
	// Regression says the answer is a value (ranked by how much it
	// moves); otherwise an answer without scores is a class label (ranked
	// by flips).
	Regression bool
}

// Reasons is why the model gave its answer for one input: the features
// whose change moves the answer most, worded for people.
type Reasons struct {
	// Row is the input's 0-based data-row number in its table.
	Row    int    `json:"row"`
	Answer string `json:"answer"`
	// Score is the score of the answer's class (or the regression
	// value) the changes are measured on; null with labels only.
	Score   *float64 `json:"score"`
	Reasons []Reason `json:"reasons"`
	// Labels are the reasons' texts, ready to attach to a logged
	// prediction.
	Labels  []string `json:"labels"`
	Queries int      `json:"queries"`
}

// Reason is one feature's effect.
type Reason struct {
	Feature string `json:"feature"`
	// Direction is "up" or "down", or "set" for a category.
	Direction string  `json:"direction"`
	From      float64 `json:"from"`
	To        float64 `json:"to"`
	// Delta is the change in Score (null with labels only).
	Delta *float64 `json:"delta"`
	// Flips says the change alone alters the answer, to NewAnswer.
	Flips     bool   `json:"flips"`
	NewAnswer string `json:"new_answer,omitempty"`
	Text      string `json:"text"`
}

// multiples are the step sizes tried with labels only: the smallest one
// that alters the answer ranks the feature.
var multiples = []float64{1, 2, 4}

// Explain finds the reasons for the model's answer at x by local,
// black-box sensitivity: each feature alone is moved up and down by Step
// of its range (whole numbers for integer features, every other value for
// a categorical one) and the model is asked again. With scores, features
// are ranked by how much the answer's score moves (the largest of the two
// directions), changes that flip the answer first; with labels only, by
// the smallest move (Step, 2·Step, 4·Step) that flips the answer. It costs
// 1 + 2·features queries with scores (plus a query per extra category),
// up to 1 + 6·features with labels only, in one batch.
//
// This says what the answer is sensitive to around x, not how much each
// feature contributed to it: a feature the model weighs heavily but that
// sits far from any threshold may not appear.
func Explain(ctx context.Context, m Model, feats []Feature, x []float64, row int, opt ReasonOptions) (Reasons, error) {
	if opt.Step <= 0 {
		opt.Step = 0.1
	}
	if opt.Top <= 0 {
		opt.Top = 3
	}
	base, err := m.Predict(ctx, [][]float64{x})
	if err != nil {
		return Reasons{}, err
	}
	ans := base[0]
	r := Reasons{Row: row, Answer: ans.Label, Queries: 1, Reasons: []Reason{}, Labels: []string{}}
	scoreOf, class := scoreFunc(ans, opt.Regression)
	if scoreOf != nil {
		s := scoreOf(ans)
		r.Score = &s
	}
	type cand struct {
		j     int
		dir   string
		to    float64
		level int
	}
	var cands []cand
	var rows [][]float64
	levels := []float64{1}
	if scoreOf == nil {
		levels = multiples
	}
	for j, f := range feats {
		if f.Fixed || f.Max <= f.Min {
			continue
		}
		add := func(dir string, to float64, level int) {
			if to == x[j] {
				return
			}
			c := append([]float64(nil), x...)
			c[j] = to
			cands = append(cands, cand{j, dir, to, level})
			rows = append(rows, c)
		}
		if f.Values != nil {
			for _, v := range f.Values {
				add("set", v, 0)
			}
			continue
		}
		h := opt.Step * (f.Max - f.Min)
		for li, k := range levels {
			step := k * h
			if f.Integer {
				step = math.Max(1, math.Round(step))
			}
			add("up", math.Min(x[j]+step, f.Max), li)
			add("down", math.Max(x[j]-step, f.Min), li)
		}
	}
	if len(rows) == 0 {
		return r, nil
	}
	ps, err := m.Predict(ctx, rows)
	r.Queries += len(rows)
	if err != nil {
		return r, err
	}
	best := map[int]Reason{}
	rankOf := map[int]float64{}
	for i, c := range cands {
		p := ps[i]
		rs := Reason{Feature: feats[c.j].Name, Direction: c.dir, From: x[c.j], To: c.to, Flips: !opt.Regression && !modelclient.SameAnswer(p, ans)}
		if rs.Flips {
			rs.NewAnswer = p.Label
		}
		var key float64
		if scoreOf != nil {
			d := scoreOf(p) - *r.Score
			rs.Delta = &d
			key = math.Abs(d)
			if probabilities(ans.Scores) {
				// Near 0 or 1 probabilities barely move; their log-odds
				// still rank the features by how much they push.
				key = math.Abs(logit(scoreOf(p)) - logit(*r.Score))
			}
			if rs.Flips {
				key += 1e9
			}
		} else {
			if !rs.Flips {
				continue
			}
			key = -float64(c.level)
		}
		if old, ok := rankOf[c.j]; !ok || key > old {
			best[c.j], rankOf[c.j] = rs, key
		}
	}
	order := make([]int, 0, len(best))
	for j, rs := range best {
		if rs.Flips || (rs.Delta != nil && *rs.Delta != 0) {
			order = append(order, j)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		if rankOf[order[a]] != rankOf[order[b]] {
			return rankOf[order[a]] > rankOf[order[b]]
		}
		return order[a] < order[b]
	})
	if len(order) > opt.Top {
		order = order[:opt.Top]
	}
	for k, j := range order {
		rs := best[j]
		rs.Text = label(rs, k == 0, class)
		r.Reasons = append(r.Reasons, rs)
		r.Labels = append(r.Labels, rs.Text)
	}
	return r, nil
}

// scoreFunc returns how to read the score the reasons are measured on:
// the answer's class score when there are scores, the value for a
// numeric answer without scores (a regressor), or nil (labels only).
func scoreFunc(ans modelclient.Prediction, regression bool) (func(modelclient.Prediction) float64, string) {
	if ans.Scores != nil {
		c := ans.Top()
		return func(p modelclient.Prediction) float64 {
			if c < len(p.Scores) {
				return p.Scores[c]
			}
			return math.NaN()
		}, "score"
	}
	if regression && !math.IsNaN(ans.Value) {
		return func(p modelclient.Prediction) float64 { return p.Value }, "prediction"
	}
	return nil, ""
}

// probabilities reports whether scores look like class probabilities.
func probabilities(s []float64) bool {
	sum := 0.0
	for _, v := range s {
		if v < 0 || v > 1 {
			return false
		}
		sum += v
	}
	return math.Abs(sum-1) < 1e-6
}

// logit is ln(p/(1−p)) with p kept 1e-15 away from 0 and 1.
func logit(p float64) float64 {
	p = min(max(p, 1e-15), 1-1e-15)
	return math.Log(p / (1 - p))
}

// label words a reason, e.g. "income ↑ raised the score most (+0.21)".
func label(r Reason, first bool, what string) string {
	arrow := map[string]string{"up": "↑", "down": "↓"}[r.Direction]
	subject := r.Feature + " " + arrow
	if r.Direction == "set" {
		subject = r.Feature + " = " + strconv.FormatFloat(r.To, 'g', 6, 64)
	}
	if r.Flips {
		return fmt.Sprintf("%s flips the answer to %s", subject, r.NewAnswer)
	}
	verb := "raised"
	if *r.Delta < 0 {
		verb = "lowered"
	}
	most := ""
	if first {
		most = " most"
	}
	if math.Abs(*r.Delta) < 0.0005 && what == "score" {
		return fmt.Sprintf("%s %s the %s%s (by less than 0.001: the model stays sure)", subject, verb, what, most)
	}
	return fmt.Sprintf("%s %s the %s%s (%+.3g)", subject, verb, what, most, *r.Delta)
}
