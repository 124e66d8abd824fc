package modelclient

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func codecFor(t testing.TB, cfg Config) Codec {
	t.Helper()
	cfg.Endpoint = "http://x"
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c.codec
}

func TestEncodeExactNumbers(t *testing.T) {
	t.Parallel()
	rows := [][]float64{{0.1, 1e-300, -3}, {123456789.123456789, 2.5, 0}}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Protocol: KServeV2, Model: "m"}, `{"inputs":[{"name":"input-0","shape":[2,3],"datatype":"FP64","data":[0.1,1e-300,-3,1.2345678912345679e+08,2.5,0]}]}`},
		{Config{Protocol: KServeV2, Model: "m", Datatype: "fp32", LabelOutput: "predict"}, `{"inputs":[{"name":"input-0","shape":[2,3],"datatype":"FP32","data":[0.1,0,-3,1.2345679e+08,2.5,0]}],"outputs":[{"name":"predict"}]}`},
		{Config{Protocol: MLflow, Columns: []string{"a", "b \"c\"", "d"}}, `{"dataframe_split":{"columns":["a","b \"c\"","d"],"data":[[0.1,1e-300,-3],[1.2345678912345679e+08,2.5,0]]}}`},
		{Config{Protocol: MLflow, Format: "inputs"}, `{"inputs":[[0.1,1e-300,-3],[1.2345678912345679e+08,2.5,0]]}`},
		{Config{Protocol: TFServing, Model: "m", Signature: "serving_default"}, `{"signature_name":"serving_default","instances":[[0.1,1e-300,-3],[1.2345678912345679e+08,2.5,0]]}`},
		{Config{Protocol: JSON, Columns: []string{"a", "b", "c"}, Template: &Template{Path: "/p", Request: json.RawMessage(`{"recs":"$records","cols":"$columns","n":"$n","keep":["$x",1]}`), Labels: "l"}},
			`{"cols":["a","b","c"],"keep":["$x",1],"n":2,"recs":[{"a":0.1,"b":1e-300,"c":-3},{"a":123456789.12345679,"b":2.5,"c":0}]}`},
	} {
		b, err := codecFor(t, tc.cfg).Encode(rows)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.cfg.Protocol, b, tc.want)
		}
	}
}

func TestDecodeShapes(t *testing.T) {
	t.Parallel()
	kserve := Config{Protocol: KServeV2, Model: "m"}
	mlflow := Config{Protocol: MLflow, Format: "inputs"}
	tf := Config{Protocol: TFServing, Model: "m"}
	for _, tc := range []struct {
		name   string
		cfg    Config
		body   string
		labels []string
		scores [][]float64
	}{
		{"kserve INT64 labels and nested scores", kserve,
			`{"outputs":[{"name":"predict","shape":[2],"datatype":"INT64","data":[1,0]},{"name":"p","shape":[2,2],"datatype":"FP64","data":[[0.2,0.8],[0.9,0.1]]}]}`,
			[]string{"1", "0"}, [][]float64{{0.2, 0.8}, {0.9, 0.1}}},
		{"kserve BYTES labels [n,1]", kserve,
			`{"outputs":[{"name":"predict","shape":[2,1],"datatype":"BYTES","data":["cat","dog"]}]}`, []string{"cat", "dog"}, nil},
		{"kserve scores only", kserve,
			`{"outputs":[{"name":"probs","shape":[2,3],"datatype":"FP32","data":[0.1,0.2,0.7,0.5,0.25,0.25]}]}`, []string{"2", "0"}, [][]float64{{0.1, 0.2, 0.7}, {0.5, 0.25, 0.25}}},
		{"mlflow 1 bare list", mlflow, `[3.5, -1]`, []string{"3.5", "-1"}, nil},
		{"mlflow 2 string labels", mlflow, `{"predictions": ["yes", "no"]}`, []string{"yes", "no"}, nil},
		{"mlflow objects", mlflow, `{"predictions": [{"label": 1, "probabilities": [0.3, 0.7]}, {"label": 0, "probabilities": [0.6, 0.4]}]}`,
			[]string{"1", "0"}, [][]float64{{0.3, 0.7}, {0.6, 0.4}}},
		{"tfserving score rows", tf, `{"predictions": [[0.3, 0.7], [0.6, 0.4]]}`, []string{"1", "0"}, [][]float64{{0.3, 0.7}, {0.6, 0.4}}},
		{"tfserving one-value rows", tf, `{"predictions": [[0.25], [7]]}`, []string{"0.25", "7"}, nil},
		{"tfserving columnar outputs", tf, `{"outputs": {"classes": [1, 0], "scores": [[0.3, 0.7], [0.6, 0.4]]}}`,
			[]string{"1", "0"}, [][]float64{{0.3, 0.7}, {0.6, 0.4}}},
		{"booleans", mlflow, `[true, false]`, []string{"true", "false"}, nil},
	} {
		ps, err := codecFor(t, tc.cfg).Decode([]byte(tc.body), 2)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		for i, p := range ps {
			if p.Label != tc.labels[i] {
				t.Errorf("%s: label %d = %q, want %q", tc.name, i, p.Label, tc.labels[i])
			}
			if tc.scores != nil && !equal(p.Scores, tc.scores[i]) {
				t.Errorf("%s: scores %d = %v, want %v", tc.name, i, p.Scores, tc.scores[i])
			}
		}
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-7 {
			return false
		}
	}
	return true
}

