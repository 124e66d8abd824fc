package modelclient

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// kserve speaks the KServe v2 / Open Inference Protocol REST API.
type kserve struct {
	path                string
	input, datatype     string
	labelOut, scoresOut string
}

func newKServe(c *Config) (*kserve, error) {
	if c.Model == "" {
		return nil, fmt.Errorf("kserve-v2 needs the model name (the {name} in /v2/models/{name}/infer)")
	}
	k := &kserve{input: c.InputName, datatype: strings.ToUpper(c.Datatype), labelOut: c.LabelOutput, scoresOut: c.ScoresOutput}
	if k.input == "" {
		k.input = "input-0"
	}
	switch k.datatype {
	case "":
		k.datatype = "FP64"
	case "FP64", "FP32":
	default:
		return nil, fmt.Errorf("kserve-v2 input datatype %q: want FP64 or FP32", c.Datatype)
	}
	k.path = modelPath("/v2/models/", c, "/infer")
	return k, nil
}

// modelPath is prefix + model [+ /versions/v] + suffix, escaped.
func modelPath(prefix string, c *Config, suffix string) string {
	p := prefix + url.PathEscape(c.Model)
	if c.Version != "" {
		p += "/versions/" + url.PathEscape(c.Version)
	}
	return p + suffix
}

func (k *kserve) Path() string { return k.path }

