package fairness

import (
	"errors"
	"fmt"
	"math"
	"runtime"

	"github.com/mlsec/mlsec/internal/decfloat"
)

// Data is a predictions table in memory: per row the true label and the
// prediction (true = the positive label), an optional score, and the
// sensitive columns. Load builds it from a CSV, JSON Lines or Parquet file.
type Data struct {
	// YTrue and YPred hold the labels of a Data built by hand. Load keeps
	// them in outcomes instead and leaves these nil.
	YTrue, YPred []bool
	// outcomes packs each row's true label and prediction in two bits
	// (outcome), four rows a byte: a quarter of a byte a row, not two.
	outcomes []uint8
	n        int // rows, with outcomes
	// Score is nil when there is no score column (no mean_score). Load
	// keeps the scores in scores instead, in half the memory when that is
	// exact (decfloat), and leaves Score nil.
	Score    []float64
	scores   *decfloat.Floats
	Features []Feature
	// Source describes where the data came from (copied into the result).
	Source Source
}

// Source names the predictions table and its columns.
type Source struct {
	// Name is the file's base name; SHA256 its digest (hex); Format csv,
	// jsonl or parquet.
	Name   string `json:"name"`
	SHA256 string `json:"sha256,omitempty"`
	Format string `json:"format,omitempty"`
	YTrue  string `json:"y_true"`
	YPred  string `json:"y_pred"`
	YScore string `json:"y_score,omitempty"`
	// PosLabel is the positive label as written in the data.
	PosLabel string `json:"pos_label"`
}

// Rows is the number of rows.
func (d *Data) Rows() int {
	if d.outcomes != nil {
		return d.n
	}
	return len(d.YTrue)
}

// outcome is row r's true label (2) and prediction (1) as two bits.
func (d *Data) outcome(r int) uint8 {
	if d.outcomes != nil {
		return d.outcomes[r>>2] >> (uint(r&3) * 2) & 3
	}
	var o uint8
	if d.YTrue[r] {
		o |= 2
	}
	if d.YPred[r] {
		o |= 1
	}
	return o
}

// hasScore reports whether there are scores, in Score or scores.
func (d *Data) hasScore() bool { return d.Score != nil || d.scores != nil }

// scoreLen is the number of scores.
func (d *Data) scoreLen() int {
	if d.scores != nil {
		return d.scores.Len()
	}
	return len(d.Score)
}

// scoreAt is row r's score (0 without scores).
func (d *Data) scoreAt(r int) float64 {
	switch {
	case d.scores != nil:
		return d.scores.At(r)
	case d.Score != nil:
		return d.Score[r]
	}
	return 0
}

// Options configure Evaluate. Start from DefaultOptions.
type Options struct {
	// Missing is the missing sensitive value policy (default auto).
	Missing MissingPolicy
	// MinGroupSize: groups with fewer rows get a warning (0: no warning).
	MinGroupSize int
	// Bootstrap is the number of resamples for confidence intervals (0: none).
	Bootstrap int
	// Seed makes the bootstrap deterministic.
	Seed uint64
	// CI is the confidence level of the intervals, in (0, 1).
	CI float64
	// MaxDifference is the demographic parity difference limit of the
	// verdict (between groups); MinRatio the four-fifths limit on the
	// demographic parity ratio.
	MaxDifference, MinRatio float64
	// Workers run the bootstrap (0: GOMAXPROCS). The result does not
	// depend on it.
	Workers int
}

// Defaults of Options.
const (
	DefaultMinGroupSize  = 30
	DefaultCI            = 0.95
	DefaultMaxDifference = 0.1
	DefaultMinRatio      = 0.8
)

// DefaultOptions returns the defaults: fairlearn's missing-value behaviour,
// a warning for groups under 30 rows, no bootstrap (95% intervals when
// asked), limits 0.1 on the demographic parity difference and 0.8 (the
// four-fifths rule) on the demographic parity ratio.
func DefaultOptions() Options {
	return Options{Missing: MissingAuto, MinGroupSize: DefaultMinGroupSize, CI: DefaultCI,
		MaxDifference: DefaultMaxDifference, MinRatio: DefaultMinRatio}
}

// ErrInput is wrapped by every error about the data or the options.
var ErrInput = errors.New("invalid fairness input")

