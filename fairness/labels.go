package fairness

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// LabelValue is one value of a label column as read: its text, and its
// number when it is one (so 1 and 1.0 are the same label, as in pandas).
type LabelValue struct {
	Raw   string
	Num   float64
	IsNum bool
}

func (v LabelValue) same(o LabelValue) bool {
	if v.IsNum || o.IsNum {
		return v.IsNum && o.IsNum && v.Num == o.Num
	}
	return v.Raw == o.Raw
}

// ErrLabels is wrapped by every error about label values.
var ErrLabels = errors.New("labels are not binary")

// Labels maps the values of the y_true and y_pred columns (together, as
// fairlearn does) to the positive label and one other. Feed every value to
// Index while reading, then call Positive.
type Labels struct {
	// PosLabel is --pos-label; "" infers it as fairlearn does (1 when the
	// labels are within {0, 1} or {-1, 1}; true for booleans).
	PosLabel string
	seen     []LabelValue
}

// Seen returns the distinct labels in order of first appearance.
func (l *Labels) Seen() []LabelValue { return l.seen }

// Index returns the label's index among the distinct labels (0 or 1), or
// an error when it would be a third one.
func (l *Labels) Index(v LabelValue) (uint8, error) {
	for i, s := range l.seen {
		if s.same(v) {
			return uint8(i), nil
		}
	}
	if len(l.seen) == 2 {
		return 0, fmt.Errorf("%w: %q is a third value after %q and %q; the label and prediction columns must hold only the positive label and one other (fairlearn's binary metrics)",
			ErrLabels, v.Raw, l.seen[0].Raw, l.seen[1].Raw)
	}
	l.seen = append(l.seen, v)
	return uint8(len(l.seen) - 1), nil
}

// Positive returns the index of the positive label among the distinct
// labels, or -1 when it never occurs (every row is then negative).
func (l *Labels) Positive() (int, error) {
	if l.PosLabel != "" {
		pv := LabelValue{Raw: l.PosLabel}
		if f, err := strconv.ParseFloat(strings.TrimSpace(l.PosLabel), 64); err == nil {
			pv.Num, pv.IsNum = f, true
		}
		for i, s := range l.seen {
			if s.same(pv) || s.Raw == l.PosLabel {
				return i, nil
			}
		}
		if len(l.seen) == 2 {
			return 0, fmt.Errorf("%w: positive label %q is neither %q nor %q; pass one of them with --pos-label", ErrLabels, l.PosLabel, l.seen[0].Raw, l.seen[1].Raw)
		}
		return -1, nil
	}
	allNum, in01, in11, allBool := true, true, true, true
	for _, s := range l.seen {
		allNum = allNum && s.IsNum
		in01 = in01 && s.IsNum && (s.Num == 0 || s.Num == 1)
		in11 = in11 && s.IsNum && (s.Num == -1 || s.Num == 1)
		b := strings.ToLower(s.Raw)
		allBool = allBool && !s.IsNum && (b == "true" || b == "false")
	}
	switch {
	case allNum && (in01 || in11):
		for i, s := range l.seen {
			if s.Num == 1 {
				return i, nil
			}
		}
		return -1, nil
	case allBool:
		for i, s := range l.seen {
			if strings.EqualFold(s.Raw, "true") {
				return i, nil
			}
		}
		return -1, nil
	}
	vals := make([]string, len(l.seen))
	for i, s := range l.seen {
		vals[i] = strconv.Quote(s.Raw)
	}
	return 0, fmt.Errorf("%w: the labels are %s; say which one is positive with --pos-label (it is inferred only for 0/1, -1/1 and true/false)", ErrLabels, strings.Join(vals, " and "))
}
