package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Tabular reading of inference payloads for live drift. A payload gives
// rows either positionally (a KServe tensor, MLflow "instances") or by
// column name (MLflow "dataframe_split"/"dataframe_records", a JSON object
// per row); answers give one prediction per row.

// row is one input row: by position (pos) or by name (named).
type row struct {
	pos   []any
	named map[string]any
}

var errNoRows = errors.New("no tabular rows in the payload")

// maxRows bounds the rows read from one payload (a batch larger than this
// is profiled on its first maxRows rows).
const maxRows = 10000

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// inputRows reads the rows of a request body.
func inputRows(protocol string, body []byte) ([]row, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	if protocol == ProtocolKServe {
		return kserveRows(v)
	}
	return tabularRows(v)
}

// kserveRows reads Open Inference Protocol inputs: one tensor of shape
// [n, d] gives n positional rows; several tensors of shape [n] or [n, 1]
// give n rows with one column per tensor name.
func kserveRows(v any) ([]row, error) {
	m, _ := v.(map[string]any)
	ins, _ := m["inputs"].([]any)
	if len(ins) == 0 {
		return nil, errNoRows
	}
	type tensor struct {
		name  string
		shape []int
		data  []any
	}
	var ts []tensor
	for _, in := range ins {
		im, _ := in.(map[string]any)
		t := tensor{}
		t.name, _ = im["name"].(string)
		for _, s := range asSlice(im["shape"]) {
			n, _ := s.(json.Number).Int64()
			t.shape = append(t.shape, int(n))
		}
		t.data = flatten(asSlice(im["data"]), nil)
		ts = append(ts, t)
	}
	if len(ts) == 1 && len(ts[0].shape) == 2 {
		n, d := ts[0].shape[0], ts[0].shape[1]
		if n*d != len(ts[0].data) || d == 0 {
			return nil, fmt.Errorf("tensor %s: shape %v does not match %d values", ts[0].name, ts[0].shape, len(ts[0].data))
		}
		rows := make([]row, 0, min(n, maxRows))
		for i := 0; i < n && i < maxRows; i++ {
			rows = append(rows, row{pos: ts[0].data[i*d : (i+1)*d]})
		}
		return rows, nil
	}
	n := len(ts[0].data)
	rows := make([]row, 0, min(n, maxRows))
	for i := 0; i < n && i < maxRows; i++ {
		r := row{named: map[string]any{}}
		for _, t := range ts {
			if len(t.data) != n {
				return nil, fmt.Errorf("tensors of %d and %d values: want one row per value", n, len(t.data))
			}
			r.named[t.name] = t.data[i]
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// tabularRows reads MLflow's input shapes, or a JSON object per row.
func tabularRows(v any) ([]row, error) {
	if m, ok := v.(map[string]any); ok {
		if ds, ok := m["dataframe_split"].(map[string]any); ok {
			var cols []string
			for _, c := range asSlice(ds["columns"]) {
				s, _ := c.(string)
				cols = append(cols, s)
			}
			var rows []row
			for _, d := range asSlice(ds["data"]) {
				vals := asSlice(d)
				if len(vals) != len(cols) {
					return nil, fmt.Errorf("dataframe_split row of %d values, %d columns", len(vals), len(cols))
				}
				r := row{named: map[string]any{}}
				for i, c := range cols {
					r.named[c] = vals[i]
				}
				if rows = append(rows, r); len(rows) == maxRows {
					break
				}
			}
			return rows, nil
		}
		for _, k := range []string{"dataframe_records", "instances", "inputs"} {
			if xs, ok := m[k].([]any); ok {
				return listRows(xs), nil
			}
		}
		return []row{{named: m}}, nil
	}
	if xs, ok := v.([]any); ok {
		return listRows(xs), nil
	}
	return nil, errNoRows
}

func listRows(xs []any) []row {
	rows := make([]row, 0, min(len(xs), maxRows))
	for _, x := range xs {
		switch t := x.(type) {
		case map[string]any:
			rows = append(rows, row{named: t})
		case []any:
			rows = append(rows, row{pos: t})
		default:
			rows = append(rows, row{pos: []any{t}})
		}
		if len(rows) == maxRows {
			break
		}
	}
	return rows
}

// predictions reads one prediction per row from an answer: KServe
// "outputs" (the first tensor; [n, k] scores give the index of the largest),
// MLflow "predictions", or a bare list.
func predictions(protocol string, body []byte) ([]any, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		if outs, ok := m["outputs"].([]any); ok && len(outs) > 0 {
			om, _ := outs[0].(map[string]any)
			var shape []int
			for _, s := range asSlice(om["shape"]) {
				n, _ := s.(json.Number).Int64()
				shape = append(shape, int(n))
			}
			data := flatten(asSlice(om["data"]), nil)
			if len(shape) == 2 && shape[1] > 1 && shape[0]*shape[1] == len(data) {
				out := make([]any, shape[0])
				for i := range out {
					out[i] = argmax(data[i*shape[1] : (i+1)*shape[1]])
				}
				return out, nil
			}
			return data, nil
		}
		for _, k := range []string{"predictions", "prediction", "outputs", "output"} {
			if p, ok := m[k]; ok {
				v = p
				break
			}
		}
	}
	xs, ok := v.([]any)
	if !ok {
		return []any{v}, nil
	}
	out := make([]any, len(xs))
	for i, x := range xs {
		if l, ok := x.([]any); ok {
			out[i] = argmax(l)
		} else {
			out[i] = x
		}
	}
	return out, nil
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// flatten turns nested JSON arrays into one list (row-major), as KServe
// accepts both layouts.
func flatten(xs []any, dst []any) []any {
	for _, x := range xs {
		if l, ok := x.([]any); ok {
			dst = flatten(l, dst)
		} else {
			dst = append(dst, x)
		}
	}
	return dst
}

func argmax(xs []any) any {
	best, bi := 0.0, -1
	for i, x := range xs {
		n, ok := x.(json.Number)
		if !ok {
			return nil
		}
		f, err := n.Float64()
		if err != nil {
			return nil
		}
		if bi < 0 || f > best {
			best, bi = f, i
		}
	}
	if bi < 0 {
		return nil
	}
	return json.Number(fmt.Sprint(bi))
}

// isIntText says a JSON number was written as an integer.
func isIntText(s string) bool { return !strings.ContainsAny(s, ".eE") }