func TestDecodeRefusals(t *testing.T) {
	t.Parallel()
	kserve := Config{Protocol: KServeV2, Model: "m"}
	mlflow := Config{Protocol: MLflow, Format: "inputs"}
	for _, tc := range []struct {
		name, body string
		cfg        Config
		kind       error
		msg        string
	}{
		{"no outputs", `{"outputs":[]}`, kserve, ErrShape, "no outputs"},
		{"shape vs count", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP64","data":[1,2,3]}]}`, kserve, ErrShape, "holds 3 values"},
		{"shape vs n", `{"outputs":[{"name":"y","shape":[3],"datatype":"FP64","data":[1,2,3]}]}`, kserve, ErrShape, "shape [3] for 2 inputs"},
		{"INT64 with a fraction", `{"outputs":[{"name":"y","shape":[2],"datatype":"INT64","data":[1,0.5]}]}`, kserve, ErrShape, "not an integer"},
		{"unknown datatype", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP8","data":[1,0]}]}`, kserve, ErrShape, "unknown datatype"},
		{"rank 3", `{"outputs":[{"name":"y","shape":[2,2,2],"datatype":"FP64","data":[1,2,3,4,5,6,7,8]}]}`, kserve, ErrShape, "no output has one value"},
		{"named output missing", `{"outputs":[{"name":"y","shape":[2],"datatype":"FP64","data":[1,0]}]}`, Config{Protocol: KServeV2, Model: "m", LabelOutput: "label"}, ErrShape, `no output named "label"`},
		{"not JSON", `<html>`, mlflow, ErrMalformed, "not JSON"},
		{"object without predictions", `{"result": [1, 2]}`, mlflow, ErrMalformed, "want {\"predictions\""},
		{"too few", `{"predictions": [1]}`, mlflow, ErrShape, "holds 1 answers for 2 inputs"},
		{"ragged scores", `{"predictions": [[0.1, 0.9], [0.2, 0.3, 0.5]]}`, mlflow, ErrShape, "has 3 scores"},
		{"null answer", `{"predictions": [null, 1]}`, mlflow, ErrShape, "null where a label"},
		{"object without known fields", `{"predictions": [{"a": 1}, {"a": 2}]}`, mlflow, ErrShape, "fields [a]"},
		{"trailing data", `[1, 2] [3]`, mlflow, ErrMalformed, "trailing data"},
	} {
		_, err := codecFor(t, tc.cfg).Decode([]byte(tc.body), 2)
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want %v saying %q", tc.name, err, tc.kind, tc.msg)
		}
	}
}

func TestSameAnswer(t *testing.T) {
	t.Parallel()
	one, _ := scalar(json.Number("1"))
	oneText, _ := scalar("1.0")
	cat, _ := scalar("cat")
	if !SameAnswer(one, oneText) || SameAnswer(one, cat) || !SameAnswer(cat, cat) {
		t.Error("SameAnswer must compare numbers by value and text by label")
	}
}

// FuzzDecode: no answer body panics or returns the wrong number of
// predictions.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"outputs":[{"name":"predict","shape":[2],"datatype":"INT64","data":[1,0]}]}`,
		`{"outputs":[{"name":"p","shape":[2,2],"datatype":"FP64","data":[[0.2,0.8],[0.9,0.1]]}]}`,
		`{"predictions": [{"label": 1, "probabilities": [0.3, 0.7]}, {"label": 0}]}`,
		`{"outputs": {"classes": [1, 0]}}`, `[1, [2]]`, `{"result": {"labels": ["a", "b"]}}`,
	} {
		f.Add(s)
	}
	codecs := []Codec{
		codecFor(f, Config{Protocol: KServeV2, Model: "m"}),
		codecFor(f, Config{Protocol: MLflow, Format: "inputs"}),
		codecFor(f, Config{Protocol: TFServing, Model: "m"}),
		codecFor(f, Config{Protocol: JSON, Template: &Template{Path: "/p", Request: json.RawMessage(`{"r":"$rows"}`), Labels: "result.labels", Scores: "result.p"}}),
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, c := range codecs {
			ps, err := c.Decode([]byte(body), 2)
			if err == nil && len(ps) != 2 {
				t.Fatalf("%T: %d predictions for 2 inputs", c, len(ps))
			}
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Fatalf("%T: untyped error %v", c, err)
			}
		}
	})
}
