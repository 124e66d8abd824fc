package scan

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/pbtest"
)

// protoB builds protobuf wire bytes field by field (see internal/pbtest).
type protoB = pbtest.Msg

// onnxNode and onnxGraph build ONNX NodeProto and GraphProto bytes.
var (
	onnxNode  = pbtest.ONNXNode
	onnxGraph = pbtest.ONNXGraph
)

func onnxExt(name, loc string) protoB {
	return protoB{}.V(1, 4).V(2, 1).S(8, name).M(13, protoB{}.S(1, "location").S(2, loc)).
		M(13, protoB{}.S(1, "offset").S(2, "0")).V(14, 1)
}

func onnxModel(g protoB, extra ...protoB) protoB {
	m := protoB{}.V(1, 8).S(2, "mlsec-test").M(7, g).M(8, protoB{}.S(1, "").V(2, 17))
	for _, e := range extra {
		m = append(m, e...)
	}
	return m
}

func onnxBenign() protoB {
	raw := protoB{}.V(1, 16).V(2, 1).S(8, "W").S(9, string(make([]byte, 64)))
	return onnxModel(onnxGraph(
		protoB{}.M(1, onnxNode("Gemm", "", "fc1")), protoB{}.M(1, onnxNode("Relu", "", "relu")),
		protoB{}.M(1, onnxNode("Softmax", "", "sm")), protoB{}.M(1, onnxNode("Scaler", "ai.onnx.ml", "sc")),
		protoB{}.M(5, raw)), protoB{}.M(8, protoB{}.S(1, "ai.onnx.ml").V(2, 3)))
}

func findingsOf(rep *Report, rule string) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.RuleID == rule {
			out = append(out, f)
		}
	}
	return out
}

func TestONNXBenign(t *testing.T) {
	rep := scanBytes(t, map[string][]byte{"model.onnx": onnxBenign(), "weights.onnx": onnxModel(onnxGraph(
		protoB{}.M(1, onnxNode("Relu", "", "r")), protoB{}.M(5, onnxExt("W", "weights.bin")),
		protoB{}.M(5, onnxExt("B", "data/model.onnx.data"))))})
	if len(rep.Findings) != 0 {
		t.Errorf("findings: %+v", rep.Findings)
	}
	for _, f := range rep.Files {
		if f.Format != FormatONNX || f.Status != StatusScanned {
			t.Errorf("file %+v", f)
		}
	}
}

func TestONNXExternalData(t *testing.T) {
	for _, loc := range []string{"../../etc/passwd", "/etc/passwd", "subdir/../../x", `C:\x`, `..\x`, "*/_ORT_MEM_ADDR_/*"} {
		rep := scanBytes(t, map[string][]byte{"m.onnx": onnxModel(onnxGraph(
			protoB{}.M(1, onnxNode("Relu", "", "r")), protoB{}.M(5, onnxExt("W", loc))))})
		fs := findingsOf(rep, "ONNX001")
		if len(fs) != 1 || fs[0].Argument != loc || fs[0].Severity != SeverityHigh || !strings.Contains(fs[0].Message, `"W"`) {
			t.Errorf("%q: findings %+v", loc, rep.Findings)
		}
	}
}

func TestONNXSubgraphAndFunctionTraversal(t *testing.T) {
	sub := onnxGraph(protoB{}.M(1, onnxNode("Identity", "", "i")), protoB{}.M(5, onnxExt("deep", "a/../../../x")))
	loop := onnxNode("Loop", "", "loop0", protoB{}.S(1, "body").M(6, sub).V(20, 5))
	fn := protoB{}.S(1, "f").S(10, "local.fn").M(7, onnxNode("Constant", "", "c", protoB{}.S(1, "value").M(5, onnxExt("fc", "/abs")).V(20, 4)))
	// A node calling the local function is not a custom op.
	call := onnxNode("f", "local.fn", "call")
	m := onnxModel(onnxGraph(protoB{}.M(1, loop), protoB{}.M(1, call)), protoB{}.M(25, fn), protoB{}.M(8, protoB{}.S(1, "local.fn").V(2, 1)))
	rep := scanBytes(t, map[string][]byte{"m.onnx": m})
	fs := findingsOf(rep, "ONNX001")
	if len(fs) != 2 || !strings.Contains(fs[0].Message+fs[1].Message, "loop0/body") || !strings.Contains(fs[0].Message+fs[1].Message, "function local.fn.f") {
		t.Errorf("findings %+v", rep.Findings)
	}
	if n := len(findingsOf(rep, "ONNX002")); n != 0 {
		t.Errorf("local function reported as a custom domain: %+v", rep.Findings)
	}
}

