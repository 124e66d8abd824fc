package scan

import (
	"strings"
	"testing"

	asm "github.com/mlsec/mlsec/internal/pickleasm"
)

// newobj rebuilds module.name the way protocol 2+ pickles restore an
// ordinary object: NEWOBJ with an empty tuple, then BUILD with a state.
func newobj(a *asm.Asm, module, name string) *asm.Asm {
	return a.StackGlobal(module, name).EmptyTuple().NewObj().EmptyDict().Unicode("k").Int(1).SetItem().Build()
}

// TestPickleGrading checks that severity follows what the loader does with
// a global (docs/rules.md#how-pickle-findings-are-graded): every case
// asserts the rule, the severity and the callable, or that nothing at low
// or above is reported.
func TestPickleGrading(t *testing.T) {
	t.Parallel()
	type want struct {
		rule     string // "" means: no finding at low or above
		sev      Severity
		callable string
	}
	reconstructor := func(cls, base [2]string, state *asm.Asm) []byte {
		a := asm.New(2).Global("copyreg", "_reconstructor").Global(cls[0], cls[1]).Global(base[0], base[1])
		if state == nil {
			a.None()
		} else {
			a.Append(state)
		}
		return a.Tuple3().Reduce().Stop().Bytes()
	}
	cases := []struct {
		name string
		b    []byte
		want want
	}{
		// Rebuilt classes of mainstream libraries: nothing.
		{"torchvision class rebuilt", newobj(asm.New(4), "torchvision.models.resnet", "ResNet").Stop().Bytes(), want{}},
		{"sklearn private class rebuilt", newobj(asm.New(4), "sklearn.calibration", "_CalibratedClassifier").Stop().Bytes(), want{}},
		{"statsmodels results rebuilt", newobj(asm.New(4), "statsmodels.regression.linear_model", "RegressionResultsWrapper").Stop().Bytes(), want{}},
		{"gensim model rebuilt", newobj(asm.New(4), "gensim.models.word2vec", "Word2Vec").Stop().Bytes(), want{}},
		{"argparse.Namespace rebuilt", newobj(asm.New(2), "argparse", "Namespace").Stop().Bytes(), want{}},
		{"__future__ feature rebuilt", newobj(asm.New(2), "__future__", "_Feature").Stop().Bytes(), want{}},
		{"statsmodels Cython filter called", asm.New(4).Call("statsmodels.tsa.statespace._kalman_filter", "dKalmanFilter", "x").Stop().Bytes(), want{}},
		// References only.
		{"torch quantized dtype", asm.New(4).StackGlobal("torch", "qint8").Stop().Bytes(), want{}},
		{"numpy ufunc in FunctionTransformer", asm.New(4).StackGlobal("numpy.core._multiarray_umath", "log1p").Stop().Bytes(), want{}},
		{"builtins.len", asm.New(4).StackGlobal("builtins", "len").Stop().Bytes(), want{}},
		{"collections.abc", asm.New(4).StackGlobal("collections.abc", "Mapping").Stop().Bytes(), want{}},
		{"Python 2 _abcoll", asm.New(2).Global("_abcoll", "Sequence").Stop().Bytes(), want{}},
		{"xrange called (protocol 2)", asm.New(2).Global("__builtin__", "xrange").Int(0).Int(3).Int(1).Tuple3().Reduce().Stop().Bytes(), want{}},
		{"unknown function referenced", asm.New(4).StackGlobal("mypkg.transforms", "scale").Stop().Bytes(), want{"PKL003", SeverityLow, "mypkg.transforms.scale"}},
		// Rebuilt classes outside the rebuild list: low.
		{"own model class rebuilt", newobj(asm.New(2), "__main__", "Net").Stop().Bytes(), want{"PKL013", SeverityLow, "__main__.Net"}},
		{"copyreg._reconstructor records cls", reconstructor([2]string{"mypkg.models", "Net"}, [2]string{"builtins", "object"}, nil), want{"PKL013", SeverityLow, "mypkg.models.Net"}},
		// Calls with arguments need an exact allowlist entry.
		{"torchvision dataset called", asm.New(4).StackGlobal("torchvision.datasets", "MNIST").Unicode("/tmp").Tuple1().Reduce().Stop().Bytes(), want{"PKL004", SeverityHigh, "torchvision.datasets.MNIST"}},
		{"reconstructor base is called", reconstructor([2]string{"mypkg.models", "Net"}, [2]string{"os", "system"}, asm.New(-1).Unicode("id")), want{"PKL001", SeverityCritical, "os.system"}},
		{"_rebuild_from_type_v2 calls its function", asm.New(4).StackGlobal("torch._tensor", "_rebuild_from_type_v2").
			Mark().StackGlobal("torchvision.datasets.utils", "download_url").StackGlobal("torch", "Tensor").
			Unicode("http://evil.example/x").Unicode("/tmp").Tuple2().EmptyDict().Tuple().Reduce().Stop().Bytes(),
			want{"PKL004", SeverityHigh, "torchvision.datasets.utils.download_url"}},
		{"unknown class created with __new__ args", asm.New(2).Global("mypkg.native", "Buffer").Int(-1).Int(4096).Tuple2().NewObj().Stop().Bytes(), want{"PKL004", SeverityHigh, "mypkg.native.Buffer"}},
		// functools.partial binds; calling the partial calls what it wraps.
		{"partial of a torch layer (ViT)", asm.New(2).Global("functools", "partial").Global("torch.nn.modules.normalization", "LayerNorm").Tuple1().Reduce().
			Mark().Global("torch.nn.modules.normalization", "LayerNorm").EmptyTuple().EmptyDict().Unicode("eps").BinFloat(1e-6).SetItem().None().Tuple().
			Build().Stop().Bytes(), want{}},
		{"partial of os.system", asm.New(2).Global("functools", "partial").Global("os", "system").Unicode("id").Tuple2().Reduce().Stop().Bytes(), want{"PKL001", SeverityCritical, "os.system"}},
		{"partial called at load", asm.New(2).Global("functools", "partial").Global("mypkg.tasks", "run").Unicode("x").Tuple2().Reduce().EmptyTuple().Reduce().Stop().Bytes(), want{"PKL004", SeverityHigh, "mypkg.tasks.run"}},
		{"call of a call result", asm.New(2).Global("collections", "OrderedDict").EmptyTuple().Reduce().EmptyTuple().Reduce().Stop().Bytes(), want{"PKL004", SeverityHigh, ""}},
		// Iterating an object runs its own code; the pickler never does it.
		{"list() of a rebuilt object", newobj(asm.New(2).Global("builtins", "list"), "torchvision.datasets.folder", "ImageFolder").Tuple1().Reduce().Stop().Bytes(),
			want{"PKL004", SeverityHigh, "builtins.list"}},
		{"set() of a list is fine", asm.New(2).Global("builtins", "set").EmptyList().Unicode("a").AppendOp().Tuple1().Reduce().Stop().Bytes(), want{}},
		{"DataLoader rebuilt", newobj(asm.New(2), "torch.utils.data.dataloader", "DataLoader").Stop().Bytes(), want{"PKL001", SeverityHigh, "torch.utils.data.dataloader.DataLoader"}},
		// Issue 11 survivors.
		{"most severe deny entry wins", asm.New(4).Call("glob", "os.system", "id").Stop().Bytes(), want{"PKL001", SeverityCritical, "glob.os.system"}},
		{"tempfile._os.system is os.system", asm.New(4).Call("tempfile", "_os.system", "id").Stop().Bytes(), want{"PKL001", SeverityCritical, "tempfile._os.system"}},
		{"__builtins__ as first attribute", asm.New(4).StackGlobal("numpy", "__builtins__.eval").Unicode("1").Tuple1().Reduce().Stop().Bytes(), want{"PKL001", SeverityCritical, "numpy.__builtins__.eval"}},
		{"__class__ as first attribute", asm.New(4).StackGlobal("torch", "__class__").Stop().Bytes(), want{"PKL002", SeverityCritical, "torch.__class__"}},
		{"GLOBAL names not identifiers", []byte("cos\nsys tem\n(S'id'\ntR."), want{"PKL008", SeverityHigh, "os.sys tem"}},
		{"INST names not identifiers", []byte("(S'id'\nios\nsystem()\n."), want{"PKL008", SeverityHigh, "os.system()"}},
		{"STACK_GLOBAL names not identifiers", asm.New(4).StackGlobal("os", "sys-tem").Stop().Bytes(), want{"PKL008", SeverityHigh, "os.sys-tem"}},
		{"package __main__ denied", asm.New(4).StackGlobal("ensurepip.__main__", "x").Stop().Bytes(), want{"PKL002", SeverityCritical, "ensurepip.__main__.x"}},
		// Legacy torch.save writes module classes as persistent ids.
		{"legacy torch module class", asm.New(2).Mark().Unicode("module").Global("mypkg.models", "Net").Unicode("net.py").Unicode("class Net: ...").Tuple().BinPersID().
			EmptyTuple().NewObj().Stop().Bytes(), want{"PKL013", SeverityLow, "mypkg.models.Net"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep := scanPickleBytes(t, "model.pkl", c.b)
			var got []Finding
			for _, f := range rep.Findings {
				if f.Severity >= SeverityLow {
					got = append(got, f)
				}
			}
			if c.want.rule == "" {
				if len(got) > 0 {
					t.Fatalf("want no finding at low or above, got:%s", dump(rep))
				}
				if rep.Files[0].Status != StatusScanned {
					t.Fatalf("status %s: %s", rep.Files[0].Status, rep.Files[0].Reason)
				}
				return
			}
			f := findRule(rep, c.want.rule, c.want.callable)
			if f == nil {
				t.Fatalf("no %s %q; got:%s", c.want.rule, c.want.callable, dump(rep))
			}
			if f.Severity != c.want.sev {
				t.Errorf("%s severity %s, want %s", f.RuleID, f.Severity, c.want.sev)
			}
			if c.want.sev < SeverityMedium {
				for _, g := range got {
					if g.Severity >= SeverityMedium {
						t.Errorf("a low-graded case also reported %s %s: %s", g.RuleID, g.Severity, g.Message)
					}
				}
			}
		})
	}
}

// TestPickleDynamicCallMessage: calling a value the stream made is named
// as such.
func TestPickleDynamicCallMessage(t *testing.T) {
	t.Parallel()
	b := asm.New(2).Global("collections", "OrderedDict").EmptyTuple().Reduce().EmptyTuple().Reduce().Stop().Bytes()
	rep := scanPickleBytes(t, "m.pkl", b)
	f := findRule(rep, "PKL004", "")
	if f == nil || !strings.Contains(f.Message, "a value made by the stream") {
		t.Fatalf("dynamic call: %s", dump(rep))
	}
}
