package modelclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Template describes a JSON API the other protocols do not cover (a file
// such as docs/probe.md shows):
//
//	{"path": "/predict",
//	 "request": {"data": "$rows", "columns": "$columns"},
//	 "labels": "result.labels",
//	 "scores": "result.probabilities"}
//
// In Request, a string value that is exactly one of these placeholders is
// replaced: "$rows" by the rows as a list of lists of numbers, "$records"
// by one object per row keyed by column name, "$columns" by the column
// names, "$n" by the number of rows. Labels and Scores are dot paths into
// the answer (object keys, or list indexes such as "outputs.0.data") to a
// list with one element per row; at least one is needed. Keys that
// contain a dot cannot be addressed.
type Template struct {
	Path    string          `json:"path"`
	Request json.RawMessage `json:"request"`
	Labels  string          `json:"labels,omitempty"`
	Scores  string          `json:"scores,omitempty"`
}

// ReadTemplate reads a template from a JSON file and checks it.
func ReadTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t Template
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%s: %w (want {\"path\", \"request\", \"labels\", \"scores\"})", path, err)
	}
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &t, nil
}

func (t *Template) check() error {
	if !strings.HasPrefix(t.Path, "/") {
		return fmt.Errorf("template path %q must start with /", t.Path)
	}
	if t.Labels == "" && t.Scores == "" {
		return fmt.Errorf("template needs a labels or scores path")
	}
	v, err := decodeJSON(t.Request)
	if err != nil {
		return fmt.Errorf("template request: %w", err)
	}
	found := false
	walkPlaceholders(v, func(s string) { found = found || s == "$rows" || s == "$records" })
	if !found {
		return fmt.Errorf(`template request has no "$rows" or "$records" placeholder, so no input would be sent`)
	}
	return nil
}

func walkPlaceholders(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkPlaceholders(e, fn)
		}
	case map[string]any:
		for _, e := range x {
			walkPlaceholders(e, fn)
		}
	}
}

// templated is the codec of a Template.
type templated struct {
	t       *Template
	req     any
	columns []string
}

func newTemplated(c *Config) (*templated, error) {
	if c.Template == nil {
		return nil, fmt.Errorf("the json protocol needs a template")
	}
	if err := c.Template.check(); err != nil {
		return nil, err
	}
	req, _ := decodeJSON(c.Template.Request)
	return &templated{t: c.Template, req: req, columns: c.Columns}, nil
}

func (t *templated) Path() string { return t.t.Path }

// rawRows marshals as the rows with exact shortest floats.
type rawRows [][]float64

func (r rawRows) MarshalJSON() ([]byte, error) { return appendRows(nil, r) }

func (t *templated) Encode(rows [][]float64) ([]byte, error) {
	for i, r := range rows {
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("row %d column %d: value %v cannot be sent as JSON", i, j, v)
			}
		}
	}
	var err error
	body := substitute(t.req, func(s string) (any, bool) {
		switch s {
		case "$rows":
			return rawRows(rows), true
		case "$columns":
			return t.columns, true
		case "$n":
			return len(rows), true
		case "$records":
			if len(t.columns) == 0 {
				err = fmt.Errorf(`"$records" needs column names`)
				return nil, true
			}
			recs := make([]map[string]float64, len(rows))
			for i, r := range rows {
				if len(r) != len(t.columns) {
					err = fmt.Errorf("row %d has %d values for %d columns", i, len(r), len(t.columns))
					return nil, true
				}
				recs[i] = make(map[string]float64, len(r))
				for j, v := range r {
					recs[i][t.columns[j]] = v
				}
			}
			return recs, true
		}
		return nil, false
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(body)
}

// substitute copies v, replacing placeholder strings.
func substitute(v any, repl func(string) (any, bool)) any {
	switch x := v.(type) {
	case string:
		if r, ok := repl(x); ok {
			return r
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, repl)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, repl)
		}
		return out
	default:
		return v
	}
}

func (t *templated) Decode(body []byte, n int) ([]Prediction, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	var out []Prediction
	if t.t.Scores != "" {
		s, err := lookup(v, t.t.Scores)
		if err != nil {
			return nil, err
		}
		if out, err = (listDecoder{}).decodeList(s, n, t.t.Scores); err != nil {
			return nil, err
		}
		for i, p := range out {
			if p.Scores == nil {
				return nil, shapeErr("%s[%d] is not a score vector", t.t.Scores, i)
			}
		}
	}
	if t.t.Labels != "" {
		l, err := lookup(v, t.t.Labels)
		if err != nil {
			return nil, err
		}
		labels, err := (listDecoder{}).decodeList(l, n, t.t.Labels)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return labels, nil
		}
		for i := range out {
			out[i].Label, out[i].Value = labels[i].Label, labels[i].Value
		}
	}
	return out, nil
}

// lookup follows a dot path through objects and lists.
func lookup(v any, path string) (any, error) {
	cur := v
	for _, part := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			next, ok := x[part]
			if !ok {
				return nil, shapeErr("the answer has no %q (at %q in %q)", part, part, path)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, shapeErr("%q in %q: not an index of a list of %d", part, path, len(x))
			}
			cur = x[i]
		default:
			return nil, shapeErr("%q in %q: %s has no fields", part, path, kindOf(cur))
		}
	}
	return cur, nil
}