// Group is one non-empty group with its metrics.
type Group struct {
	Group   GroupKey `json:"group"`
	Metrics Values   `json:"metrics"`
	// Positives and Negatives count true labels; a group without either has
	// rates fairlearn reports as 0.0 by convention (see Warnings).
	Positives int64 `json:"positives"`
	Negatives int64 `json:"negatives"`
	// Small is set when the group has fewer rows than the minimum size.
	Small bool `json:"small"`
}

// Aggregate is a between_groups and a to_overall value per metric.
type Aggregate struct {
	BetweenGroups Values `json:"between_groups"`
	ToOverall     Values `json:"to_overall"`
}

// Headline is one fairness metric by both methods, with intervals when
// bootstrapped.
type Headline struct {
	BetweenGroups Number    `json:"between_groups"`
	ToOverall     Number    `json:"to_overall"`
	BetweenCI     *Interval `json:"between_groups_ci,omitempty"`
	ToOverallCI   *Interval `json:"to_overall_ci,omitempty"`
}

// Value returns the value by method.
func (h Headline) Value(method string) Number {
	if method == MethodToOverall {
		return h.ToOverall
	}
	return h.BetweenGroups
}

// FourFifths is the disparate-impact check: the lowest group selection
// rate divided by the highest (the demographic parity ratio between
// groups) must reach Threshold.
type FourFifths struct {
	Ratio     Number   `json:"ratio"`
	Threshold float64  `json:"threshold"`
	Passed    bool     `json:"passed"`
	Lowest    GroupKey `json:"lowest_group"`
	Highest   GroupKey `json:"highest_group"`
	// LowestRate and HighestRate are those groups' selection rates.
	LowestRate  Number `json:"lowest_rate"`
	HighestRate Number `json:"highest_rate"`
}

// Check is one verdict of the report: a headline metric against a limit.
type Check struct {
	Metric string   `json:"metric"`
	Method string   `json:"method"`
	Value  Number   `json:"value"`
	Max    *float64 `json:"max,omitempty"`
	Min    *float64 `json:"min,omitempty"`
	Passed bool     `json:"passed"`
}

// Bootstrap describes how the intervals were computed.
type Bootstrap struct {
	Resamples int     `json:"resamples"`
	Seed      uint64  `json:"seed"`
	CI        float64 `json:"ci"`
}

// Result is a fairness evaluation in fairlearn's vocabulary. Rates of a
// group with no positives (negatives) are 0.0 as in fairlearn; NaN is
// undefined and written as null (see package doc).
type Result struct {
	Source Source `json:"data"`
	Rows   int64  `json:"rows"`
	// Positives and Negatives count true labels over all rows.
	Positives         int64    `json:"positives"`
	Negatives         int64    `json:"negatives"`
	SensitiveFeatures []string `json:"sensitive_features"`
	Missing           string   `json:"missing"`
	// Ungrouped counts rows in overall but in no group (a missing value
	// left out by the policy).
	Ungrouped       int64                `json:"ungrouped_rows"`
	Overall         Values               `json:"overall"`
	ByGroup         []Group              `json:"by_group"`
	EmptyGroups     []GroupKey           `json:"empty_groups"`
	EmptyTotal      int                  `json:"empty_groups_total"`
	GroupMin        Values               `json:"group_min"`
	GroupMax        Values               `json:"group_max"`
	Difference      Aggregate            `json:"difference"`
	Ratio           Aggregate            `json:"ratio"`
	FairnessMetrics map[string]*Headline `json:"fairness_metrics"`
	FourFifths      FourFifths           `json:"four_fifths"`
	Checks          []Check              `json:"checks"`
	Passed          bool                 `json:"passed"`
	Bootstrap       *Bootstrap           `json:"bootstrap,omitempty"`
	MinGroupSize    int                  `json:"min_group_size"`
	Warnings        []string             `json:"warnings"`
	Notes           []string             `json:"notes"`
	hasScore        bool
}

// HasScore reports whether the result has mean_score.
func (r *Result) HasScore() bool { return r.hasScore }

