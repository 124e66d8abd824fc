package corpus

import (
	"encoding/binary"
	"strings"

	"github.com/mlsec/mlsec/internal/pbtest"
)

// pb builds protobuf wire bytes field by field (see internal/pbtest).
type pb = pbtest.Msg

func hfSamples() []Sample {
	bert := func(extra obj) []byte {
		c := obj{"architectures": []any{"BertModel"}, "model_type": "bert", "hidden_size": 32,
			"num_attention_heads": 2, "num_hidden_layers": 2, "vocab_size": 55, "transformers_version": "4.38.2"}
		for k, v := range extra {
			c[k] = v
		}
		return mustJSON(c)
	}
	return []Sample{
		mal("hf/auto_map_local/config.json", "5.6", "config.json auto_map to a Python file in the repo", "survey §5.6",
			bert(obj{"auto_map": obj{"AutoConfig": "configuration_x.XConfig", "AutoModel": "modeling_x.XModel"}}), "HF001", "HF002"),
		mal("hf/auto_map_remote/config.json", "5.6", "config.json auto_map into another repository (repo--module.Class)", "CVE-2025-66448",
			bert(obj{"auto_map": obj{"AutoModel": "attacker/evil-repo--modeling_x.XModel"}}), "HF002"),
		mal("hf/tokenizer_auto_map/tokenizer_config.json", "5.6", "tokenizer_config.json auto_map to custom tokenizer code", "survey §5.6",
			mustJSON(obj{"tokenizer_class": "XTokenizer", "auto_map": obj{"AutoTokenizer": []any{"tokenization_x.XTokenizer", nil}}}), "HF001", "HF002"),
		mal("hf/processor_auto_map/preprocessor_config.json", "5.6", "preprocessor_config.json auto_map across repositories", "survey §5.6",
			mustJSON(obj{"processor_class": "XProcessor", "auto_map": obj{"AutoProcessor": "attacker/evil-repo--processing_x.XProcessor"}}), "HF002", "HF001"),
		mal("hf/trust_remote_code/config.json", "5.6", "nested trust_remote_code: true splatted into AutoConfig", "SpanMarker PR #87",
			mustJSON(obj{"model_type": "span-marker", "encoder": obj{"_name_or_path": "attacker/encoder", "trust_remote_code": true}}), "HF003"),
		mal("hf/python_file/modeling_x.py", "5.6", "Python source shipped in the repo (imported with trust_remote_code)", "survey §5.6",
			[]byte("import os\n\nfrom transformers import PreTrainedModel\n\n\nclass XModel(PreTrainedModel):\n    def __init__(self, config):\n        super().__init__(config)\n        os.system(\"echo hi\")\n"), "HF004"),
		mal("hf/hydra_target/model_config.yaml", "5.6", "NeMo/Hydra _target_ naming an arbitrary callable", "CVE-2025-23304",
			[]byte("name: evil\nmodel:\n  encoder:\n    _target_: subprocess.Popen\n    args: [\"echo\", \"hi\"]\n"), "HF005"),
		mal("hf/hydra_target_json/config.json", "5.6", "Hydra _target_ in a JSON config", "CVE-2025-23304",
			mustJSON(obj{"model": obj{"_target_": "os.system", "command": "echo hi"}}), "HF005"),
		mal("hf/mlflow_loader/MLmodel", "5.6", "MLflow python_function flavor with a custom loader_module", "survey §2 (MLflow)",
			[]byte("artifact_path: model\nflavors:\n  python_function:\n    loader_module: evil_loader\n    python_version: 3.11.2\n    env:\n      conda: conda.yaml\nmlflow_version: 2.9.2\nmodel_uuid: 0123456789abcdef0123456789abcdef\n"), "MLF001"),
	}
}

// ONNX (onnx.proto): ModelProto, GraphProto, NodeProto, TensorProto.
func onnxNode(op, domain, name string) pb {
	n := pb{}.S(1, "x").S(2, name+"_out").S(3, name).S(4, op)
	if domain != "" {
		n = n.S(7, domain)
	}
	return n
}

func onnxModel(nodes []pb, inits []pb, opsets ...[2]any) []byte {
	g := pb{}
	for _, n := range nodes {
		g = g.M(1, n)
	}
	g = g.S(2, "corpus")
	for _, t := range inits {
		g = g.M(5, t)
	}
	g = g.M(11, pb{}.S(1, "x"))
	m := pb{}.V(1, 8).S(2, "mlsec-corpus").S(3, "1").M(7, g)
	if len(opsets) == 0 {
		opsets = [][2]any{{"", 17}}
	}
	for _, o := range opsets {
		m = m.M(8, pb{}.S(1, o[0].(string)).V(2, uint64(o[1].(int))))
	}
	return m
}

