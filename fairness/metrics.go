package fairness

import "math"

// The per-group metrics, in report order, by fairlearn's names.
const (
	SelectionRate     = "selection_rate"
	TruePositiveRate  = "true_positive_rate"
	FalsePositiveRate = "false_positive_rate"
	FalseNegativeRate = "false_negative_rate"
	TrueNegativeRate  = "true_negative_rate"
	Accuracy          = "accuracy"
	Precision         = "precision"
	Count             = "count"
	MeanScore         = "mean_score"
)

// metricNames lists the per-group metrics in report order; mean_score is
// last and present only with a score column.
var metricNames = [...]string{SelectionRate, TruePositiveRate, FalsePositiveRate, FalseNegativeRate,
	TrueNegativeRate, Accuracy, Precision, Count, MeanScore}

const (
	mSR = iota
	mTPR
	mFPR
	mFNR
	mTNR
	mAcc
	mPrec
	mCount
	mScore
	numMetrics
)

// MetricNames returns the per-group metric names in report order, with
// mean_score only when withScore.
func MetricNames(withScore bool) []string {
	if withScore {
		return append([]string(nil), metricNames[:]...)
	}
	return append([]string(nil), metricNames[:mScore]...)
}

// counts is a confusion matrix (and score sum) of a set of rows: every
// metric of a group is a function of it.
type counts struct {
	tp, fp, tn, fn int64
	score          float64
}

func (c counts) n() int64 { return c.tp + c.fp + c.tn + c.fn }

// rate is num/den, or 0 when den is 0: fairlearn's rates come from sklearn's
// confusion_matrix(normalize="true") followed by np.nan_to_num, so a group
// without positives has a true positive rate of 0.0, not NaN.
func rate(num, den int64) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// metrics computes every per-group metric of c.
func (c counts) metrics() [numMetrics]float64 {
	n := c.n()
	var v [numMetrics]float64
	v[mSR] = rate(c.tp+c.fp, n)
	v[mTPR] = rate(c.tp, c.tp+c.fn)
	v[mFPR] = rate(c.fp, c.fp+c.tn)
	v[mFNR] = rate(c.fn, c.tp+c.fn)
	v[mTNR] = rate(c.tn, c.fp+c.tn)
	v[mAcc] = rate(c.tp+c.tn, n)
	// sklearn precision_score(zero_division=0): 0.0 without predicted positives.
	v[mPrec] = rate(c.tp, c.tp+c.fp)
	v[mCount] = float64(n)
	v[mScore] = c.score / float64(n)
	return v
}

// The aggregates below follow fairlearn's MetricFrame exactly: pandas
// min/max skip NaN (empty intersectional cells), an all-NaN column gives NaN,
// and IEEE division gives what numpy gives (0/0 = NaN, x/0 = ±Inf).

// groupMin and groupMax are the smallest and largest defined value.
func groupMin(vals []float64) float64 {
	out := math.NaN()
	for _, v := range vals {
		if !math.IsNaN(v) && (math.IsNaN(out) || v < out) {
			out = v
		}
	}
	return out
}

func groupMax(vals []float64) float64 {
	out := math.NaN()
	for _, v := range vals {
		if !math.IsNaN(v) && (math.IsNaN(out) || v > out) {
			out = v
		}
	}
	return out
}

// diffBetween is max_a |m_a - group_min| (fairlearn's
// difference(method="between_groups")).
func diffBetween(vals []float64) float64 {
	lo := groupMin(vals)
	out := math.NaN()
	for _, v := range vals {
		d := math.Abs(v - lo)
		if !math.IsNaN(d) && (math.IsNaN(out) || d > out) {
			out = d
		}
	}
	return out
}

// diffToOverall is max_a |m_a - overall|.
func diffToOverall(vals []float64, overall float64) float64 {
	out := math.NaN()
	for _, v := range vals {
		d := math.Abs(v - overall)
		if !math.IsNaN(d) && (math.IsNaN(out) || d > out) {
			out = d
		}
	}
	return out
}

// ratioBetween is group_min / group_max.
func ratioBetween(vals []float64) float64 { return groupMin(vals) / groupMax(vals) }

// ratioToOverall is min_a r_a with r_a = m_a/overall, replaced by 1/r_a
// when above 1 (fairlearn's ratio_sub_one; NaN stays NaN, +Inf becomes 0).
func ratioToOverall(vals []float64, overall float64) float64 {
	out := math.NaN()
	for _, v := range vals {
		r := v / overall
		if r > 1 {
			r = 1 / r
		}
		if !math.IsNaN(r) && (math.IsNaN(out) || r < out) {
			out = r
		}
	}
	return out
}

// pyMax and pyMin are Python's built-in max and min of two floats, which
// fairlearn's worst-case equalized odds use on the (TPR, FPR) pair: the
// first argument wins unless the second compares greater (smaller), so a
// NaN first argument is returned and a NaN second one is ignored.
func pyMax(a, b float64) float64 {
	if b > a {
		return b
	}
	return a
}

func pyMin(a, b float64) float64 {
	if b < a {
		return b
	}
	return a
}

// nanMean is pandas' Series.mean of two values: NaN skipped.
func nanMean(a, b float64) float64 {
	switch {
	case math.IsNaN(a) && math.IsNaN(b):
		return math.NaN()
	case math.IsNaN(a):
		return b
	case math.IsNaN(b):
		return a
	}
	return (a + b) / 2
}