func checkOptions(o *Options) error {
	if o.Missing == "" {
		o.Missing = MissingAuto
	}
	if _, err := ParseMissing(string(o.Missing)); err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	if o.Bootstrap < 0 {
		return fmt.Errorf("%w: bootstrap resamples %d: want 0 or more", ErrInput, o.Bootstrap)
	}
	if o.Bootstrap > 0 && !(o.CI > 0 && o.CI < 1) {
		return fmt.Errorf("%w: confidence level %v: want a number between 0 and 1, e.g. 0.95", ErrInput, o.CI)
	}
	if o.MinGroupSize < 0 {
		return fmt.Errorf("%w: minimum group size %d: want 0 or more", ErrInput, o.MinGroupSize)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return nil
}

// Evaluate computes the per-group metrics, their aggregates, the headline
// fairness metrics (with bootstrap intervals when asked) and the verdict.
func Evaluate(d *Data, opt Options) (*Result, error) {
	if err := checkOptions(&opt); err != nil {
		return nil, err
	}
	n := d.Rows()
	if n == 0 {
		return nil, fmt.Errorf("%w: no rows", ErrInput)
	}
	if (d.outcomes == nil && len(d.YPred) != n) || (d.hasScore() && d.scoreLen() != n) {
		return nil, fmt.Errorf("%w: columns of different lengths", ErrInput)
	}
	g, err := group(d.Features, n, opt.Missing)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if len(g.groups) == 0 {
		return nil, fmt.Errorf("%w: no row has a value in every sensitive column, so there is no group to compare", ErrInput)
	}
	cells := make([]counts, len(g.groups))
	var all counts
	for r := 0; r < n; r++ {
		s, o := d.scoreAt(r), d.outcome(r)
		c := &all
		for k := 0; k < 2; k++ {
			switch o {
			case 3:
				c.tp++
			case 1:
				c.fp++
			case 2:
				c.fn++
			default:
				c.tn++
			}
			c.score += s
			id := g.cell.at(r)
			if id < 0 {
				break
			}
			c = &cells[id]
		}
	}
	res := &Result{Source: d.Source, Rows: int64(n), Positives: all.tp + all.fn, Negatives: all.tn + all.fp, Missing: string(opt.Missing), Ungrouped: g.ungrouped,
		EmptyGroups: g.empty, EmptyTotal: g.emptyTotal, MinGroupSize: opt.MinGroupSize,
		hasScore: d.hasScore(), Warnings: []string{}, Notes: []string{}}
	for _, f := range d.Features {
		res.SensitiveFeatures = append(res.SensitiveFeatures, f.Name)
	}
	if res.EmptyGroups == nil {
		res.EmptyGroups = []GroupKey{}
	}
	nm := mScore
	if res.hasScore {
		nm = numMetrics
	}
	// per[m][g] is metric m of group g.
	per := make([][]float64, numMetrics)
	for m := range per {
		per[m] = make([]float64, len(cells))
	}
	res.ByGroup = make([]Group, len(cells))
	for i, c := range cells {
		v := c.metrics()
		vals := Values{}
		for m := 0; m < nm; m++ {
			per[m][i] = v[m]
			vals[metricNames[m]] = Number(v[m])
		}
		res.ByGroup[i] = Group{Group: g.groups[i], Metrics: vals, Positives: c.tp + c.fn, Negatives: c.tn + c.fp,
			Small: opt.MinGroupSize > 0 && c.n() < int64(opt.MinGroupSize)}
	}
	ov := all.metrics()
	res.Overall, res.GroupMin, res.GroupMax = Values{}, Values{}, Values{}
	res.Difference = Aggregate{Values{}, Values{}}
	res.Ratio = Aggregate{Values{}, Values{}}
	for m := 0; m < nm; m++ {
		name := metricNames[m]
		res.Overall[name] = Number(ov[m])
		res.GroupMin[name] = Number(groupMin(per[m]))
		res.GroupMax[name] = Number(groupMax(per[m]))
		res.Difference.BetweenGroups[name] = Number(diffBetween(per[m]))
		res.Difference.ToOverall[name] = Number(diffToOverall(per[m], ov[m]))
		res.Ratio.BetweenGroups[name] = Number(ratioBetween(per[m]))
		res.Ratio.ToOverall[name] = Number(ratioToOverall(per[m], ov[m]))
	}
	h := headline(per[mSR], per[mTPR], per[mFPR], ov[mSR], ov[mTPR], ov[mFPR])
	res.FairnessMetrics = map[string]*Headline{}
	for i, name := range HeadlineNames {
		res.FairnessMetrics[name] = &Headline{BetweenGroups: Number(h[i][0]), ToOverall: Number(h[i][1])}
	}
	if opt.Bootstrap > 0 {
		if err := bootstrap(res, d, g, opt); err != nil {
			return nil, err
		}
	}
	verdict(res, per[mSR], opt)
	explain(res, opt)
	return res, nil
}

// verdict applies the limits: the demographic parity difference between
// groups at most MaxDifference and the four-fifths rule. An undefined
// value fails (fail closed).
func verdict(r *Result, sr []float64, opt Options) {
	dpd := r.FairnessMetrics[DemographicParityDifference].BetweenGroups
	dpr := r.FairnessMetrics[DemographicParityRatio].BetweenGroups
	maxD, minR := opt.MaxDifference, opt.MinRatio
	r.Checks = []Check{
		{Metric: DemographicParityDifference, Method: MethodBetweenGroups, Value: dpd, Max: &maxD,
			Passed: dpd.Defined() && float64(dpd) <= maxD},
		{Metric: DemographicParityRatio, Method: MethodBetweenGroups, Value: dpr, Min: &minR,
			Passed: dpr.Defined() && float64(dpr) >= minR},
	}
	ff := FourFifths{Ratio: dpr, Threshold: minR, Passed: r.Checks[1].Passed}
	lo, hi := -1, -1
	for i, v := range sr {
		if lo < 0 || v < sr[lo] {
			lo = i
		}
		if hi < 0 || v > sr[hi] {
			hi = i
		}
	}
	if lo >= 0 {
		ff.Lowest, ff.Highest = r.ByGroup[lo].Group, r.ByGroup[hi].Group
		ff.LowestRate, ff.HighestRate = Number(sr[lo]), Number(sr[hi])
	}
	r.FourFifths = ff
	r.Passed = r.Checks[0].Passed && r.Checks[1].Passed
}

// explain adds the warnings (what makes a number hard to trust) and the
// notes (why a value is null).
func explain(r *Result, opt Options) {
	w := func(f string, a ...any) { r.Warnings = append(r.Warnings, fmt.Sprintf(f, a...)) }
	if len(r.ByGroup) == 1 {
		w("only one group (%s): every difference is 0 and every ratio 1 by construction", r.ByGroup[0].Group)
	}
	for _, g := range r.ByGroup {
		n := int64(g.Metrics[Count])
		if g.Small {
			w("group %s has %d rows, fewer than the minimum group size %d: its rates are too uncertain to judge", g.Group, n, opt.MinGroupSize)
		}
		if g.Positives == 0 {
			w("group %s has no positive labels: its true positive and false negative rates are reported as 0 (fairlearn's convention), not measured", g.Group)
		}
		if g.Negatives == 0 {
			w("group %s has no negative labels: its false positive and true negative rates are reported as 0 (fairlearn's convention), not measured", g.Group)
		}
	}
	if r.Ungrouped > 0 {
		w("%d row(s) have a missing sensitive value: they count in overall but belong to no group (--missing %s)", r.Ungrouped, r.Missing)
	}
	if r.EmptyTotal > 0 {
		w("%d combination(s) of sensitive values have no rows: they are left out of every aggregate, as fairlearn does", r.EmptyTotal)
	}
	for _, name := range HeadlineNames {
		h := r.FairnessMetrics[name]
		for _, m := range Methods {
			if v := h.Value(m); !v.Defined() {
				r.Notes = append(r.Notes, fmt.Sprintf("%s (%s) is undefined (null): %s", name, m, whyUndefined(name, m, float64(v))))
			}
		}
	}
	if !r.FourFifths.Ratio.Defined() {
		r.Notes = append(r.Notes, "the four-fifths check fails because its ratio is undefined: no group has any selected row (0/0)")
	}
}

func whyUndefined(name, method string, v float64) string {
	if math.IsInf(v, 0) {
		return "a division by an overall value of 0"
	}
	rate := "selection rate"
	switch name {
	case EqualizedOddsRatio, EqualizedOddsRatioMean:
		rate = "true positive rate (or false positive rate)"
	case EqualOpportunityRatio:
		rate = "true positive rate"
	}
	if method == MethodToOverall {
		return "the overall " + rate + " and every group's are 0, and 0/0 has no value"
	}
	return "every group's " + rate + " is 0, and 0/0 has no value"
}
