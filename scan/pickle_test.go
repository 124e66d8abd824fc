package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	asm "github.com/mlsec/mlsec/internal/pickleasm"
)

// scanPickleBytes writes b to a file and scans it.
func scanPickleBytes(t *testing.T, name string, b []byte) *Report {
	t.Helper()
	return scanPaths(t, writeFile(t, t.TempDir(), name, b))
}

func findRule(rep *Report, rule, callable string) *Finding {
	for i, f := range rep.Findings {
		if f.RuleID == rule && (callable == "" || f.Callable == callable) {
			return &rep.Findings[i]
		}
	}
	return nil
}

func dump(rep *Report) string {
	var sb strings.Builder
	for _, f := range rep.Findings {
		sb.WriteString("\n  " + f.RuleID + " " + f.Severity.String() + " " + f.Member + " " + f.Callable + ": " + f.Message)
	}
	return sb.String()
}

func TestPickleBypasses(t *testing.T) {
	cases := []struct {
		name, rule, callable, arg string
		b                         []byte
	}{
		{"p2 os.system", "PKL001", "posix.system", "echo hi", []byte("\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03.")},
		{"p0 os.system", "PKL001", "os.system", "echo hi", []byte("cos\nsystem\n(S'echo hi'\ntR.")},
		{"nullifAI broken stream", "PKL007", "", "", asm.New(2).Call("posix", "system", "id").Raw('X', 0xff, 0xff).Bytes()},
		{"nullifAI keeps payload", "PKL001", "posix.system", "id", asm.New(2).Call("posix", "system", "id").Raw('X', 0xff, 0xff).Bytes()},
		{"STRING-fed STACK_GLOBAL at op 0", "PKL001", "os.system", "echo hi", []byte("S'os'\nS'system'\n\x93S'echo hi'\n\x85R.")},
		{"memo index trick", "PKL001", "os.system", "id", asm.New(4).Unicode("os").BinPut(2).Pop().Unicode("torch").BinPut(0).Pop().
			Unicode("LongStorage").BinPut(1).Pop().Unicode("system").BinPut(3).Pop().BinGet(2).BinGet(3).StackGlobalOp().Unicode("id").Tuple1().Reduce().Stop().Bytes()},
		{"memo KeyError", "PKL008", "", "", asm.New(2).BinGet(7).Stop().Bytes()},
		{"memo type confusion", "PKL008", "", "", asm.New(4).Int(7).BinPut(0).Unicode("system").StackGlobalOp().Stop().Bytes()},
		{"modelscan #85 planted", "PKL001", "os.system", "id", asm.New(4).
			Global("numpy", "prod").Mark().Unicode("a").Unicode("os").Unicode("b").Unicode("system").Dict().Build().Pop().
			Global("numpy", "prod.a").BinPut(0).Pop().Global("numpy", "prod.b").BinPut(1).Pop().
			BinGet(0).BinGet(1).StackGlobalOp().Unicode("id").Tuple1().Reduce().Stop().Bytes()},
		{"modelscan #330 numpy builtins", "PKL002", "numpy.__builtins__", "", asm.New(4).
			Global("numpy", "size").Mark().Unicode("shape").Global("numpy", "__builtins__").Dict().Build().
			Global("numpy", "size").Unicode("eval").Tuple2().Reduce().Unicode("__import__('os').system('id')").Tuple1().Reduce().Stop().Bytes()},
		{"modelscan #330 planted", "PKL004", "numpy.size", "", asm.New(4).
			Global("numpy", "size").Mark().Unicode("shape").Global("numpy", "__builtins__").Dict().Build().Stop().Bytes()},
		{"modelscan #331 runtime names", "PKL008", "", "", asm.New(4).
			StackGlobal("builtins", "str.join").Unicode("").Mark().Unicode("o").Unicode("s").List().Tuple2().Reduce().
			Unicode("system").StackGlobalOp().Unicode("id").Tuple1().Reduce().Stop().Bytes()},
		{"#331 importlib", "PKL001", "importlib.import_module", "builtins", asm.New(4).Call("importlib", "import_module", "builtins").Stop().Bytes()},
		{"dotted pathlib os.system", "PKL001", "pathlib.os.system", "id", asm.New(4).StackGlobal("pathlib", "os.system").Unicode("id").Tuple1().Reduce().Stop().Bytes()},
		{"dotted eval.__call__", "PKL001", "builtins.eval.__call__", "1", asm.New(4).StackGlobal("builtins", "eval.__call__").Unicode("1").Tuple1().Reduce().Stop().Bytes()},
		{"introspection chain", "PKL002", "builtins.print.__class__.__base__.__subclasses__", "", asm.New(4).StackGlobal("builtins", "print.__class__.__base__.__subclasses__").Stop().Bytes()},
		{"module re-export", "PKL012", "pathlib.os", "", asm.New(4).StackGlobal("pathlib", "os").Stop().Bytes()},
		{"pkgutil.resolve_name", "PKL001", "pkgutil.resolve_name", "os:system", asm.New(4).Call("pkgutil", "resolve_name", "os:system").Stop().Bytes()},
		{"pydoc.locate", "PKL001", "pydoc.locate", "os.system", asm.New(4).Call("pydoc", "locate", "os.system").Stop().Bytes()},
		{"operator.attrgetter", "PKL001", "operator.attrgetter", "system", asm.New(4).Call("operator", "attrgetter", "system").Stop().Bytes()},
		{"operator.methodcaller", "PKL001", "_operator.methodcaller", "system", asm.New(4).Call("_operator", "methodcaller", "system").Stop().Bytes()},
		{"functools.partial binds os.system", "PKL001", "os.system", "id", asm.New(4).Global("functools", "partial").Global("os", "system").Unicode("id").Tuple2().Reduce().Stop().Bytes()},
		{"builtins.__import__", "PKL001", "builtins.__import__", "os", asm.New(4).Call("builtins", "__import__", "os").Stop().Bytes()},
		{"builtins.getattr", "PKL001", "builtins.getattr", "system", asm.New(4).Global("builtins", "getattr").Global("builtins", "object").Unicode("system").Tuple2().Reduce().Stop().Bytes()},
		{"asyncio submodule", "PKL001", "asyncio.unix_events._UnixSubprocessTransport._start", "whoami", asm.New(4).Call("asyncio.unix_events", "_UnixSubprocessTransport._start", "whoami").Stop().Bytes()},
		{"OBJ+POP smtplib", "PKL001", "smtplib.SMTP", "127.0.0.1", asm.New(4).Mark().StackGlobal("smtplib", "SMTP").Unicode("127.0.0.1").Obj().Pop().None().Stop().Bytes()},
		{"INST", "PKL001", "os.system", "id", asm.New(0).Mark().String("id").Inst("os", "system").Stop().Bytes()},
		{"NEWOBJ", "PKL001", "subprocess.Popen", "id", asm.New(2).Global("subprocess", "Popen").BinUnicode("id").Tuple1().NewObj().Stop().Bytes()},
		{"NEWOBJ_EX", "PKL001", "subprocess.Popen", "id", asm.New(4).StackGlobal("subprocess", "Popen").Unicode("id").Tuple1().EmptyDict().NewObjEx().Stop().Bytes()},
		{"EXT1", "PKL006", "", "", asm.New(2).Ext1(1).Unicode("id").Tuple1().Reduce().Stop().Bytes()},
		{"EXT2", "PKL006", "", "", asm.New(2).Ext2(513).Stop().Bytes()},
		{"EXT4", "PKL006", "", "", asm.New(2).Ext4(1 << 20).Stop().Bytes()},
		{"frame over-read", "PKL009", "", "", asm.New(5).Frame(2).BinBytes(asm.New(-1).Call("os", "system", "id").Bytes()).Stop().Bytes()},
		{"frame in frame", "PKL009", "", "", asm.New(4).Frame(20).None().Frame(2).Pop().None().Stop().Bytes()},
		{"unknown call", "PKL004", "mypkg.evil.run", "x", asm.New(4).Call("mypkg.evil", "run", "x").Stop().Bytes()},
		{"unknown import", "PKL003", "mypkg.models.Thing", "", asm.New(4).StackGlobal("mypkg.models", "Thing").Stop().Bytes()},
		{"second stream", "PKL001", "os.system", "id", append(asm.New(2).Int(1).Stop().Bytes(), asm.New(2).Call("os", "system", "id").Stop().Bytes()...)},
		{"junk between streams", "PKL001", "os.system", "id", append(append(asm.New(2).Int(1).Stop().Bytes(), "junk\x00\xff"...), asm.New(2).Call("os", "system", "id").Stop().Bytes()...)},
		{"junk reported", "PKL011", "", "", append(append(asm.New(2).Int(1).Stop().Bytes(), "junk\x00\xff"...), asm.New(2).Call("os", "system", "id").Stop().Bytes()...)},
		{"trailing data", "PKL011", "", "", append(asm.New(2).Int(1).Stop().Bytes(), "trailing words"...)},
		{"pip.main CVE-2025-1716", "PKL001", "pip.main", "install", asm.New(2).Global("pip", "main").Mark().Unicode("install").Unicode("evil").List().Tuple1().Reduce().Stop().Bytes()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := scanPickleBytes(t, "model.pkl", c.b)
			f := findRule(rep, c.rule, c.callable)
			if f == nil {
				t.Fatalf("no %s %s; got:%s", c.rule, c.callable, dump(rep))
			}
			if c.arg != "" && f.Argument != c.arg {
				t.Errorf("argument %q, want %q", f.Argument, c.arg)
			}
			if (c.rule == "PKL001" || c.rule == "PKL002") && f.Severity < SeverityHigh {
				t.Errorf("severity %s", f.Severity)
			}
			if f.Offset < 0 || f.Offset >= int64(len(c.b)) {
				t.Errorf("offset %d out of the file", f.Offset)
			}
		})
	}
}

