package modelclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Prediction is the served model's answer for one input row.
type Prediction struct {
	// Label is the answer as text: the class label ("1", "setosa"), or a
	// regressor's value in Go's shortest float form. When the server sent
	// scores only, it is the index of the highest score.
	Label string `json:"label"`
	// Value is the answer as a number (a numeric label, a regression value
	// or the index of the highest score), NaN when the label is text.
	Value float64 `json:"-"`
	// Scores are per-class scores (probabilities or logits) in the server's
	// class order when it returned them, else nil.
	Scores []float64 `json:"scores,omitempty"`
}

// Codec turns rows into one request of a protocol and reads its answer.
type Codec interface {
	// Path is the request path appended to the endpoint URL.
	Path() string
	// Encode returns the request body for rows.
	Encode(rows [][]float64) ([]byte, error)
	// Decode reads the answer to a request of n rows: exactly n
	// predictions, or an error wrapping ErrMalformed or ErrShape.
	Decode(body []byte, n int) ([]Prediction, error)
}

// appendNumber writes f as a JSON number in the shortest form that reads
// back as the same float64, so a Python server sees exactly our values.
func appendNumber(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("input value %v cannot be sent as JSON", f)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64), nil
}

// appendRows writes rows as a JSON array of arrays.
func appendRows(b []byte, rows [][]float64) ([]byte, error) {
	var err error
	b = append(b, '[')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range r {
			if j > 0 {
				b = append(b, ',')
			}
			if b, err = appendNumber(b, v); err != nil {
				return nil, fmt.Errorf("row %d column %d: %w", i, j, err)
			}
		}
		b = append(b, ']')
	}
	return append(b, ']'), nil
}

// appendStrings writes names as a JSON array of strings.
func appendStrings(b []byte, names []string) []byte {
	out, _ := json.Marshal(names)
	return append(b, out...)
}

// decodeJSON reads body with numbers kept as json.Number.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, malformed("not JSON: %v", err)
	}
	if dec.More() {
		return nil, malformed("trailing data after the JSON answer")
	}
	return v, nil
}

// labelNames and scoreNames are the fields read from an object element
// when Config.LabelOutput / ScoresOutput are not set.
var (
	labelNames = []string{"label", "labels", "class", "classes", "prediction", "predictions", "predicted_label", "output", "value"}
	scoreNames = []string{"probabilities", "probability", "probs", "proba", "predict_proba", "scores", "score", "logits"}
)

// listDecoder reads list-shaped answers (MLflow, TF Serving, templates).
type listDecoder struct{ labelKey, scoresKey string }

// decodeList reads n elements of a list answer into predictions.
func (d listDecoder) decodeList(v any, n int, what string) ([]Prediction, error) {
	if cols, ok := v.(map[string]any); ok {
		rows, err := d.columnsToRows(cols, n, what)
		if err != nil {
			return nil, err
		}
		v = rows
	}
	list, ok := v.([]any)
	if !ok {
		return nil, shapeErr("%s is %s, want a list of %d answers", what, kindOf(v), n)
	}
	if len(list) != n {
		return nil, shapeErr("%s holds %d answers for %d inputs", what, len(list), n)
	}
	out := make([]Prediction, n)
	for i, e := range list {
		p, err := d.element(e)
		if err != nil {
			return nil, shapeErr("%s[%d]: %v", what, i, err)
		}
		out[i] = p
	}
	if err := sameWidth(out); err != nil {
		return nil, shapeErr("%s: %v", what, err)
	}
	return out, nil
}

// columnsToRows turns a columnar answer {name: [n values]} into n objects.
func (d listDecoder) columnsToRows(cols map[string]any, n int, what string) ([]any, error) {
	rows := make([]any, n)
	for i := range rows {
		rows[i] = map[string]any{}
	}
	for k, c := range cols {
		l, ok := c.([]any)
		if !ok || len(l) != n {
			return nil, shapeErr("%s[%q] is not a list of %d answers", what, k, n)
		}
		for i, x := range l {
			rows[i].(map[string]any)[k] = x
		}
	}
	return rows, nil
}

// element reads one answer: a scalar label, a score vector, a one-element
// list or an object.
func (d listDecoder) element(e any) (Prediction, error) {
	switch x := e.(type) {
	case []any:
		if len(x) == 1 {
			return scalar(x[0])
		}
		s, err := numbers(x)
		if err != nil {
			return Prediction{}, err
		}
		return fromScores(s)
	case map[string]any:
		return d.object(x)
	default:
		return scalar(e)
	}
}

