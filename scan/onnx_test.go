package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// protoB builds protobuf bytes field by field (ONNX and TensorFlow tests).
type protoB []byte

func (b protoB) v(n int, x uint64) protoB {
	return protowire.AppendVarint(protowire.AppendTag(b, protowire.Number(n), protowire.VarintType), x)
}

func (b protoB) s(n int, s string) protoB {
	return protowire.AppendString(protowire.AppendTag(b, protowire.Number(n), protowire.BytesType), s)
}

func (b protoB) m(n int, sub protoB) protoB {
	return protowire.AppendBytes(protowire.AppendTag(b, protowire.Number(n), protowire.BytesType), sub)
}

func onnxNode(op, domain, name string, attrs ...protoB) protoB {
	n := protoB{}.s(1, "x").s(2, "y").s(3, name).s(4, op)
	for _, a := range attrs {
		n = n.m(5, a)
	}
	if domain != "" {
		n = n.s(7, domain)
	}
	return n
}

func onnxExt(name, loc string) protoB {
	return protoB{}.v(1, 4).v(2, 1).s(8, name).m(13, protoB{}.s(1, "location").s(2, loc)).
		m(13, protoB{}.s(1, "offset").s(2, "0")).v(14, 1)
}

func onnxGraph(parts ...protoB) protoB {
	g := protoB{}.s(2, "g")
	for _, p := range parts {
		g = append(g, p...)
	}
	return g
}

func onnxModel(g protoB, extra ...protoB) protoB {
	m := protoB{}.v(1, 8).s(2, "mlsec-test").m(7, g).m(8, protoB{}.s(1, "").v(2, 17))
	for _, e := range extra {
		m = append(m, e...)
	}
	return m
}

func onnxBenign() protoB {
	raw := protoB{}.v(1, 16).v(2, 1).s(8, "W").s(9, string(make([]byte, 64)))
	return onnxModel(onnxGraph(
		protoB{}.m(1, onnxNode("Gemm", "", "fc1")), protoB{}.m(1, onnxNode("Relu", "", "relu")),
		protoB{}.m(1, onnxNode("Softmax", "", "sm")), protoB{}.m(1, onnxNode("Scaler", "ai.onnx.ml", "sc")),
		protoB{}.m(5, raw)), protoB{}.m(8, protoB{}.s(1, "ai.onnx.ml").v(2, 3)))
}

// scanBytes writes files into a temporary folder and scans it.
func scanBytes(t *testing.T, files map[string][]byte) *Report {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return rep
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
		protoB{}.m(1, onnxNode("Relu", "", "r")), protoB{}.m(5, onnxExt("W", "weights.bin")),
		protoB{}.m(5, onnxExt("B", "data/model.onnx.data"))))})
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
			protoB{}.m(1, onnxNode("Relu", "", "r")), protoB{}.m(5, onnxExt("W", loc))))})
		fs := findingsOf(rep, "ONNX001")
		if len(fs) != 1 || fs[0].Argument != loc || fs[0].Severity != SeverityHigh || !strings.Contains(fs[0].Message, `"W"`) {
			t.Errorf("%q: findings %+v", loc, rep.Findings)
		}
	}
}

func TestONNXSubgraphAndFunctionTraversal(t *testing.T) {
	sub := onnxGraph(protoB{}.m(1, onnxNode("Identity", "", "i")), protoB{}.m(5, onnxExt("deep", "a/../../../x")))
	loop := onnxNode("Loop", "", "loop0", protoB{}.s(1, "body").m(6, sub).v(20, 5))
	fn := protoB{}.s(1, "f").s(10, "local.fn").m(7, onnxNode("Constant", "", "c", protoB{}.s(1, "value").m(5, onnxExt("fc", "/abs")).v(20, 4)))
	// A node calling the local function is not a custom op.
	call := onnxNode("f", "local.fn", "call")
	m := onnxModel(onnxGraph(protoB{}.m(1, loop), protoB{}.m(1, call)), protoB{}.m(25, fn), protoB{}.m(8, protoB{}.s(1, "local.fn").v(2, 1)))
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
	g := onnxGraph(protoB{}.m(1, onnxNode("Relu", "", "r")), protoB{}.m(1, onnxNode("Backdoor", "evil.ops", "b1")),
		protoB{}.m(1, onnxNode("Exfil", "evil.ops", "b2")), protoB{}.m(1, onnxNode("Backdoor", "evil.ops", "b3")),
		protoB{}.m(1, onnxNode("FusedMatMul", "com.microsoft", "fm")))
	m := onnxModel(g, protoB{}.m(8, protoB{}.s(1, "evil.ops").v(2, 1)), protoB{}.m(8, protoB{}.s(1, "unused.domain").v(2, 1)))
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
	deep := onnxGraph(protoB{}.m(1, onnxNode("Relu", "", "r")))
	for i := 0; i < 30; i++ {
		deep = onnxGraph(protoB{}.m(1, onnxNode("If", "", "if", protoB{}.s(1, "then_branch").m(6, deep).v(20, 5))))
	}
	// A node whose inner length overruns it, in an otherwise valid model.
	bad := onnxModel(onnxGraph(protoB{}.m(1, append(protoB{}.s(4, "Relu"), 0x3a, 0x40))))
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
	dir := filepath.Join("testdata", "benign", "onnx")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no benign ONNX fixtures")
	}
	s, _ := New(Options{})
	rep, err := s.Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
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
	s, _ := New(Options{})
	rep, err := s.Scan(context.Background(), filepath.Join("testdata", "onnx"))
	if err != nil {
		t.Fatal(err)
	}
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
	noLoc := protoB{}.s(8, "L").m(13, protoB{}.s(1, "location").s(2, "../y")) // no data_location
	m := onnxModel(onnxGraph(protoB{}.m(1, onnxNode("Relu", "", "r")),
		protoB{}.m(5, onnxExt("A", "../x")), protoB{}.m(5, onnxExt("B", "../x")), protoB{}.m(5, noLoc)))
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