func TestONNXCustomDomain(t *testing.T) {
	g := onnxGraph(protoB{}.M(1, onnxNode("Relu", "", "r")), protoB{}.M(1, onnxNode("Backdoor", "evil.ops", "b1")),
		protoB{}.M(1, onnxNode("Exfil", "evil.ops", "b2")), protoB{}.M(1, onnxNode("Backdoor", "evil.ops", "b3")),
		protoB{}.M(1, onnxNode("FusedMatMul", "com.microsoft", "fm")))
	m := onnxModel(g, protoB{}.M(8, protoB{}.S(1, "evil.ops").V(2, 1)), protoB{}.M(8, protoB{}.S(1, "unused.domain").V(2, 1)))
	rep := scanBytes(t, map[string][]byte{"m.onnx": m})
	fs := findingsOf(rep, "ONNX002")
	if len(fs) != 2 {
		t.Fatalf("findings %+v", rep.Findings)
	}
	if fs[0].Callable != "evil.ops" || fs[0].Argument != "Backdoor,Exfil" || fs[0].Severity != SeverityMedium || !strings.Contains(fs[0].Message, "3 node(s)") {
		t.Errorf("evil.ops: %+v", fs[0])
	}
	if fs[1].Callable != "unused.domain" || fs[1].Severity != SeverityLow {
		t.Errorf("import only: %+v", fs[1])
	}
}

func TestONNXMalformed(t *testing.T) {
	good := onnxBenign()
	deep := onnxGraph(protoB{}.M(1, onnxNode("Relu", "", "r")))
	for i := 0; i < 30; i++ {
		deep = onnxGraph(protoB{}.M(1, onnxNode("If", "", "if", protoB{}.S(1, "then_branch").M(6, deep).V(20, 5))))
	}
	// A node whose inner length overruns it, in an otherwise valid model.
	bad := onnxModel(onnxGraph(protoB{}.M(1, append(protoB{}.S(4, "Relu"), 0x3a, 0x40))))
	rep := scanBytes(t, map[string][]byte{"bad.onnx": bad, "deep.onnx": onnxModel(deep)})
	got := map[string]string{}
	for _, f := range rep.Findings {
		got[filepath.Base(f.Path)] = f.RuleID
	}
	if got["bad.onnx"] != "FMT001" || got["deep.onnx"] != "ARC003" {
		t.Errorf("findings %+v", rep.Findings)
	}
	// A truncated model no longer parses as ONNX at all: it must not be
	// reported clean as ONNX either.
	rep = scanBytes(t, map[string][]byte{"trunc.onnx": good[:len(good)-3]})
	if rep.Files[0].Format == FormatONNX && len(rep.Findings) == 0 {
		t.Errorf("truncated model: %+v", rep.Files)
	}
}

func TestONNXBenignFixtures(t *testing.T) {
	rep := scanPaths(t, benignDir(t, "onnx"))
	onnxFiles := 0
	for _, f := range rep.Files {
		if f.Format == FormatONNX {
			onnxFiles++
		}
	}
	if onnxFiles < 3 {
		t.Errorf("only %d ONNX files recognised: %+v", onnxFiles, rep.Files)
	}
	if n := rep.AtOrAbove(SeverityLow); n != 0 {
		t.Errorf("findings on benign fixtures: %+v", rep.Findings)
	}
}

// The fixtures in testdata/onnx are made by gen_onnx.py with onnx.helper.
func TestONNXGeneratedFixtures(t *testing.T) {
	rep := scanPaths(t, filepath.Join("testdata", "onnx"))
	want := map[string]string{
		"traversal_relative.onnx": "ONNX001:../../../../etc/passwd",
		"traversal_absolute.onnx": "ONNX001:/etc/passwd",
		"traversal_nested.onnx":   "ONNX001:subdir/../../secret.bin",
		"traversal_subgraph.onnx": `ONNX001:..\..\windows\win.ini`,
		"custom_domain.onnx":      "ONNX002:Backdoor",
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		if strings.HasSuffix(f.Path, ".onnx") { // not the generator script
			got[filepath.Base(f.Path)] += f.RuleID + ":" + f.Argument
		}
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %q, want %q", name, got[name], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("findings %+v", rep.Findings)
	}
}

func TestONNXExternalGroupingAndLocationOnly(t *testing.T) {
	noLoc := protoB{}.S(8, "L").M(13, protoB{}.S(1, "location").S(2, "../y")) // no data_location
	m := onnxModel(onnxGraph(protoB{}.M(1, onnxNode("Relu", "", "r")),
		protoB{}.M(5, onnxExt("A", "../x")), protoB{}.M(5, onnxExt("B", "../x")), protoB{}.M(5, noLoc)))
	rep := scanBytes(t, map[string][]byte{"m.onnx": m})
	fs := findingsOf(rep, "ONNX001")
	if len(fs) != 2 {
		t.Fatalf("findings %+v", rep.Findings)
	}
	if fs[0].Argument != "../x" || fs[0].Severity != SeverityHigh || !strings.Contains(fs[0].Message, "1 more") {
		t.Errorf("grouped: %+v", fs[0])
	}
	if fs[1].Argument != "../y" || fs[1].Severity != SeverityMedium {
		t.Errorf("location without EXTERNAL: %+v", fs[1])
	}
}
