package corpus

import (
	"encoding/binary"
	"fmt"
	"math"

	pa "github.com/mlsec/mlsec/internal/pickleasm"
)

// Rule sets a pickle sample may trigger. A call of a known-bad callable is
// PKL001; an allowlist miss on a call is PKL004; a dotted path through a
// module that re-exports dangerous names is PKL012; a deserialiser applied
// to embedded bytes is PKL005.
var (
	callRules     = []string{"PKL001", "PKL002", "PKL004", "PKL005", "PKL012"}
	resolverRules = []string{"PKL001", "PKL002", "PKL004", "PKL008", "PKL012"}
)

// Canonical payloads: os.system("echo hi") in protocols 4, 2 and 0.
var (
	// MaliciousP4 is what pickle.dumps writes for a __reduce__ returning
	// (os.system, ("echo hi",)) under protocol 4 (minus MEMOIZE).
	MaliciousP4 = pa.New(4).StackGlobal("posix", "system").Unicode("echo hi").Tuple1().Reduce().Stop().Bytes()
	// MaliciousP2 is the protocol-2 form.
	MaliciousP2 = []byte("\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03.")
	// MaliciousP0 is the protocol-0 form (no \x80 magic at all).
	MaliciousP0 = []byte("cposix\nsystem\n(S'echo hi'\ntR.")
)

// arg emits one constant argument: string, int, bool, nil, []byte, an
// empty map as {}, or a func(*pa.Asm) that pushes an arbitrary value.
func arg(a *pa.Asm, v any) {
	switch x := v.(type) {
	case string:
		a.Unicode(x)
	case int:
		a.Int(int64(x))
	case bool:
		a.Bool(x)
	case nil:
		a.None()
	case []byte:
		a.Bytes3(x)
	case map[string]string:
		a.EmptyDict()
		for k, val := range x {
			a.Unicode(k).Unicode(val).SetItem()
		}
	case []string:
		a.EmptyList()
		for _, s := range x {
			a.Unicode(s).AppendOp()
		}
	case func(*pa.Asm):
		x(a)
	default:
		panic(fmt.Sprintf("corpus: unsupported argument %T", v))
	}
}

// call pushes module.name(*args) (protocol-4 STACK_GLOBAL, so dotted names
// resolve as find_class does) without STOP.
func call(a *pa.Asm, module, name string, args ...any) *pa.Asm {
	a.StackGlobal(module, name).Mark()
	for _, v := range args {
		arg(a, v)
	}
	return a.Tuple().Reduce()
}

// reduceP4 is a whole protocol-4 pickle calling module.name(*args).
func reduceP4(module, name string, args ...any) []byte {
	return call(pa.New(4), module, name, args...).Stop().Bytes()
}

// nested returns a value-pushing argument: another call.
func nested(module, name string, args ...any) func(*pa.Asm) {
	return func(a *pa.Asm) { call(a, module, name, args...) }
}

// torchDataPkl is the data.pkl torch.save writes for {"weight": tensor(4)}:
// an OrderedDict of _rebuild_tensor_v2 calls on persistent storages.
func torchDataPkl() []byte {
	a := pa.New(2)
	a.Global("collections", "OrderedDict").BinPut(0).EmptyTuple().Reduce().BinPut(1)
	a.Mark().BinUnicode("weight").
		Global("torch._utils", "_rebuild_tensor_v2").BinPut(2).
		Mark().
		Mark().BinUnicode("storage").Global("torch", "FloatStorage").BinPut(3).BinUnicode("0").BinUnicode("cpu").Int(4).Tuple().BinPut(4).BinPersID().
		Int(0).Int(4).Tuple1().Int(1).Tuple1().Bool(false).
		Global("collections", "OrderedDict").EmptyTuple().Reduce().
		Tuple().Reduce().BinPut(5).
		SetItems()
	return a.Stop().Bytes()
}

// numpyArrayPkl is pickle.dumps(np.array([1., 2., 3.]), protocol=4).
func numpyArrayPkl() []byte {
	a := pa.New(4)
	a.StackGlobal("numpy.core.multiarray", "_reconstruct").Memoize().
		StackGlobal("numpy", "ndarray").Memoize().
		Int(0).Tuple1().Bytes3([]byte("b")).Tuple3().Reduce().Memoize().
		Mark().Int(1).Int(3).Tuple1().
		StackGlobal("numpy", "dtype").Unicode("f8").Bool(false).Bool(true).Tuple3().Reduce().
		Mark().Int(3).Unicode("<").None().None().None().Int(-1).Int(-1).Int(0).Tuple().Build().
		Bool(false).
		Bytes3(append(append(le64(1.0), le64(2.0)...), le64(3.0)...)).
		Tuple().Build().Stop()
	return a.Bytes()
}

func le64(f float64) []byte {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(f))
}

// legacyTorch builds the legacy (non-zip) torch.save layout: magic number,
// protocol version, sys_info, the object pickle, the storage keys, then the
// raw storage bytes.
func legacyTorch(magic, object []byte) []byte {
	proto := pa.New(2).Int(1001).Stop().Bytes()
	sys := pa.New(2).EmptyDict().Mark().
		Unicode("protocol_version").Int(1001).
		Unicode("little_endian").Bool(true).
		Unicode("type_sizes").EmptyDict().Mark().Unicode("short").Int(2).Unicode("int").Int(4).Unicode("long").Int(4).SetItems().
		SetItems().Stop().Bytes()
	keys := pa.New(2).EmptyList().Mark().Unicode("0").Appends().Stop().Bytes()
	out := append([]byte{}, magic...)
	out = append(out, proto...)
	out = append(out, sys...)
	out = append(out, object...)
	out = append(out, keys...)
	out = append(out, 4, 0, 0, 0, 0, 0, 0, 0) // storage "0": 4 elements
	return append(out, make([]byte, 16)...)
}