func (d listDecoder) object(m map[string]any) (Prediction, error) {
	lk := pickKey(m, d.labelKey, labelNames)
	sk := pickKey(m, d.scoresKey, scoreNames)
	if lk == "" && sk == "" {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return Prediction{}, fmt.Errorf("an object with fields %v and no label or scores field (name them with the label/scores output settings)", keys)
	}
	var p Prediction
	if sk != "" {
		l, ok := m[sk].([]any)
		if !ok {
			return p, fmt.Errorf("field %q is %s, want a list of scores", sk, kindOf(m[sk]))
		}
		s, err := numbers(l)
		if err != nil {
			return p, fmt.Errorf("field %q: %w", sk, err)
		}
		if p, err = fromScores(s); err != nil {
			return p, err
		}
	}
	if lk != "" {
		lv := m[lk]
		if l, ok := lv.([]any); ok && len(l) == 1 {
			lv = l[0]
		}
		q, err := scalar(lv)
		if err != nil {
			return p, fmt.Errorf("field %q: %w", lk, err)
		}
		p.Label, p.Value = q.Label, q.Value
	}
	return p, nil
}

// pickKey returns the configured key if set (even if absent: then "" is an
// error for the caller only if nothing else matches), else the first common
// name present.
func pickKey(m map[string]any, configured string, common []string) string {
	if configured != "" {
		if _, ok := m[configured]; ok {
			return configured
		}
		return ""
	}
	for _, k := range common {
		if _, ok := m[k]; ok {
			return k
		}
	}
	return ""
}

// scalar reads a label or value.
func scalar(e any) (Prediction, error) {
	switch x := e.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return Prediction{}, fmt.Errorf("number %s: %w", x, err)
		}
		return Prediction{Label: strconv.FormatFloat(f, 'g', -1, 64), Value: f}, nil
	case string:
		v := math.NaN()
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			v = f
		}
		return Prediction{Label: x, Value: v}, nil
	case bool:
		v := 0.0
		if x {
			v = 1
		}
		return Prediction{Label: strconv.FormatBool(x), Value: v}, nil
	default:
		return Prediction{}, fmt.Errorf("%s where a label or value was expected", kindOf(e))
	}
}

// numbers reads a list of JSON numbers.
func numbers(l []any) ([]float64, error) {
	out := make([]float64, len(l))
	for i, x := range l {
		n, ok := x.(json.Number)
		if !ok {
			return nil, fmt.Errorf("score %d is %s, want a number", i, kindOf(x))
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return nil, fmt.Errorf("score %d: %w", i, err)
		}
		out[i] = f
	}
	return out, nil
}

// fromScores makes a prediction from a score vector: the label is the
// index of the highest score.
func fromScores(s []float64) (Prediction, error) {
	if len(s) < 2 {
		return Prediction{}, fmt.Errorf("a score vector of %d values (want 2 or more)", len(s))
	}
	for i, v := range s {
		if math.IsNaN(v) {
			return Prediction{}, fmt.Errorf("score %d is NaN", i)
		}
	}
	p := Prediction{Scores: s}
	best := p.Top()
	p.Label, p.Value = strconv.Itoa(best), float64(best)
	return p, nil
}

// Top is the index of the highest score (the first on a tie, as numpy's
// argmax), or -1 without scores.
func (p Prediction) Top() int {
	if len(p.Scores) == 0 {
		return -1
	}
	best := 0
	for i, v := range p.Scores {
		if v > p.Scores[best] {
			best = i
		}
	}
	return best
}

// sameWidth checks that every prediction carrying scores has as many.
func sameWidth(ps []Prediction) error {
	w := -1
	for i, p := range ps {
		if p.Scores == nil {
			continue
		}
		if w >= 0 && len(p.Scores) != w {
			return fmt.Errorf("answer %d has %d scores, earlier ones %d", i, len(p.Scores), w)
		}
		w = len(p.Scores)
	}
	return nil
}

// kindOf names a decoded JSON value's type for messages.
func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return fmt.Sprintf("a list of %d", len(x))
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// field returns m[k] for a JSON object, or nil.
func field(v any, k string) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	x, ok := m[k]
	return x, ok
}

// SameAnswer reports whether two predictions give the same answer: equal
// labels, or numerically equal values ("1" and "1.0").
func SameAnswer(a, b Prediction) bool {
	if a.Label == b.Label {
		return true
	}
	return !math.IsNaN(a.Value) && a.Value == b.Value
}