func onnxExternal(name, loc string) pb {
	return pb{}.V(1, 4).V(2, 1).S(8, name).
		M(13, pb{}.S(1, "location").S(2, loc)).
		M(13, pb{}.S(1, "offset").S(2, "0")).
		M(13, pb{}.S(1, "length").S(2, "16")).
		V(14, 1)
}

func onnxRaw(name string) pb { return pb{}.V(1, 4).V(2, 1).S(8, name).S(9, string(make([]byte, 16))) }

// TensorFlow SavedModel (saved_model.proto, meta_graph.proto, graph.proto).
func tfNode(name, op string, inputs ...string) pb {
	n := pb{}.S(1, name).S(2, op)
	for _, in := range inputs {
		n = n.S(3, in)
	}
	return n.S(4, "/device:CPU:0")
}

func savedModelOf(nodes ...pb) []byte {
	g := pb{}
	for _, n := range nodes {
		g = g.M(1, n)
	}
	g = g.M(4, pb{}.V(1, 1205).V(2, 12))
	mg := pb{}.M(1, pb{}.S(4, "serve").S(5, "2.15.0")).M(2, g).
		M(5, pb{}.S(1, "serving_default").M(2, pb{}.S(3, "tensorflow/serving/predict")))
	return pb{}.V(1, 1).M(2, mg)
}

func safetensorsOf(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

func otherFormatSamples() []Sample {
	base := []pb{onnxNode("Gemm", "", "fc"), onnxNode("Relu", "", "relu")}
	tfBase := []pb{tfNode("x", "Placeholder"), tfNode("w", "Const"), tfNode("MatMul", "MatMul", "x", "w")}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	return []Sample{
		mal("onnx/external_traversal.onnx", "5.7", "external_data location ../../../etc/passwd", "CVE-2022-25882",
			onnxModel(base, []pb{onnxExternal("W", "../../../etc/passwd")}), "ONNX001"),
		mal("onnx/external_absolute.onnx", "5.7", "external_data location is an absolute path", "CVE-2022-25882",
			onnxModel(base, []pb{onnxExternal("W", "/etc/passwd")}), "ONNX001"),
		mal("onnx/external_nested_segment.onnx", "5.7", "external_data location escapes through a nested segment (sub/../../x)", "CVE-2024-27318",
			onnxModel(base, []pb{onnxExternal("W", "weights/../../secret.bin")}), "ONNX001"),
		mal("onnx/custom_domain.onnx", "5.7", "operator from a custom domain (needs a native custom-op library)", "survey §5.7",
			onnxModel(append(base, onnxNode("EvilOp", "com.attacker", "evil")), []pb{onnxRaw("W")}, [2]any{"", 17}, [2]any{"com.attacker", 1}), "ONNX002"),
		mal("savedmodel/readfile/saved_model.pb", "5.7", "SavedModel graph with a ReadFile op", "modelscan TF scanner; survey §5.7",
			savedModelOf(append(tfBase, tfNode("path", "Const"), tfNode("ReadFile", "ReadFile", "path"))...), "TF001"),
		mal("savedmodel/writefile/saved_model.pb", "5.7", "SavedModel graph with a WriteFile op (tf.io.write_file)", "modelscan tensorflow_codeinjection.py",
			savedModelOf(append(tfBase, tfNode("path", "Const"), tfNode("WriteFile", "WriteFile", "path", "MatMul"))...), "TF001"),
		mal("savedmodel/pyfunc/saved_model.pb", "5.7", "SavedModel graph with a PyFunc op", "ModelAudit SUSPICIOUS_OPS",
			savedModelOf(append(tfBase, tfNode("PyFunc", "PyFunc", "MatMul"))...), "TF002"),
		mal("savedmodel/eagerpyfunc/saved_model.pb", "5.7", "SavedModel graph with an EagerPyFunc op", "ModelAudit SUSPICIOUS_OPS",
			savedModelOf(append(tfBase, tfNode("EagerPyFunc", "EagerPyFunc", "MatMul"))...), "TF002"),
		mal("safetensors/header_len_huge.safetensors", "5.7", "header length near 2^64", "survey §5.7 (safetensors)",
			append(binary.LittleEndian.AppendUint64(nil, 0xfffffffffffffff0), `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`...), "ST001", "FMT001"),
		mal("safetensors/header_not_json.safetensors", "5.7", "header is not valid JSON", "survey §5.7 (safetensors)",
			safetensorsOf(`{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]`, make([]byte, 4)), "ST001"),
		mal("safetensors/deep_json.safetensors", "5.7", "header is 100,000-deep nested JSON", "survey §5.7 (safetensors)",
			safetensorsOf(`{"a":`+deep+`}`, nil), "ST001"),
		mal("safetensors/overlap.safetensors", "5.7", "two tensors share bytes (overlapping data_offsets)", "survey §5.7 (safetensors)",
			safetensorsOf(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)), "ST002"),
		mal("safetensors/gap.safetensors", "5.7", "data_offsets leave uncovered bytes (hidden data)", "survey §5.7 (safetensors)",
			safetensorsOf(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[64,68]}}`, make([]byte, 68)), "ST002"),
		mal("safetensors/out_of_bounds.safetensors", "5.7", "data_offsets point past the end of the file", "survey §5.7 (safetensors)",
			safetensorsOf(`{"a":{"dtype":"F32","shape":[1024],"data_offsets":[0,4096]}}`, make([]byte, 16)), "ST002"),
		mal("safetensors/shape_mismatch.safetensors", "5.7", "dtype x shape disagrees with data_offsets", "survey §5.7 (safetensors)",
			safetensorsOf(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}`, make([]byte, 8)), "ST002", "ST001"),
	}
}

