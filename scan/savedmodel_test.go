package scan

import (
	"bytes"
	"context"
	"sort"
	"strings"
	"testing"
)

func tfNode(name, op string, attrs ...protoB) protoB {
	n := protoB{}.S(1, name).S(2, op).S(3, "in:0")
	for _, a := range attrs {
		n = n.M(5, a)
	}
	return n
}

func tfStrAttr(k, v string) protoB  { return protoB{}.S(1, k).M(2, protoB{}.S(2, v)) }
func tfFuncAttr(k, f string) protoB { return protoB{}.S(1, k).M(2, protoB{}.M(10, protoB{}.S(1, f))) }

func tfFunc(name string, nodes ...protoB) protoB {
	f := protoB{}.M(1, protoB{}.S(1, name))
	for _, n := range nodes {
		f = f.M(3, n)
	}
	return f
}

func tfGraph(nodes []protoB, funcs ...protoB) protoB {
	g := protoB{}
	for _, n := range nodes {
		g = g.M(1, n)
	}
	lib := protoB{}
	for _, f := range funcs {
		lib = lib.M(1, f)
	}
	if len(funcs) > 0 {
		g = g.M(2, lib)
	}
	return g.M(4, protoB{}.V(1, 1205))
}

func tfSavedModel(g protoB, saver protoB) protoB {
	mg := protoB{}.M(1, protoB{}.S(4, "serve")).M(2, g)
	if saver != nil {
		mg = mg.M(3, saver)
	}
	return protoB{}.V(1, 1).M(2, mg)
}

// tfTF2 is a realistic TF2 SavedModel with its traced saver functions.
func tfTF2(extraMain []protoB, extraFuncs ...protoB) protoB {
	main := append([]protoB{
		tfNode("x", "Placeholder"), tfNode("dense/kernel", "VarHandleOp"), tfNode("saver_filename", "Placeholder"),
		tfNode("StatefulPartitionedCall", "StatefulPartitionedCall", tfFuncAttr("f", "__inference_signature_wrapper_10")),
		tfNode("StatefulPartitionedCall_1", "StatefulPartitionedCall", tfFuncAttr("f", "__inference__traced_save_20")),
		tfNode("StatefulPartitionedCall_2", "StatefulPartitionedCall", tfFuncAttr("f", "__inference__traced_restore_30")),
	}, extraMain...)
	funcs := append([]protoB{
		tfFunc("__inference_signature_wrapper_10", tfNode("ReadVariableOp", "ReadVariableOp"), tfNode("MatMul", "MatMul"), tfNode("Relu", "Relu")),
		tfFunc("__inference__traced_save_20", tfNode("StaticRegexFullMatch", "StaticRegexFullMatch"), tfNode("Const", "Const"),
			tfNode("Select", "Select"), tfNode("StringJoin", "StringJoin"), tfNode("num_shards", "Const"),
			tfNode("ShardedFilename", "ShardedFilename"), tfNode("SaveV2", "SaveV2"),
			tfNode("MergeV2Checkpoints", "MergeV2Checkpoints"), tfNode("Identity", "Identity")),
		tfFunc("__inference__traced_restore_30", tfNode("RestoreV2", "RestoreV2"), tfNode("AssignVariableOp", "AssignVariableOp")),
	}, extraFuncs...)
	return tfSavedModel(tfGraph(main, funcs...),
		protoB{}.S(1, "saver_filename:0").S(2, "StatefulPartitionedCall_1:0").S(3, "StatefulPartitionedCall_2"))
}

func ruleSummary(rep *Report) string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.RuleID+":"+f.Callable+":"+f.Severity.String())
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestSavedModelBenignSavers(t *testing.T) {
	tf1 := tfSavedModel(tfGraph([]protoB{
		tfNode("x", "Placeholder"), tfNode("w", "VariableV2"), tfNode("MatMul", "MatMul"),
		tfNode("save/Const", "Const"), tfNode("save/StringJoin", "StringJoin"), tfNode("save/ShardedFilename", "ShardedFilename"),
		tfNode("save/SaveV2", "SaveV2"), tfNode("save/MergeV2Checkpoints", "MergeV2Checkpoints"),
		tfNode("save/control_dependency", "Identity"), tfNode("save/RestoreV2", "RestoreV2"), tfNode("save/restore_all", "NoOp"),
	}), protoB{}.S(1, "save/Const:0").S(2, "save/control_dependency:0").S(3, "save/restore_all"))
	rep := scanBytes(t, map[string][]byte{"tf2/saved_model.pb": tfTF2(nil), "tf1/saved_model.pb": tf1})
	if len(rep.Findings) != 0 {
		t.Errorf("findings on benign savers: %+v", rep.Findings)
	}
	for _, f := range rep.Files {
		if f.Format != FormatSavedModel || f.Status != StatusScanned {
			t.Errorf("file %+v", f)
		}
	}
}