// legacyMagic is the literal magic number 0x1950a86a20f9469cfc6c as LONG1.
func legacyMagic() []byte {
	return pa.New(2).Long1([]byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}).Stop().Bytes()
}

// legacyObject is the object pickle of a benign legacy state dict.
func legacyObject() []byte {
	a := pa.New(2)
	a.Global("collections", "OrderedDict").EmptyTuple().Reduce().
		Mark().Unicode("weight").
		Global("torch._utils", "_rebuild_tensor_v2").
		Mark().
		Mark().Unicode("storage").Global("torch", "FloatStorage").Unicode("0").Unicode("cpu").Int(4).None().Tuple().BinPersID().
		Int(0).Int(4).Tuple1().Int(1).Tuple1().Bool(false).
		Global("collections", "OrderedDict").EmptyTuple().Reduce().
		Tuple().Reduce().SetItems()
	return a.Stop().Bytes()
}

// matrixPickles are the pickle rows of the survey's §9 matrix.
func matrixPickles() []Sample {
	benignDict := pa.New(4).EmptyDict().Memoize().Mark().
		Unicode("weights").EmptyList().Memoize().Mark().BinFloat(0.1).BinFloat(0.2).BinFloat(0.3).Appends().
		Unicode("name").Unicode("tiny").SetItems().Stop().Bytes()
	ordered := pa.New(4).StackGlobal("collections", "OrderedDict").EmptyTuple().Reduce().
		Mark().Unicode("a").Int(1).Unicode("b").BinFloat(2.5).SetItems().Stop().Bytes()
	brokenNullifAI := append(pa.New(2).Global("posix", "system").Unicode("echo hi").Tuple1().Reduce().Bytes(),
		'X', 0xff, 0xff) // BINUNICODE whose length runs past the end
	stackGlobalString := []byte("S'os'\nS'system'\n\x93S'echo hi'\n\x85R.")
	dotted := reduceP4("pathlib", "os.system", "echo hi")
	asyncio := reduceP4("asyncio.unix_events", "_UnixSubprocessTransport._start",
		map[string]string{}, "echo hi", true, nil, nil, nil, 0)
	importlib := pa.New(4)
	importlib.StackGlobal("builtins", "getattr").Mark()
	call(importlib, "importlib", "import_module", "os")
	importlib.Unicode("system").Tuple().Reduce().Unicode("echo hi").Tuple1().Reduce().Stop()
	pkgutil := pa.New(4)
	call(pkgutil, "pkgutil", "resolve_name", "os:system").Unicode("echo hi").Tuple1().Reduce().Stop()
	// modelscan #330: only numpy globals. BUILD plants numpy.__builtins__
	// as numpy.size.shape; numpy.size(numpy.size, "eval") returns
	// shape["eval"], i.e. eval, which is then called.
	np330 := pa.New(4)
	np330.StackGlobal("numpy", "size").None().EmptyDict().Unicode("shape").StackGlobal("numpy", "__builtins__").SetItem().Tuple2().Build().Pop()
	np330.StackGlobal("numpy", "size").StackGlobal("numpy", "size").Unicode("eval").Tuple2().Reduce().
		Unicode(`__import__("os").system("echo hi")`).Tuple1().Reduce().Stop()

	ref := "survey §9"
	return []Sample{
		ben("benign.pkl", "9", "dict of floats, protocol 4", benignDict),
		ben("benign_numpy.pkl", "9", "numpy ndarray, protocol 4", numpyArrayPkl()),
		ben("benign_ordereddict.pkl", "9", "collections.OrderedDict, protocol 4", ordered),
		ben("benign_torch_ref.pkl", "9", "torch._utils._rebuild_tensor_v2 state dict (data.pkl alone)", torchDataPkl()),
		mal("malicious.pkl", "9", "os.system via __reduce__, protocol 4", ref, MaliciousP4, "PKL001"),
		mal("malicious_p0.pkl", "9", "os.system via __reduce__, protocol 0", ref, MaliciousP0, "PKL001"),
		mal("broken_nullifai.pkl", "5.1", "nullifAI: payload then a stream broken before STOP", "ReversingLabs nullifAI (Feb 2025); picklescan efb2533", brokenNullifAI, "PKL001", "PKL007"),
		mal("stack_global_string.pkl", "5.2", "STACK_GLOBAL fed by STRING operands at op index 0", "GHSA-9gvj-pp9x-gcfr", stackGlobalString, "PKL001"),
		mal("dotted_attr.pkl", "5.2", "dotted name pathlib / os.system (protocol 4 find_class)", "fickling GHSA-5j3x-jp52-966f", dotted, "PKL001", "PKL012"),
		mal("submodule_asyncio.pkl", "5.2", "submodule of a denylisted package: asyncio.unix_events._UnixSubprocessTransport._start", "CVE-2025-10157, GHSA-f7qq-56ww-84cr", asyncio, "PKL001", "PKL012"),
		mal("importlib_import_module.pkl", "5.2", "resolver: getattr(importlib.import_module('os'), 'system')", "picklescan PR #74; modelscan #331", importlib.Bytes(), resolverRules...),
		mal("pkgutil_resolve_name.pkl", "5.2", "universal resolver pkgutil.resolve_name('os:system')", "GHSA-vvpj-8cmc-gx39", pkgutil.Bytes(), resolverRules...),
		mal("numpy_builtins_330.pkl", "5.2", "numpy-only globals; BUILD plants __builtins__, numpy.size returns eval", "modelscan #330", np330.Bytes(), "PKL001", "PKL002", "PKL004", "PKL008", "PKL012"),
	}
}
