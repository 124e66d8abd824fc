package probe

import (
	"math"
	"slices"
	"sort"
)

// RobustnessReport is the outcome of a robustness probe (the JSON of
// 'mlsec probe robustness --format json', docs/probe.md).
type RobustnessReport struct {
	Run
	Sample *Sample `json:"sample"`

	// Norm is the distance ε and the headline perturbation are measured
	// in, on range-scaled inputs ("range units").
	Norm    string  `json:"norm"`
	Epsilon float64 `json:"epsilon"`
	// Budget is the query budget per input and attack.
	Budget int    `json:"budget_per_input"`
	Seed   uint64 `json:"seed"`

	// Inputs is how many inputs were probed; CleanAccuracy the share the
	// model answers correctly (only with a label column).
	Inputs        int            `json:"inputs"`
	CleanAccuracy *float64       `json:"clean_accuracy,omitempty"`
	Attacks       []AttackReport `json:"attacks"`

	// Thresholds are the verdict's limits (0 = not checked).
	MinRobustAccuracy       float64 `json:"min_robust_accuracy,omitempty"`
	MinRelativePerturbation float64 `json:"min_relative_perturbation,omitempty"`
	Passed                  *bool   `json:"passed,omitempty"`
}

// AttackReport summarises one attack over every probed input.
type AttackReport struct {
	Name string `json:"name"`
	// Norm is the distance the attack minimises.
	Norm string `json:"norm"`
	// Skipped says why the attack did not run (e.g. no scores).
	Skipped string `json:"skipped,omitempty"`

	Attempted int `json:"attempted"`
	// Succeeded counts confirmed adversarial inputs: re-queried, and the
	// model's answer really changed. Unconfirmed counts those the attack
	// believed adversarial that the re-query (after making integer and
	// categorical features valid) did not confirm: they are not counted.
	Succeeded   int     `json:"succeeded"`
	Unconfirmed int     `json:"unconfirmed"`
	SuccessRate float64 `json:"success_rate"`

	// Perturbation distributions over the confirmed adversarial inputs:
	// L2 and L∞ in input units, in range units (each feature scaled to
	// its range), and relative to the input (‖δ‖/‖x‖ in the report's norm
	// on range-scaled inputs: ART's empirical robustness when inputs are
	// scaled to [0, 1]).
	L2        Summary `json:"l2"`
	LInf      Summary `json:"linf"`
	L2Range   Summary `json:"l2_range"`
	LInfRange Summary `json:"linf_range"`
	Relative  Summary `json:"relative"`
	// Histogram counts confirmed perturbations (range units, report norm)
	// per bin, for the HTML chart.
	Histogram Histogram `json:"histogram"`

	// RobustAccuracy is the share of inputs answered correctly (or, with
	// no label column, answered at all) for which no confirmed
	// adversarial input lies within Epsilon; Curve gives it at more ε.
	RobustAccuracy float64           `json:"robust_accuracy"`
	Curve          []EpsilonAccuracy `json:"robust_accuracy_curve"`

	Queries         int64   `json:"queries"`
	QueriesPerInput Summary `json:"queries_per_input"`
	// Exhausted counts inputs where the budget ended the search.
	Exhausted int `json:"budget_exhausted"`

	PerClass []ClassReport `json:"per_class"`
	Examples []Example     `json:"examples"`
	Passed   *bool         `json:"passed,omitempty"`
}

// EpsilonAccuracy is robust accuracy at one ε.
type EpsilonAccuracy struct {
	Epsilon        float64 `json:"epsilon"`
	RobustAccuracy float64 `json:"robust_accuracy"`
}

// ClassReport is an attack's outcome on the inputs of one served answer.
type ClassReport struct {
	Label          string  `json:"label"`
	Attempted      int     `json:"attempted"`
	Succeeded      int     `json:"succeeded"`
	SuccessRate    float64 `json:"success_rate"`
	RobustAccuracy float64 `json:"robust_accuracy"`
	// Median perturbation in range units (report norm), null when no
	// input of the class was fooled.
	Median *float64 `json:"median_perturbation"`
}

