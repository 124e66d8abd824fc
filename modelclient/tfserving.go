package modelclient

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// tfserving speaks TensorFlow Serving's REST predict API.
type tfserving struct {
	path      string
	signature string
	columnar  bool // {"inputs": ...} instead of {"instances": ...}
	listDecoder
}

func newTFServing(c *Config) (*tfserving, error) {
	if c.Model == "" {
		return nil, fmt.Errorf("tfserving needs the model name (the {name} in /v1/models/{name}:predict)")
	}
	t := &tfserving{signature: c.Signature, listDecoder: listDecoder{c.LabelOutput, c.ScoresOutput}}
	switch c.Format {
	case "", "instances":
	case "inputs":
		t.columnar = true
	default:
		return nil, fmt.Errorf("tfserving format %q: want instances or inputs", c.Format)
	}
	t.path = modelPath("/v1/models/", c, ":predict")
	return t, nil
}

func (t *tfserving) Path() string { return t.path }

func (t *tfserving) Encode(rows [][]float64) ([]byte, error) {
	b := make([]byte, 0, 64+len(rows)*20)
	b = append(b, '{')
	if t.signature != "" {
		b = append(b, `"signature_name":`...)
		b = strconv.AppendQuote(b, t.signature)
		b = append(b, ',')
	}
	if t.columnar {
		b = append(b, `"inputs":`...)
	} else {
		b = append(b, `"instances":`...)
	}
	b, err := appendRows(b, rows)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func (t *tfserving) Decode(body []byte, n int) ([]Prediction, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	if p, ok := field(v, "predictions"); ok {
		return t.decodeList(p, n, "predictions")
	}
	if o, ok := field(v, "outputs"); ok {
		return t.decodeList(o, n, "outputs")
	}
	if e, ok := field(v, "error"); ok {
		s, _ := json.Marshal(e)
		return nil, malformed("the server reported an error: %s", s)
	}
	return nil, malformed("want {\"predictions\": [...]} or {\"outputs\": ...}, got %s", kindOf(v))
}
