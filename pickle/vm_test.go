package pickle

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	asm "github.com/mlsec/mlsec/internal/pickleasm"
)

func analyze(t *testing.T, b []byte, o Options) *Report {
	t.Helper()
	rep, err := Analyze(bytes.NewReader(b), o)
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return rep
}

// calls returns "module.name" of every resolved call in every stream.
func calls(rep *Report) map[string]*Call {
	out := map[string]*Call{}
	for _, s := range rep.Streams {
		for _, c := range s.Calls {
			if c.Callable != nil {
				if _, ok := out[c.Callable.String()]; !ok {
					out[c.Callable.String()] = c
				}
			}
		}
	}
	return out
}

func imports(rep *Report) map[string]*Global {
	out := map[string]*Global{}
	for _, s := range rep.Streams {
		for _, g := range s.Imports {
			out[g.String()] = g
		}
	}
	return out
}

func issues(rep *Report, k IssueKind) []Issue {
	var out []Issue
	for _, s := range rep.Streams {
		for _, is := range s.Issues {
			if is.Kind == k {
				out = append(out, is)
			}
		}
	}
	return out
}

func TestCallForms(t *testing.T) {
	cases := []struct {
		name, callable, arg string
		kind                CallKind
		b                   []byte
	}{
		{"p0 reduce", "os.system", "echo hi", CallReduce, []byte("cos\nsystem\n(S'echo hi'\ntR.")},
		{"p2 reduce posix", "posix.system", "echo hi", CallReduce, []byte("\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03.")},
		{"inst", "os.system", "id", CallInst, asm.New(0).Mark().String("id").Inst("os", "system").Stop().Bytes()},
		{"obj", "subprocess.Popen", "id", CallObj, asm.New(2).Mark().Global("subprocess", "Popen").BinUnicode("id").Obj().Stop().Bytes()},
		{"newobj", "subprocess.Popen", "id", CallNewObj, asm.New(2).Global("subprocess", "Popen").BinUnicode("id").Tuple1().NewObj().Stop().Bytes()},
		{"newobj_ex", "subprocess.Popen", "id", CallNewObjEx, asm.New(4).StackGlobal("subprocess", "Popen").Unicode("id").Tuple1().EmptyDict().NewObjEx().Stop().Bytes()},
		{"stack_global STRING operands at op 0", "os.system", "echo hi", CallReduce, []byte("S'os'\nS'system'\n\x93S'echo hi'\n\x85R.")},
		{"BINSTRING operands", "os.system", "x", CallReduce, asm.New(-1).BinString("os").ShortBinString("system").StackGlobalOp().ShortBinString("x").Tuple1().Reduce().Stop().Bytes()},
		{"escaped STRING", "os.system", "x", CallReduce, []byte("S'o\\x73'\nS'sys\\164em'\n\x93S'x'\n\x85R.")},
		{"UNICODE escapes", "os.system", "x", CallReduce, []byte("Vo\\u0073\nVsystem\n\x93Vx\n\x85R.")},
		{"python2 module names", "builtins.eval", "1", CallReduce, []byte("c__builtin__\neval\n(S'1'\ntR.")},
		{"dotted attribute", "builtins.eval.__call__", "1", CallReduce, asm.New(4).StackGlobal("builtins", "eval.__call__").Unicode("1").Tuple1().Reduce().Stop().Bytes()},
		{"OBJ then POP (smtplib)", "smtplib.SMTP", "127.0.0.1", CallObj, asm.New(4).Mark().StackGlobal("smtplib", "SMTP").Unicode("127.0.0.1").Obj().Pop().None().Stop().Bytes()},
		{"list argument", "pip.main", "install", CallReduce, asm.New(2).Global("pip", "main").Mark().Unicode("install").Unicode("evil").List().Tuple1().Reduce().Stop().Bytes()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := analyze(t, c.b, Options{})
			if err := rep.Streams[0].Err; err != nil {
				t.Fatalf("stream error: %v", err)
			}
			call, ok := calls(rep)[c.callable]
			if !ok {
				t.Fatalf("no call of %s; calls: %v", c.callable, calls(rep))
			}
			if call.Kind != c.kind {
				t.Errorf("kind %v, want %v", call.Kind, c.kind)
			}
			a, ok := call.Argument()
			if !ok || a.Str != c.arg {
				t.Errorf("argument %q, want %q", a.Str, c.arg)
			}
			if !imports(rep)[c.callable].Called {
				t.Errorf("import not marked called")
			}
		})
	}
}

// The memo is keyed by the PUT argument, not by insertion order
// (picklescan ad6efbf, malicious11.pkl).
func TestMemoIndexTrick(t *testing.T) {
	b := asm.New(4).
		Unicode("os").BinPut(2).Pop().
		Unicode("torch").BinPut(0).Pop().
		Unicode("LongStorage").BinPut(1).Pop().
		Unicode("system").BinPut(3).Pop().
		BinGet(2).BinGet(3).StackGlobalOp().Unicode("id").Tuple1().Reduce().Stop().Bytes()
	rep := analyze(t, b, Options{})
	if _, ok := calls(rep)["os.system"]; !ok {
		t.Fatalf("memo trick not resolved to os.system: %v", imports(rep))
	}
	if _, ok := imports(rep)["torch.LongStorage"]; ok {
		t.Errorf("resolved by insertion order")
	}
}

