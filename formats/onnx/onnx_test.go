package onnx

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/fixture"

	"github.com/mlsec/mlsec/formats/pbwalk"
)

func parse(t *testing.T, b []byte) *Model {
	t.Helper()
	m, err := Parse(bytes.NewReader(b), int64(len(b)), pbwalk.Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestParseBenign(t *testing.T) {
	t.Parallel()
	m := parse(t, benignModel())
	if m.IRVersion != 8 || m.Producer != "mlsec-test" {
		t.Errorf("ir %d producer %q", m.IRVersion, m.Producer)
	}
	var got []string
	for _, u := range m.Ops {
		got = append(got, u.Domain+":"+u.OpType)
	}
	want := ":Gemm :Relu :Softmax ai.onnx.ml:LinearClassifier"
	if strings.Join(got, " ") != want {
		t.Errorf("ops = %v, want %s", got, want)
	}
	if m.Ops[0].Count != 2 || m.Ops[0].FirstNode != "fc1" {
		t.Errorf("Gemm use = %+v", m.Ops[0])
	}
	if len(m.External) != 0 {
		t.Errorf("external = %+v", m.External)
	}
	if len(m.Opsets) != 2 || m.Opsets[1].Domain != "ai.onnx.ml" || m.Opsets[1].Version != 3 {
		t.Errorf("opsets = %+v", m.Opsets)
	}
	if !Probe(bytes.NewReader(benignModel()), int64(len(benignModel()))) {
		t.Error("Probe rejects a benign model")
	}
}

func TestExternalDataEverywhere(t *testing.T) {
	t.Parallel()
	// A traversal in each place a TensorProto can hide.
	sub := graph(pb{}.M(1, node("Identity", "", "inner")), pb{}.M(5, extTensor("sub_init", "subdir/../../x")))
	ifNode := node("If", "", "if0", attrGraph("then_branch", sub), attrGraph("else_branch", graph(pb{}.M(1, node("Identity", "", "e")))))
	constNode := node("Constant", "", "c0", attrTensor("value", extTensor("const", "/etc/passwd")))
	sparse := pb{}.M(1, extTensor("sp_values", `..\x`)).M(2, tensor("sp_idx", 8)).V(3, 4)
	fn := pb{}.S(1, "f").S(10, "local").M(7, node("Constant", "", "fc", attrTensor("value", extTensor("fconst", `C:\x`)))).M(9, opset("", 17))
	train := pb{}.M(1, graph(pb{}.M(5, extTensor("train_init", "../../etc/passwd"))))
	g := graph(pb{}.M(1, ifNode), pb{}.M(1, constNode), pb{}.M(15, sparse),
		pb{}.M(5, extTensor("ok", "weights.bin")))
	b := model(g).M(20, train).M(25, fn)
	m := parse(t, b)

	want := map[string]string{
		"sub_init":   "graph/node if0/then_branch",
		"const":      "graph/node c0/value",
		"sp_values":  "graph",
		"fconst":     "function local.f/node fc/value",
		"train_init": "training_info/initialization",
		"ok":         "graph",
	}
	if len(m.External) != len(want) {
		t.Fatalf("external = %+v", m.External)
	}
	for _, e := range m.External {
		w, ok := want[e.Tensor]
		if !ok || e.Where != w || !e.External {
			t.Errorf("%+v: want where %q", e, w)
		}
		bad := CheckLocation(e.Location) != ""
		if bad != (e.Tensor != "ok") {
			t.Errorf("CheckLocation(%q) bad=%v", e.Location, bad)
		}
	}
	if len(m.Functions) != 1 || m.Functions[0].Domain != "local" || m.Functions[0].Name != "f" {
		t.Errorf("functions = %+v", m.Functions)
	}
}

func TestDuplicateLocationKeys(t *testing.T) {
	t.Parallel()
	// Two location entries: loaders use the last, we check both.
	tn := pb{}.S(8, "t").M(13, pb{}.S(1, "location").S(2, "../evil")).
		M(13, pb{}.S(1, "location").S(2, "weights.bin")).V(14, 1)
	m := parse(t, model(graph(pb{}.M(5, tn))))
	if len(m.External) != 2 || m.External[0].Location != "../evil" {
		t.Errorf("external = %+v", m.External)
	}
}

func TestCheckLocation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		loc string
		bad bool
	}{
		{"weights.bin", false},
		{"data/weights.bin", false},
		{"./weights.bin", false},
		{"model.onnx.data", false},
		{"a..b", false},
		{"", false},
		{"../../etc/passwd", true},
		{"/etc/passwd", true},
		{"subdir/../../x", true},
		{"subdir/../x", true}, // stays inside, but onnx >= 1.16 refuses any '..'
		{`C:\x`, true},
		{`c:x`, true},
		{`..\x`, true},
		{`\\server\share\x`, true},
		{"... /x", true},
		{"x\x00.bin", true},
		{ORTMemoryTag, true},
	} {
		if got := CheckLocation(c.loc) != ""; got != c.bad {
			t.Errorf("CheckLocation(%q) bad = %v, want %v", c.loc, got, c.bad)
		}
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	good := benignModel()
	cases := map[string][]byte{
		"truncated":      good[:len(good)-3],
		"bad varint":     append(pb{}.V(1, 8), 0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"length past":    append(pb{}.V(1, 8), 0x3a, 0x7f, 0x0a),
		"group":          append(pb{}.V(1, 8).M(7, graph()), 0x1b, 0x1c),
		"zero field":     append(pb{}.V(1, 8), 0x00, 0x00),
		"inner past":     pb{}.V(1, 8).M(7, pb{}.M(1, append(pb{}.S(4, "Relu"), 0x3a, 0x40))),
		"no graph":       pb{}.V(1, 8).S(2, "x"),
		"truncated node": pb{}.V(1, 8).M(7, append(pb{}, 0x0a, 0x05, 0x22, 0x04, 'R')),
	}
	for name, b := range cases {
		if _, err := Parse(bytes.NewReader(b), int64(len(b)), pbwalk.Limits{}); err == nil {
			t.Errorf("%s: no error", name)
		} else if name != "no graph" && !errors.Is(err, pbwalk.ErrMalformed) {
			t.Errorf("%s: %v is not ErrMalformed", name, err)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	t.Parallel()
	g := graph(pb{}.M(1, node("Relu", "", "r")))
	for i := 0; i < 40; i++ {
		g = graph(pb{}.M(1, node("If", "", "if", attrGraph("then_branch", g))))
	}
	b := model(g)
	_, err := Parse(bytes.NewReader(b), int64(len(b)), pbwalk.Limits{MaxDepth: 32})
	var le *pbwalk.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a LimitError", err)
	}
	if _, err := Parse(bytes.NewReader(b), int64(len(b)), pbwalk.Limits{MaxDepth: 200}); err != nil {
		t.Fatalf("deep but allowed: %v", err)
	}
}

func TestFieldBudget(t *testing.T) {
	t.Parallel()
	b := benignModel()
	_, err := Parse(bytes.NewReader(b), int64(len(b)), pbwalk.Limits{MaxFields: 10})
	if !errors.As(err, new(*pbwalk.LimitError)) {
		t.Fatalf("err = %v, want a LimitError", err)
	}
}

// countingReader records how many bytes are read, to show raw_data is skipped.
type countingReader struct {
	r *bytes.Reader
	n int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	k, err := c.r.ReadAt(p, off)
	c.n += int64(k)
	return k, err
}

func TestSkipsRawData(t *testing.T) {
	t.Parallel()
	const big = 8 << 20
	b := model(graph(pb{}.M(1, node("Relu", "", "r")), pb{}.M(5, tensor("huge", big))))
	cr := &countingReader{r: bytes.NewReader(b)}
	if _, err := Parse(cr, int64(len(b)), pbwalk.Limits{}); err != nil {
		t.Fatal(err)
	}
	if cr.n > 1<<20 {
		t.Errorf("read %d bytes of a %d-byte model", cr.n, len(b))
	}
}

func TestProbeRejects(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 100000)
	rng.Read(random)
	savedModel := pb{}.V(1, 1).M(2, pb{}.M(1, pb{}.S(1, "serve")).M(2, pb{}.M(1, pb{}.S(1, "n").S(2, "Const"))))
	for name, b := range map[string][]byte{
		"random":     random,
		"text":       []byte(strings.Repeat("hello world, this is text\n", 100)),
		"json":       []byte(`{"ir_version": 8, "graph": {}}`),
		"savedmodel": savedModel,
		"ir zero":    pb{}.V(1, 0).M(7, graph(pb{}.M(1, node("Relu", "", "r")))),
		"trailing":   append(benignModel(), 0x08),
		"no graph":   pb{}.V(1, 8).S(2, "p"),
		"short":      {0x08, 0x08},
		"bad graph":  pb{}.V(1, 8).M(7, pb{0xff, 0xff}),
	} {
		if Probe(bytes.NewReader(b), int64(len(b))) {
			t.Errorf("Probe accepts %s", name)
		}
	}
	// Field order and unknown fields do not matter to loaders, nor to Probe.
	reordered := pb{}.S(99, "junk").M(7, graph(pb{}.M(1, node("Relu", "", "r")))).V(1, 9)
	if !Probe(bytes.NewReader(reordered), int64(len(reordered))) {
		t.Error("Probe rejects a reordered model")
	}
}

func TestRealFixtures(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "scan", "testdata", "benign", "onnx")
	files, _ := filepath.Glob(filepath.Join(root, "*.onnx"))
	more, _ := filepath.Glob(filepath.Join(root, "*", "*.onnx"))
	files = append(files, more...)
	if len(files) == 0 {
		fixture.Missing(t, "no benign ONNX fixtures (run scan/testdata/gen_benign.py)")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !Probe(bytes.NewReader(b), int64(len(b))) {
			t.Errorf("%s: Probe rejects it", f)
		}
		m := parse(t, b)
		if len(m.Ops) == 0 {
			t.Errorf("%s: no ops", f)
		}
		for _, e := range m.External {
			if p := CheckLocation(e.Location); p != "" {
				t.Errorf("%s: %s: %s", f, e.Location, p)
			}
		}
		if strings.Contains(f, "external") && len(m.External) == 0 {
			t.Errorf("%s: no external data found", f)
		}
	}
}

// valueInfo builds a ValueInfoProto of a tensor: elem type and dims (a
// number is dim_value, a name dim_param).
func valueInfo(name string, elem uint64, dims ...any) pb {
	shape := pb{}
	for _, d := range dims {
		switch x := d.(type) {
		case int:
			shape = shape.M(1, pb{}.V(1, uint64(x)))
		case string:
			shape = shape.M(1, pb{}.S(2, x))
		}
	}
	return pb{}.S(1, name).M(2, pb{}.M(1, pb{}.V(1, elem).M(2, shape)))
}

// The main graph's declared inputs (less initializers an old exporter
// also lists as inputs) and outputs, and metadata_props, are read; a
// subgraph's inputs are not the model's.
func TestInputsOutputsAndMetadata(t *testing.T) {
	t.Parallel()
	sub := graph(pb{}.M(11, valueInfo("cond_in", 9)))
	g := graph(
		pb{}.M(1, node("If", "", "branch", attrGraph("then_branch", sub))),
		pb{}.M(5, tensor("W1", 64)),
		pb{}.M(11, valueInfo("input_ids", 7, "batch", "sequence")),
		pb{}.M(11, valueInfo("W1", 1, 4, 4)),
		pb{}.M(11, pb{}.S(1, "untyped")),
		pb{}.M(12, valueInfo("logits", 1, "batch", 2)),
		pb{}.M(12, pb{}.S(1, "seq").M(2, pb{}.M(4, pb{}))),
	)
	b := model(g, opset("", 17)).M(14, pb{}.S(1, "author").S(2, "ml-team")).M(14, pb{}.S(1, "license").S(2, "MIT"))
	m := parse(t, b)
	var in, out []string
	for _, v := range m.Inputs {
		in = append(in, v.String())
	}
	for _, v := range m.Outputs {
		out = append(out, v.String())
	}
	if got := strings.Join(in, "; "); got != "input_ids: int64[batch,sequence]; untyped" {
		t.Errorf("inputs %q", got)
	}
	if got := strings.Join(out, "; "); got != "logits: float32[batch,2]; seq: sequence" {
		t.Errorf("outputs %q", got)
	}
	if len(m.Metadata) != 2 || m.Metadata[1] != (Prop{"license", "MIT"}) {
		t.Errorf("metadata %+v", m.Metadata)
	}
	if m.ProducerVersion != "1" {
		t.Errorf("producer version %q", m.ProducerVersion)
	}
}

// Every real exported model declares its inputs and outputs.
func TestRealFixturesDeclareInputsOutputs(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("..", "..", "scan", "testdata", "benign", "onnx", "*.onnx"))
	if len(files) == 0 {
		t.Skip("no benign ONNX fixtures")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := parse(t, b)
		if len(m.Inputs) == 0 || len(m.Outputs) == 0 || m.Inputs[0].Type == "" {
			t.Errorf("%s: inputs %v outputs %v", f, m.Inputs, m.Outputs)
		}
	}
}
