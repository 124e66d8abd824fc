package fairness

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// Number is a metric value. NaN means undefined (fairlearn's NaN: a ratio of
// 0/0, an aggregate over no group) and is written as JSON null; infinities
// (a ratio by a zero mean score) are written as null too, since JSON has no
// such number. Reading null gives NaN.
type Number float64

// NaN is the undefined Number.
var NaN = Number(math.NaN())

// Defined reports whether n is a finite number.
func (n Number) Defined() bool { return !math.IsNaN(float64(n)) && !math.IsInf(float64(n), 0) }

// MarshalJSON writes n as a JSON number, or null when it is not finite.
func (n Number) MarshalJSON() ([]byte, error) {
	if !n.Defined() {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(n), 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (n *Number) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*n = NaN
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Number(f)
	return nil
}

// Values holds one value per per-group metric, keyed by fairlearn's name
// (selection_rate, true_positive_rate, ..., count, mean_score).
type Values map[string]Number

// Interval is a bootstrap confidence interval. Defined counts the
// resamples in which the metric was defined (the quantiles are taken over
// those; see package doc).
type Interval struct {
	Low     Number `json:"low"`
	High    Number `json:"high"`
	Defined int    `json:"defined"`
}
