package savedmodel

import (
	"bytes"
	"errors"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/formats/pbwalk"
)

var watched = map[string]bool{
	"ReadFile": true, "WriteFile": true, "PyFunc": true, "EagerPyFunc": true,
	"SaveV2": true, "RestoreV2": true, "MergeV2Checkpoints": true, "PrintV2": true,
}

func parse(t *testing.T, b []byte) *Model {
	t.Helper()
	m, err := Parse(bytes.NewReader(b), int64(len(b)), Options{Keep: func(op string) bool { return watched[op] }})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// summary renders kept nodes as "function:name:op:saver".
func summary(m *Model) string {
	var out []string
	for _, n := range m.Nodes {
		s := n.Function + ":" + n.Name + ":" + n.Op
		if n.InSaver {
			s += ":saver"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestTF2SaverIsRecognised(t *testing.T) {
	t.Parallel()
	m := parse(t, tf2Model())
	if m.Kind != KindSavedModel || m.SchemaVersion != 1 || m.MetaGraphs != 1 {
		t.Errorf("kind %v schema %d metagraphs %d", m.Kind, m.SchemaVersion, m.MetaGraphs)
	}
	if m.Functions != 4 || m.NodeCount != 6+1+4+11+5 {
		t.Errorf("functions %d nodes %d", m.Functions, m.NodeCount)
	}
	want := "__inference__traced_restore_300:RestoreV2:RestoreV2:saver " +
		"__inference__traced_save_200:MergeV2Checkpoints:MergeV2Checkpoints:saver " +
		"__inference__traced_save_200:SaveV2:SaveV2:saver"
	if got := summary(m); got != want {
		t.Errorf("nodes:\n got %s\nwant %s", got, want)
	}
}

func TestTF1SaverScope(t *testing.T) {
	t.Parallel()
	m := parse(t, tf1Model(nodeDef("evil/SaveV2", "SaveV2")))
	want := ":evil/SaveV2:SaveV2 :save/MergeV2Checkpoints:MergeV2Checkpoints:saver " +
		":save/RestoreV2:RestoreV2:saver :save/SaveV2:SaveV2:saver"
	if got := summary(m); got != want {
		t.Errorf("nodes:\n got %s\nwant %s", got, want)
	}
}

func TestDangerousOps(t *testing.T) {
	t.Parallel()
	evil := function("__inference_serve_7",
		nodeDef("ReadFile", "ReadFile"),
		nodeDef("WriteFile", "WriteFile"),
		nodeDef("SaveV2", "SaveV2"), // a checkpoint write outside the saver
		nodeDef("eager", "EagerPyFunc", strAttr("token", "pyfunc_3"), typeAttr("Tout")))
	b := tf2Model(evil)
	// And a PyFunc in the main graph of a second meta graph.
	b = b.M(2, metaGraph(graphDef([]pb{nodeDef("py", "PyFunc", strAttr("token", "pyfunc_0")),
		nodeDef("print", "PrintV2", strAttr("output_stream", "file:///tmp/x"))}), nil))
	m := parse(t, b)
	want := ":print:PrintV2 :py:PyFunc " +
		"__inference__traced_restore_300:RestoreV2:RestoreV2:saver " +
		"__inference__traced_save_200:MergeV2Checkpoints:MergeV2Checkpoints:saver " +
		"__inference__traced_save_200:SaveV2:SaveV2:saver " +
		"__inference_serve_7:ReadFile:ReadFile __inference_serve_7:SaveV2:SaveV2 " +
		"__inference_serve_7:WriteFile:WriteFile __inference_serve_7:eager:EagerPyFunc"
	if got := summary(m); got != want {
		t.Errorf("nodes:\n got %s\nwant %s", got, want)
	}
	for _, n := range m.Nodes {
		switch n.Name {
		case "py":
			if n.Attrs["token"] != "pyfunc_0" || n.MetaGraph != 1 {
				t.Errorf("PyFunc: %+v", n)
			}
		case "eager":
			if n.Attrs["token"] != "pyfunc_3" {
				t.Errorf("EagerPyFunc: %+v", n)
			}
		case "print":
			if n.Attrs["output_stream"] != "file:///tmp/x" {
				t.Errorf("PrintV2: %+v", n)
			}
		}
	}
}

func TestSaverReachesCalledFunctions(t *testing.T) {
	t.Parallel()
	// A saver function that calls a helper: the helper is saver code too.
	// A function called from elsewhere is not.
	b := savedModel(metaGraph(graphDef(
		[]pb{nodeDef("save_call", "StatefulPartitionedCall", funcAttr("f", "my_save")),
			nodeDef("serve", "PartitionedCall", funcAttr("f", "serve_fn"))},
		function("my_save", nodeDef("call", "PartitionedCall", funcAttr("f", "helper"))),
		function("helper", nodeDef("SaveV2", "SaveV2")),
		function("serve_fn", nodeDef("ReadFile", "ReadFile"))),
		saverDef("saver_filename:0", "save_call:0", "save_call")))
	m := parse(t, b)
	if got, want := summary(m), "helper:SaveV2:SaveV2:saver serve_fn:ReadFile:ReadFile"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestFrozenGraphDef(t *testing.T) {
	t.Parallel()
	g := graphDef([]pb{nodeDef("input", "Placeholder"), nodeDef("weights", "Const", tensorAttr("value", 1<<16)),
		nodeDef("py", "PyFunc", strAttr("token", "pyfunc_1"))},
		function("f", nodeDef("n", "Relu")))
	// A library with a gradient: it must not pass for a MetaGraphDef.
	g = g.M(2, pb{}.M(2, pb{}.S(1, "f").S(2, "g")))
	if k := Detect(bytes.NewReader(g), int64(len(g))); k != KindGraphDef {
		t.Fatalf("Detect = %v", k)
	}
	m := parse(t, g)
	if m.Kind != KindGraphDef || summary(m) != ":py:PyFunc" {
		t.Errorf("kind %v nodes %s", m.Kind, summary(m))
	}
}

func TestKerasMetadata(t *testing.T) {
	t.Parallel()
	b := pb{}.M(1, pb{}.S(3, "root").S(4, "_tf_keras_network").S(5, `{"class_name": "Functional", "config": {"layers": []}}`).M(6, pb{}.V(1, 2))).
		M(1, pb{}.V(2, 1).S(3, "root.layer-0").S(4, "_tf_keras_layer").S(5, `{"class_name": "Lambda"}`))
	if k := Detect(bytes.NewReader(b), int64(len(b))); k != KindKerasMetadata {
		t.Fatalf("Detect = %v", k)
	}
	m := parse(t, b)
	if len(m.Keras) != 2 || m.Keras[1].NodePath != "root.layer-0" || !strings.Contains(m.Keras[1].Metadata, "Lambda") {
		t.Errorf("keras = %+v", m.Keras)
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(2))
	random := make([]byte, 50000)
	rng.Read(random)
	onnx := pb{}.V(1, 8).S(2, "pytorch").S(3, "2.1").M(7, pb{}.M(1, pb{}.S(4, "Relu")).S(2, "g")).M(8, pb{}.V(2, 17))
	fingerprint := pb{}.V(1, 123).V(2, 456).V(3, 789).V(4, 1).V(5, 2).M(6, pb{}.V(1, 1))
	for name, c := range map[string]struct {
		b    []byte
		want Kind
	}{
		"tf2":         {tf2Model(), KindSavedModel},
		"tf1":         {tf1Model(), KindSavedModel},
		"random":      {random, KindUnknown},
		"text":        {[]byte(strings.Repeat("saved_model.pb is a protobuf\n", 50)), KindUnknown},
		"onnx":        {onnx, KindUnknown},
		"fingerprint": {fingerprint, KindUnknown},
		"trailing":    {append(tf2Model(), 0x12), KindUnknown},
		"bad names":   {pb{}.M(1, pb{}.S(1, "a b").S(2, "Const")), KindUnknown},
		"empty op":    {pb{}.M(1, pb{}.S(1, "a")), KindUnknown},
		"no graph":    {pb{}.V(1, 1).M(2, pb{}.M(1, pb{}.S(1, "x"))), KindUnknown},
		"reordered":   {pb{}.S(9, "junk").M(2, metaGraph(graphDef([]pb{nodeDef("a", "Relu")}), nil)), KindSavedModel},
	} {
		if got := Detect(bytes.NewReader(c.b), int64(len(c.b))); got != c.want {
			t.Errorf("%s: Detect = %v, want %v", name, got, c.want)
		}
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	good := tf2Model()
	for name, b := range map[string][]byte{
		"truncated":  good[:len(good)-5],
		"inner past": savedModel(metaGraph(append(pb{}, 0x0a, 0x05, 0x0a, 0x10, 'a'), nil)),
		"bad varint": append(pb{}.V(1, 1), 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"group":      savedModel(metaGraph(pb{0x0b, 0x0c}, nil)),
		"attr past":  savedModel(metaGraph(graphDef([]pb{append(pb{}.S(1, "n").S(2, "PyFunc"), 0x2a, 0x03, 0x0a, 0x09, 'x')}), nil)),
	} {
		_, err := ParseKind(bytes.NewReader(b), int64(len(b)), KindSavedModel, Options{Keep: func(string) bool { return true }})
		if !errors.Is(err, pbwalk.ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
	if _, err := Parse(bytes.NewReader([]byte("hello")), 5, Options{}); err == nil {
		t.Error("Parse accepts text")
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	b := tf2Model()
	_, err := Parse(bytes.NewReader(b), int64(len(b)), Options{Limits: pbwalk.Limits{MaxFields: 50}})
	if !errors.As(err, new(*pbwalk.LimitError)) {
		t.Errorf("err = %v, want LimitError", err)
	}
}