// Every §5.3 gadget produces PKL001 at high or critical.
func TestPickleGadgets(t *testing.T) {
	gadgets := []string{
		"timeit.timeit", "cProfile.run", "cProfile.runctx", "profile.run", "profile.runctx", "trace.Trace.run", "trace.Trace.runctx",
		"bdb.Bdb.run", "pdb.run", "code.InteractiveInterpreter.runcode", "doctest.debug_script",
		"lib2to3.pgen2.grammar.Grammar.loads", "lib2to3.pgen2.pgen.ParserGenerator.make_label",
		"idlelib.pyshell.ModifiedInterpreter.runcode", "idlelib.pyshell.ModifiedInterpreter.runcommand",
		"idlelib.autocomplete.AutoComplete.get_entity", "idlelib.calltip.Calltip.fetch_tip", "idlelib.debugobj.ObjectTreeItem.SetText", "idlelib.run.Executive.runcode",
		"ensurepip._run_pip", "pip.main", "venv.create", "distutils.file_util.write_file", "logging.FileHandler", "_io.FileIO",
		"urllib.request.urlopen", "ssl.get_server_certificate", "http.client.HTTPSConnection", "socket.create_connection",
		"smtplib.SMTP", "imaplib.IMAP4_stream", "uuid._get_command_stdout", "_osx_support._find_build_tool",
		"_aix_support._read_cmd_output", "_pyrepl.pager.pipe_pager", "test.support.script_helper.assert_python_ok",
		"mailcap.findmatch", "asyncio.unix_events._UnixSubprocessTransport._start", "multiprocessing.util.spawnv_passfds",
		"ctypes.CDLL", "types.CodeType", "cloudpickle.cloudpickle._make_function", "cloudpickle.cloudpickle._builtin_type",
		"_interpreters.create", "_xxsubinterpreters.create", "linecache.getline", "difflib.restore", "gc.get_objects",
		"platform.popen", "inspect.getsource", "numpy.testing._private.utils.runstring", "numpy.f2py.crackfortran.getlincoef",
		"torch.utils.bottleneck.__main__.run_cprofile", "torch.utils.bottleneck.__main__.run_autograd_prof",
		"torch._dynamo.guards.GuardBuilder.get", "torch.fx.experimental.symbolic_shapes.ShapeEnv.evaluate_guards_expression",
		"torch.utils.collect_env.run", "torch.utils.collect_env.run_and_read_all", "torch.jit.unsupported_tensor_ops.execWrapper",
		"torch._inductor.codecache.compile_file", "torch.serialization.load", "torch.hub.load", "torch.hub.load_state_dict_from_url",
		"mlflow.projects.backend.local._run_entry_point", "pandas.io.parsers.readers.read_csv",
		"transformers.models.auto.auto_factory.getattribute_from_module", "runpy._run_code", "os.system", "subprocess.check_output",
		"builtins.exec", "builtins.eval", "builtins.compile", "builtins.open", "marshal.loads", "shutil.rmtree",
	}
	for _, g := range gadgets {
		// Split at the module boundary the way a pickle names it: the
		// longest known denied module prefix, else the first component.
		mod, name := splitGadget(g)
		b := asm.New(4).StackGlobal(mod, name).Unicode("x").Tuple1().Reduce().Stop().Bytes()
		rep := scanPickleBytes(t, "g.pkl", b)
		f := findRule(rep, "PKL001", g)
		if f == nil {
			f = findRule(rep, "PKL005", g)
		}
		if f == nil || f.Severity < SeverityHigh {
			t.Errorf("%s (%s + %s): no PKL001 at high or above;%s", g, mod, name, dump(rep))
		}
	}
}