// benignSamples are clean counterparts for the non-pickle formats, built
// the way the real writers lay them out.
func benignSamples() []Sample {
	return []Sample{
		ben("benign/legacy_state_dict.pt", "9", "legacy stacked torch.save of a state dict", legacyTorch(legacyMagic(), legacyObject())),
		ben("benign/random_forest_zlib.joblib", "9", "zlib-compressed benign pickle", zlibOf(numpyArrayPkl())),
		ben("benign/state_dict_xz.joblib", "9", "xz-compressed benign pickle", xzOf(torchDataPkl())),
		ben("benign/multi_stream.pkl", "9", "two benign pickles back to back", append(pa4benign(), pa4benign()...)),
		ben("benign/dense.keras", "5.4", "Keras 3 Functional Input+Dense", kerasZip(functional(inputLayer(), dense("dense")))),
		ben("benign/chatml/tokenizer_config.json", "5.5", "ChatML chat_template", tokenizerConfig(chatMLTemplate)),
		ben("benign/mistral/tokenizer_config.json", "5.5", "Mistral chat_template with raise_exception", tokenizerConfig(mistralTemplate)),
		ben("benign/llama3.gguf", "5.5", "GGUF with a Llama-3 chat_template", ggufWithTemplate(llama3Template)),
		ben("benign/bert/config.json", "5.6", "plain BertConfig", mustJSON(obj{"architectures": []any{"BertModel"}, "model_type": "bert", "hidden_size": 32})),
		ben("benign/mlp.onnx", "5.7", "ONNX Gemm+Relu with an ai.onnx.ml classifier", onnxModel(
			[]pb{onnxNode("Gemm", "", "fc"), onnxNode("Relu", "", "relu"), onnxNode("LinearClassifier", "ai.onnx.ml", "clf")},
			[]pb{onnxRaw("W")}, [2]any{"", 17}, [2]any{"ai.onnx.ml", 3})),
		ben("benign/onnx_external/model.onnx", "5.7", "ONNX with external data beside the model", onnxModel(
			[]pb{onnxNode("Gemm", "", "fc")}, []pb{onnxExternal("W", "weights.bin")})),
		ben("benign/onnx_external/weights.bin", "5.7", "external tensor data (raw floats)", make([]byte, 16)),
		ben("benign/savedmodel/saved_model.pb", "5.7", "SavedModel with only math ops", savedModelOf(
			tfNode("x", "Placeholder"), tfNode("w", "VarHandleOp"), tfNode("r", "ReadVariableOp", "w"),
			tfNode("MatMul", "MatMul", "x", "r"), tfNode("Relu", "Relu", "MatMul"), tfNode("Identity", "Identity", "Relu"))),
		ben("benign/model.safetensors", "5.7", "two contiguous F32 tensors with string metadata", safetensorsOf(
			`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}`,
			make([]byte, 16))),
		ben("benign/npy_float.npz", "5.1", "npz with a float64 array", zipOf(zent{name: "arr_0.npy", data: npyFloat()})),
		ben("benign/model.tar.gz", "5.1", "tar.gz of a benign pickle and a config", gzipOf(tarOf(
			tent{name: "model/model.pkl", data: numpyArrayPkl()}, tent{name: "model/config.json", data: []byte(`{"a": 1}`)}))),
	}
}

func npyFloat() []byte {
	hdr := "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	out := []byte("\x93NUMPY\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(len(hdr)))
	out = append(out, hdr...)
	return append(out, make([]byte, 16)...)
}