func TestMemoize(t *testing.T) {
	// MEMOIZE stores at len(memo): after PUT 5 the next MEMOIZE is index 1.
	b := asm.New(4).Unicode("x").BinPut(5).Pop().
		Unicode("os").Memoize().Pop().Unicode("system").Memoize().Pop().
		BinGet(1).BinGet(2).StackGlobalOp().Stop().Bytes()
	rep := analyze(t, b, Options{})
	if _, ok := imports(rep)["os.system"]; !ok {
		t.Fatalf("MEMOIZE indexes wrong: %v", imports(rep))
	}
}

func TestMemoMissAndTypeConfusion(t *testing.T) {
	// A payload, then a GET of a never-stored index: the loader ran the
	// payload, then raised. Both are reported.
	miss := asm.New(2).Call("os", "system", "id").BinGet(9).Stop().Bytes()
	rep := analyze(t, miss, Options{})
	if _, ok := calls(rep)["os.system"]; !ok {
		t.Error("prefix payload lost")
	}
	if len(issues(rep, IssueMemoMiss)) != 1 {
		t.Error("no memo-miss issue")
	}
	var se *SyntaxError
	if !errors.As(rep.Streams[0].Err, &se) {
		t.Errorf("memo miss must break the stream, got %v", rep.Streams[0].Err)
	}
	// An int stored in the memo used as a STACK_GLOBAL operand.
	conf := asm.New(4).Int(7).BinPut(0).Pop().Unicode("system").BinPut(1).Pop().
		BinGet(0).BinGet(1).StackGlobalOp().Stop().Bytes()
	rep = analyze(t, conf, Options{})
	if len(issues(rep, IssueUnresolved)) != 1 || rep.Streams[0].Err == nil {
		t.Errorf("type confusion: issues %v err %v", rep.Streams[0].Issues, rep.Streams[0].Err)
	}
}

// modelscan #85: names planted with BUILD on a global, read back through
// dotted GLOBALs.
func TestBuildPlantedNames(t *testing.T) {
	b := asm.New(4).
		Global("numpy", "prod").Mark().Unicode("a").Unicode("os").Unicode("b").Unicode("system").Dict().Build().Pop().
		Global("numpy", "prod.a").BinPut(0).Pop().
		Global("numpy", "prod.b").BinPut(1).Pop().
		BinGet(0).BinGet(1).StackGlobalOp().Unicode("id").Tuple1().Reduce().Stop().Bytes()
	rep := analyze(t, b, Options{})
	if _, ok := calls(rep)["os.system"]; !ok {
		t.Fatalf("planted names not followed: %v", imports(rep))
	}
	if len(issues(rep, IssuePlanted)) == 0 {
		t.Error("BUILD on a global not reported")
	}
}

// modelscan #331: names assembled at run time.
func TestRuntimeNames(t *testing.T) {
	b := asm.New(4).
		StackGlobal("builtins", "str.join").Unicode("").Mark().Unicode("o").Unicode("s").List().Tuple2().Reduce().
		Unicode("system").StackGlobalOp().Unicode("id").Tuple1().Reduce().Stop().Bytes()
	rep := analyze(t, b, Options{})
	un := issues(rep, IssueUnresolved)
	if len(un) != 1 || !strings.Contains(un[0].Detail, "computed at load time") {
		t.Fatalf("runtime-assembled name not reported: %v", rep.Streams[0].Issues)
	}
	if rep.Streams[0].Err != nil {
		t.Errorf("a computed str operand must not break the stream: %v", rep.Streams[0].Err)
	}
}

func TestExt(t *testing.T) {
	for _, b := range [][]byte{
		asm.New(2).Ext1(1).Unicode("id").Tuple1().Reduce().Stop().Bytes(),
		asm.New(2).Ext2(300).Stop().Bytes(),
		asm.New(2).Ext4(70000).Stop().Bytes(),
	} {
		rep := analyze(t, b, Options{})
		if len(issues(rep, IssueExt)) != 1 {
			t.Errorf("%q: no EXT issue", b)
		}
	}
}

// nullifAI: the payload, then a stream that breaks before STOP.
func TestBrokenStreamKeepsPrefix(t *testing.T) {
	b := asm.New(2).Call("posix", "system", "id").Raw('X', 0xff, 0xff).Bytes()
	rep := analyze(t, b, Options{})
	var se *SyntaxError
	if !errors.As(rep.Streams[0].Err, &se) || !se.Truncated {
		t.Fatalf("want truncated stream error, got %v", rep.Streams[0].Err)
	}
	if _, ok := calls(rep)["posix.system"]; !ok {
		t.Error("payload before the break lost")
	}
	bad := asm.New(2).Call("posix", "system", "id").Raw(0xff).Bytes()
	rep = analyze(t, bad, Options{})
	if !errors.As(rep.Streams[0].Err, &se) || se.Truncated || se.Offset != int64(len(bad)-1) {
		t.Fatalf("invalid opcode: got %v", rep.Streams[0].Err)
	}
}