func splitGadget(g string) (string, string) {
	parts := strings.Split(g, ".")
	// Modules are lowercase in these names; classes and functions follow.
	k := 1
	for k < len(parts)-1 && !strings.ContainsAny(parts[k][:1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && !isFuncHint(parts[k+1:]) {
		k++
	}
	return strings.Join(parts[:k], "."), strings.Join(parts[k:], ".")
}

func isFuncHint(rest []string) bool { return len(rest) == 0 }

func TestPickleNestedLoads(t *testing.T) {
	inner := asm.New(2).Call("os", "system", "echo nested").Stop().Bytes()
	b := asm.New(4).Global("pickle", "loads").BinBytes(inner).Tuple1().Reduce().Stop().Bytes()
	rep := scanPickleBytes(t, "n.pkl", b)
	if findRule(rep, "PKL005", "pickle.loads") == nil {
		t.Fatalf("no PKL005:%s", dump(rep))
	}
	f := findRule(rep, "PKL001", "os.system")
	if f == nil || !strings.Contains(f.Member, "<nested pickle @") || f.Argument != "echo nested" {
		t.Fatalf("embedded payload not reported:%s", dump(rep))
	}
	// Nesting is bounded.
	deep := inner
	for i := 0; i < 8; i++ {
		deep = asm.New(4).Global("pickle", "loads").BinBytes(deep).Tuple1().Reduce().Stop().Bytes()
	}
	rep = scanPickleBytes(t, "deep.pkl", deep)
	if findRule(rep, "PKL010", "pickle.loads") == nil {
		t.Errorf("nesting limit not reported:%s", dump(rep))
	}
}

func TestPickleLayoutsEndToEnd(t *testing.T) {
	// Legacy torch with the payload in the 4th pickle, then computed magic.
	legacy := func(computed bool) []byte {
		var out []byte
		if computed {
			out = asm.New(2).Call("builtins", "eval", "0x1950a86a20f9469cfc6c").Stop().Bytes()
		} else {
			out = asm.New(2).Long1([]byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}).Stop().Bytes()
		}
		out = append(out, asm.New(2).Int(1001).Stop().Bytes()...)
		out = append(out, asm.New(2).EmptyDict().Stop().Bytes()...)
		out = append(out, asm.New(2).Call("os", "system", "id").Stop().Bytes()...)
		out = append(out, asm.New(2).EmptyList().Stop().Bytes()...)
		return out
	}
	rep := scanPickleBytes(t, "m.pt", legacy(false))
	if rep.Files[0].Format != FormatPyTorchLegacy || findRule(rep, "PKL001", "os.system") == nil || findRule(rep, "TORCH001", "") != nil {
		t.Errorf("legacy payload in 4th: format %s%s", rep.Files[0].Format, dump(rep))
	}
	rep = scanPickleBytes(t, "m.pt", legacy(true))
	if rep.Files[0].Format != FormatPyTorchLegacy || findRule(rep, "TORCH001", "") == nil || findRule(rep, "PKL001", "os.system") == nil {
		t.Errorf("computed magic: format %s%s", rep.Files[0].Format, dump(rep))
	}
	// pickle + ZIP polyglot: the pickle part is flagged.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("hello"))
	zw.Close()
	poly := append(asm.New(4).Call("os", "system", "id").Stop().Bytes(), zb.Bytes()...)
	rep = scanPickleBytes(t, "poly.pkl", poly)
	if findRule(rep, "PKL001", "os.system") == nil {
		t.Errorf("polyglot pickle part not flagged:%s", dump(rep))
	}
}

func TestPickleProtocol0Prober(t *testing.T) {
	// A protocol-0 pickle hidden in a .txt archive member or a .bin file.
	rep := scanPickleBytes(t, "data.txt", []byte("cos\nsystem\n(S'echo hi'\ntR."))
	if findRule(rep, "PKL001", "os.system") == nil {
		t.Errorf("protocol 0 pickle in data.txt missed:%s", dump(rep))
	}
	texts := map[string]string{
		"README.md":   "# Model\n\nA tiny BERT model fine-tuned for classification.\n\n## Usage\n\n```python\nfrom transformers import AutoModel\n```\n",
		"config.json": `{"architectures": ["BertForMaskedLM"], "hidden_size": 128, "num_attention_heads": 2}`,
		"params.yaml": "lr: 0.001\nepochs: 10\ncallbacks:\n  - early_stopping\n",
		"train.py":    "import os\nimport torch\n\ndef main():\n    print(os.getcwd())\n",
		"vocab.txt":   "[PAD]\n[unused0]\n[UNK]\n[CLS]\n[SEP]\nthe\nof\n",
		"notes":       "cat\ndog\n",
	}
	for name, s := range texts {
		rep := scanPickleBytes(t, name, []byte(s))
		for _, f := range rep.Findings {
			if strings.HasPrefix(f.RuleID, "PKL") {
				t.Errorf("%s mistaken for a pickle:%s", name, dump(rep))
				break
			}
		}
		if rep.Files[0].Format == FormatPickle {
			t.Errorf("%s sniffed as pickle", name)
		}
	}
}

// A lite blob (raw tensor bytes) that merely starts like a pickle is data.
func TestPickleLiteBlob(t *testing.T) {
	s, _ := New(Options{})
	fs := &fileScan{s: s, ctx: context.Background()}
	data := append([]byte{0x80, 0x02, 0x01, 0x02, 0x03}, bytes.Repeat([]byte{0xaa}, 100)...)
	b := &blob{file: "x.pt", member: "archive/data/0", r: bytes.NewReader(data), size: int64(len(data)), lite: true, format: FormatPickle}
	if err := scanPickle(fs, b); err != nil || len(fs.findings) != 0 || b.format != FormatUnknown {
		t.Errorf("lite blob: err %v findings %v format %s", err, fs.findings, b.format)
	}
	// The same bytes as a whole file are a pickle that does not parse.
	b = &blob{file: "x.pkl", r: bytes.NewReader(data), size: int64(len(data)), format: FormatPickle}
	if err := scanPickle(fs, b); err == nil {
		t.Error("non-lite unparsable pickle must fail closed")
	}
}

func TestPickleLimitsReported(t *testing.T) {
	s, _ := New(Options{Limits: func() Limits { l := DefaultLimits(); l.MaxPickleOps = 100; return l }()})
	p := filepath.Join(t.TempDir(), "big.pkl")
	b := asm.New(4).EmptyList()
	for i := 0; i < 200; i++ {
		b.None().AppendOp()
	}
	os.WriteFile(p, b.Stop().Bytes(), 0o644)
	rep, err := s.Scan(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if findRule(rep, "PKL010", "") == nil {
		t.Errorf("ops limit not reported:%s", dump(rep))
	}
}

// One finding per (callable, rule) per stream, at the first offset.
func TestPickleDedup(t *testing.T) {
	b := asm.New(4).Global("mypkg", "Tensor").BinPut(0)
	for i := 0; i < 10000; i++ {
		b.BinGet(0).EmptyTuple().Reduce().Pop()
	}
	rep := scanPickleBytes(t, "many.pkl", b.Stop().Bytes())
	n := 0
	for _, f := range rep.Findings {
		if f.Callable == "mypkg.Tensor" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d findings for one callable:%s", n, dump(rep))
	}
}