func TestSavedModelDangerousOps(t *testing.T) {
	evil := tfFunc("__inference_serve_5",
		tfNode("ReadFile", "ReadFile"), tfNode("WriteFile", "WriteFile"), tfNode("WriteFile_1", "WriteFile"),
		tfNode("EagerPyFunc", "EagerPyFunc", tfStrAttr("token", "pyfunc_7")),
		tfNode("SaveV2", "SaveV2"))
	// A fake saver function: its name does not exempt a WriteFile.
	fake := tfFunc("__inference__traced_save_99", tfNode("WriteFile", "WriteFile"))
	main := []protoB{tfNode("py", "PyFunc", tfStrAttr("token", "pyfunc_0")),
		tfNode("print", "PrintV2", tfStrAttr("output_stream", "file:///etc/cron.d/x"))}
	rep := scanBytes(t, map[string][]byte{"saved_model.pb": tfTF2(main, evil, fake)})
	want := "TF001:PrintV2:high TF001:ReadFile:high TF001:WriteFile:high TF001:WriteFile:high " +
		"TF002:EagerPyFunc:critical TF002:PyFunc:critical TF004:SaveV2:high"
	if got := ruleSummary(rep); got != want {
		t.Fatalf("findings:\n got %s\nwant %s\n%+v", got, want, rep.Findings)
	}
	for _, f := range rep.Findings {
		switch f.Callable {
		case "PyFunc":
			if f.Argument != "token=pyfunc_0" || !strings.Contains(f.Message, `node "py"`) {
				t.Errorf("PyFunc: %+v", f)
			}
		case "EagerPyFunc":
			if f.Argument != "token=pyfunc_7" || !strings.Contains(f.Message, "__inference_serve_5") {
				t.Errorf("EagerPyFunc: %+v", f)
			}
		case "WriteFile":
			if strings.Contains(f.Message, "__inference_serve_5") && !strings.Contains(f.Message, "and 1 more") {
				t.Errorf("WriteFile not grouped: %+v", f)
			}
		}
	}
}

func TestGraphDefFrozen(t *testing.T) {
	g := tfGraph([]protoB{tfNode("input", "Placeholder"), tfNode("py", "PyFunc", tfStrAttr("token", "pyfunc_1")), tfNode("out", "Identity")})
	rep := scanBytes(t, map[string][]byte{"frozen.pb": g})
	if rep.Files[0].Format != FormatGraphDef || ruleSummary(rep) != "TF002:PyFunc:critical" {
		t.Errorf("files %+v findings %+v", rep.Files, rep.Findings)
	}
}

func TestSavedModelMalformed(t *testing.T) {
	// The top level parses, a NodeDef inside does not.
	bad := tfSavedModel(tfGraph([]protoB{append(protoB{}.S(1, "n"), 0x12, 0x30, 'P')}), nil)
	rep := scanBytes(t, map[string][]byte{"saved_model.pb": bad})
	if ruleSummary(rep) != "FMT001::medium" || rep.Files[0].Status != StatusError {
		t.Errorf("files %+v findings %+v", rep.Files, rep.Findings)
	}
}

func TestSavedModelONNXPolyglot(t *testing.T) {
	// ONNX ignores MetaGraphDef (field 2 is producer_name to it, which it
	// never parses) and TensorFlow ignores graph (field 7).
	sm := tfSavedModel(tfGraph([]protoB{tfNode("py", "PyFunc")}), nil)
	poly := append(sm, onnxModel(onnxGraph(protoB{}.M(1, onnxNode("Relu", "", "r"))))[2:]...) // drop the second ir_version tag
	rep := scanBytes(t, map[string][]byte{"model.onnx": poly})
	if got := ruleSummary(rep); got != "ARC006::medium TF002:PyFunc:critical" {
		t.Errorf("findings %s: %+v", got, rep.Findings)
	}
}

func TestSavedModelONNXPolyglotReverse(t *testing.T) {
	// Had the SavedModel prober won, scanTF checks the ONNX side once.
	sm := tfSavedModel(tfGraph([]protoB{tfNode("py", "PyFunc")}), nil)
	poly := append(sm, onnxModel(onnxGraph(protoB{}.M(1, onnxNode("Evil", "evil.ops", "e")),
		protoB{}.M(5, onnxExt("W", "../x"))))[2:]...)
	s, _ := New(Options{})
	fsc := &fileScan{s: s, ctx: context.Background()}
	b := &blob{file: "m.pb", name: "m.pb", r: bytes.NewReader(poly), size: int64(len(poly)), format: FormatSavedModel}
	if err := scanTF(fsc, b); err != nil {
		t.Fatal(err)
	}
	rep := &Report{Findings: fsc.findings}
	if got := ruleSummary(rep); got != "ARC006::medium ONNX001::high ONNX002:evil.ops:medium TF002:PyFunc:critical" {
		t.Errorf("findings %s", got)
	}
}

func TestSavedModelKerasMetadata(t *testing.T) {
	cfg := `{"class_name": "Sequential", "config": {"name": "seq", "layers": [{"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAAAAAA", null, null]}}]}}`
	b := protoB{}.M(1, protoB{}.S(3, "root").S(4, "_tf_keras_sequential").S(5, cfg)).
		M(1, protoB{}.V(2, 1).S(3, "root.layer-0").S(4, "_tf_keras_layer").S(5, `{"class_name": "Lambda", "name": "l"}`))
	rep := scanBytes(t, map[string][]byte{"keras_metadata.pb": b})
	if rep.Files[0].Format != FormatSavedModel {
		t.Fatalf("files %+v", rep.Files)
	}
	keras := 0
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.RuleID, "KERAS") {
			keras++
		}
	}
	if keras == 0 {
		t.Errorf("no Keras finding: %+v", rep.Findings)
	}
}