// Example is one probed input and what the attack found; the vectors are
// in input units, so anyone can re-send them to the model.
type Example struct {
	// Row is the input's 0-based data-row number in the sample table.
	Row int `json:"row"`
	// Status: adversarial (confirmed), not_found, or unconfirmed.
	Status      string    `json:"status"`
	Original    []float64 `json:"original"`
	Adversarial []float64 `json:"adversarial,omitempty"`
	TrueLabel   string    `json:"true_label,omitempty"`
	LabelBefore string    `json:"label_before"`
	LabelAfter  string    `json:"label_after,omitempty"`
	// Distances, set for adversarial inputs.
	L2        *float64 `json:"l2,omitempty"`
	LInf      *float64 `json:"linf,omitempty"`
	L2Range   *float64 `json:"l2_range,omitempty"`
	LInfRange *float64 `json:"linf_range,omitempty"`
	Relative  *float64 `json:"relative,omitempty"`
	// Changed names the features changed, when three or fewer.
	Changed []string `json:"changed,omitempty"`
	// Queries this attack spent on the input, the confirming re-query
	// included; Exhausted says the budget ended the search.
	Queries   int  `json:"queries"`
	Exhausted bool `json:"budget_exhausted,omitempty"`
}

// Example statuses.
const (
	StatusAdversarial = "adversarial"
	StatusNotFound    = "not_found"
	StatusUnconfirmed = "unconfirmed"
)

// Summary describes a distribution: count, mean, and quantiles with
// numpy's default (linear) interpolation. Empty distributions have N 0 and
// null values.
type Summary struct {
	N      int      `json:"n"`
	Min    *float64 `json:"min"`
	P10    *float64 `json:"p10"`
	P25    *float64 `json:"p25"`
	Median *float64 `json:"median"`
	P75    *float64 `json:"p75"`
	P90    *float64 `json:"p90"`
	Max    *float64 `json:"max"`
	Mean   *float64 `json:"mean"`
}

func summarize(v []float64) Summary {
	if len(v) == 0 {
		return Summary{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	q := func(p float64) *float64 { x := quantile(s, p); return &x }
	var sum float64
	for _, x := range s {
		sum += x
	}
	mean := sum / float64(len(s))
	return Summary{N: len(s), Min: &s[0], P10: q(0.1), P25: q(0.25), Median: q(0.5), P75: q(0.75), P90: q(0.9), Max: &s[len(s)-1], Mean: &mean}
}

// quantile of sorted s with linear interpolation (numpy's default).
func quantile(s []float64, p float64) float64 {
	h := p * float64(len(s)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-lo)*(s[i+1]-s[i])
}

// Histogram is counts per bin; bin i spans Edges[i]..Edges[i+1].
type Histogram struct {
	Edges  []float64 `json:"edges"`
	Counts []int     `json:"counts"`
}

// histogram bins v into at most 10 equal bins from 0 to the maximum.
func histogram(v []float64) Histogram {
	if len(v) == 0 {
		return Histogram{Edges: []float64{}, Counts: []int{}}
	}
	hi := slices.Max(v)
	if hi <= 0 {
		hi = 1
	}
	bins := min(10, max(len(v), 1))
	h := Histogram{Edges: make([]float64, bins+1), Counts: make([]int, bins)}
	for i := range h.Edges {
		h.Edges[i] = hi * float64(i) / float64(bins)
	}
	for _, x := range v {
		i := int(x / hi * float64(bins))
		h.Counts[min(max(i, 0), bins-1)]++
	}
	return h
}

// perClass groups an attack's examples by the model's answer.
func perClass(ex []Example, correct []bool, norm string, eps float64) []ClassReport {
	by := map[string]*ClassReport{}
	dists := map[string][]float64{}
	robust := map[string]int{}
	for i, e := range ex {
		c := by[e.LabelBefore]
		if c == nil {
			c = &ClassReport{Label: e.LabelBefore}
			by[e.LabelBefore] = c
		}
		c.Attempted++
		d := e.distance(norm)
		if e.Status == StatusAdversarial {
			c.Succeeded++
			dists[e.LabelBefore] = append(dists[e.LabelBefore], d)
		}
		if correct[i] && !(e.Status == StatusAdversarial && d <= eps) {
			robust[e.LabelBefore]++
		}
	}
	out := make([]ClassReport, 0, len(by))
	for l, c := range by {
		c.SuccessRate = float64(c.Succeeded) / float64(c.Attempted)
		c.RobustAccuracy = float64(robust[l]) / float64(c.Attempted)
		c.Median = summarize(dists[l]).Median
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// distance is the example's range-unit distance in norm (+Inf when none).
func (e *Example) distance(norm string) float64 {
	p := e.L2Range
	if norm == "linf" {
		p = e.LInfRange
	}
	if p == nil {
		return math.Inf(1)
	}
	return *p
}