func (k *kserve) Encode(rows [][]float64) ([]byte, error) {
	d := 0
	if len(rows) > 0 {
		d = len(rows[0])
	}
	b := make([]byte, 0, 64+len(rows)*d*20)
	b = append(b, `{"inputs":[{"name":`...)
	b = strconv.AppendQuote(b, k.input)
	b = fmt.Appendf(b, `,"shape":[%d,%d],"datatype":"%s","data":[`, len(rows), d, k.datatype)
	for i, r := range rows {
		if len(r) != d {
			return nil, fmt.Errorf("row %d has %d values, row 0 has %d", i, len(r), d)
		}
		for j, v := range r {
			if i+j > 0 {
				b = append(b, ',')
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("row %d column %d: value %v cannot be sent as JSON", i, j, v)
			}
			if k.datatype == "FP32" {
				b = strconv.AppendFloat(b, float64(float32(v)), 'g', -1, 32)
			} else {
				b = strconv.AppendFloat(b, v, 'g', -1, 64)
			}
		}
	}
	b = append(b, "]}]"...)
	var outs []string
	for _, o := range []string{k.labelOut, k.scoresOut} {
		if o != "" {
			outs = append(outs, o)
		}
	}
	if len(outs) > 0 {
		b = append(b, `,"outputs":[`...)
		for i, o := range outs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = strconv.AppendQuote(b, o)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// tensor is one output tensor of an inference response.
type tensor struct {
	Name     string          `json:"name"`
	Shape    []int64         `json:"shape"`
	Datatype string          `json:"datatype"`
	Data     json.RawMessage `json:"data"`
}

func (k *kserve) Decode(body []byte, n int) ([]Prediction, error) {
	var resp struct {
		Outputs []tensor `json:"outputs"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, malformed("not a KServe v2 inference response: %v", err)
	}
	if len(resp.Outputs) == 0 {
		return nil, shapeErr("the response has no outputs")
	}
	labels, scores, err := k.pick(resp.Outputs)
	if err != nil {
		return nil, err
	}
	out := make([]Prediction, n)
	if scores != nil {
		vals, w, err := readTensor(scores, n)
		if err != nil {
			return nil, err
		}
		for i := range out {
			s := make([]float64, w)
			for j := range s {
				x, ok := vals[i*w+j].(json.Number)
				if !ok {
					return nil, shapeErr("output %q holds %s, want numbers", scores.Name, kindOf(vals[i*w+j]))
				}
				s[j], _ = strconv.ParseFloat(string(x), 64)
			}
			if out[i], err = fromScores(s); err != nil {
				return nil, shapeErr("output %q row %d: %v", scores.Name, i, err)
			}
		}
	}
	if labels != nil {
		vals, _, err := readTensor(labels, n)
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			p, err := scalar(v)
			if err != nil {
				return nil, shapeErr("output %q row %d: %v", labels.Name, i, err)
			}
			out[i].Label, out[i].Value = p.Label, p.Value
		}
	}
	return out, nil
}

// pick chooses the label and scores tensors: by name when configured, else
// the first tensor of one value per row and the first of k ≥ 2 per row.
func (k *kserve) pick(ts []tensor) (labels, scores *tensor, err error) {
	byName := func(name string) (*tensor, error) {
		for i := range ts {
			if ts[i].Name == name {
				return &ts[i], nil
			}
		}
		names := make([]string, len(ts))
		for i, t := range ts {
			names[i] = t.Name
		}
		return nil, shapeErr("no output named %q (the server returned %v)", name, names)
	}
	if k.labelOut != "" {
		if labels, err = byName(k.labelOut); err != nil {
			return nil, nil, err
		}
	}
	if k.scoresOut != "" {
		if scores, err = byName(k.scoresOut); err != nil {
			return nil, nil, err
		}
	}
	if k.labelOut == "" && k.scoresOut == "" {
		for i := range ts {
			t := &ts[i]
			switch {
			case labels == nil && (len(t.Shape) == 1 || (len(t.Shape) == 2 && t.Shape[1] == 1)):
				labels = t
			case scores == nil && len(t.Shape) == 2 && t.Shape[1] >= 2:
				scores = t
			}
		}
	}
	if labels == nil && scores == nil {
		return nil, nil, shapeErr("no output has one value or one score vector per input (shapes %v)", shapes(ts))
	}
	return labels, scores, nil
}

func shapes(ts []tensor) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = fmt.Sprintf("%s%v", t.Name, t.Shape)
	}
	return out
}

// readTensor checks a tensor against n inputs and its own shape and
// datatype, and returns its elements flattened row-major and the width of
// a row.
func readTensor(t *tensor, n int) ([]any, int, error) {
	if len(t.Shape) == 0 || len(t.Shape) > 2 {
		return nil, 0, shapeErr("output %q has shape %v, want [%d] or [%d, k]", t.Name, t.Shape, n, n)
	}
	if t.Shape[0] != int64(n) {
		return nil, 0, shapeErr("output %q has shape %v for %d inputs", t.Name, t.Shape, n)
	}
	w := int64(1)
	if len(t.Shape) == 2 {
		w = t.Shape[1]
	}
	if w < 1 || w > 1<<20 {
		return nil, 0, shapeErr("output %q has shape %v", t.Name, t.Shape)
	}
	v, err := decodeJSON(t.Data)
	if err != nil {
		return nil, 0, shapeErr("output %q data: %v", t.Name, err)
	}
	var flat []any
	if err := flatten(v, &flat, 0); err != nil {
		return nil, 0, shapeErr("output %q data: %v", t.Name, err)
	}
	if int64(len(flat)) != int64(n)*w {
		return nil, 0, shapeErr("output %q has shape %v but holds %d values", t.Name, t.Shape, len(flat))
	}
	for i, x := range flat {
		if err := checkDatatype(t.Datatype, x); err != nil {
			return nil, 0, shapeErr("output %q value %d: %v", t.Name, i, err)
		}
	}
	return flat, int(w), nil
}

// flatten appends the scalars of nested lists in row-major order.
func flatten(v any, out *[]any, depth int) error {
	l, ok := v.([]any)
	if !ok {
		if depth == 0 {
			return fmt.Errorf("%s, want a list", kindOf(v))
		}
		*out = append(*out, v)
		return nil
	}
	if depth > 8 {
		return fmt.Errorf("nested deeper than 8 levels")
	}
	for _, x := range l {
		if err := flatten(x, out, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// checkDatatype reports whether x is a valid value of a v2 datatype.
func checkDatatype(dt string, x any) error {
	switch {
	case dt == "BOOL":
		if _, ok := x.(bool); !ok {
			return fmt.Errorf("datatype BOOL but %s", kindOf(x))
		}
	case dt == "BYTES":
		if _, ok := x.(string); !ok {
			return fmt.Errorf("datatype BYTES but %s", kindOf(x))
		}
	case strings.HasPrefix(dt, "INT") || strings.HasPrefix(dt, "UINT"):
		num, ok := x.(json.Number)
		if !ok {
			return fmt.Errorf("datatype %s but %s", dt, kindOf(x))
		}
		var err error
		if dt[0] == 'U' {
			_, err = strconv.ParseUint(string(num), 10, 64)
		} else {
			_, err = strconv.ParseInt(string(num), 10, 64)
		}
		if err != nil {
			return fmt.Errorf("datatype %s but value %s is not an integer", dt, num)
		}
	case dt == "FP16" || dt == "FP32" || dt == "FP64":
		if _, ok := x.(json.Number); !ok {
			return fmt.Errorf("datatype %s but %s", dt, kindOf(x))
		}
	default:
		return fmt.Errorf("unknown datatype %q", dt)
	}
	return nil
}
