package corpus

import (
	pa "github.com/mlsec/mlsec/internal/pickleasm"
)

// probeSamples are harder variants of the survey techniques that no
// anchor scanner's regression corpus holds: operand encodings that only a
// faithful decoder resolves, payloads in the less-read pickles of a legacy
// file, and archive layouts where loaders and scanners pick different
// members.
func probeSamples() []Sample {
	var out []Sample
	add := func(sec, file, technique, ref string, data []byte, rules ...string) {
		out = append(out, mal("probe/"+file, sec, technique, ref, data, rules...))
	}
	// Protocol 1: binary opcodes but no PROTO, so no \x80 magic.
	p1 := []byte("cposix\nsystem\nq\x00(X\x07\x00\x00\x00echo hiq\x01tq\x02Rq\x03.")
	add("5.1", "hidden_member_p1.zip", "protocol-1 pickle (binary opcodes, no \\x80) in a member named data.txt",
		"CVE-2025-1889 residual", zipOf(zent{name: "data.txt", data: p1}), "PKL001")
	// UNICODE operands are raw-unicode-escape: \u0073 decodes to "s".
	add("5.2", "unicode_escape_operands.pkl", `STACK_GLOBAL operands spelt with raw-unicode-escape (V'o\u0073')`,
		"GHSA-9gvj-pp9x-gcfr variant", []byte("Vo\\u0073\nVsy\\u0073tem\n\x93Vecho hi\n\x85R."), "PKL001")
	// STRING operands are escape-decoded: \x6f is "o".
	add("5.2", "string_escape_operands.pkl", `STACK_GLOBAL operands spelt with STRING escapes (S'\x6fs')`,
		"GHSA-9gvj-pp9x-gcfr variant", []byte("S'\\x6fs'\nS'sys\\x74em'\n\x93S'echo hi'\n\x85R."), "PKL001")
	// Legacy torch: every one of the five pickles is unpickled by torch.load.
	add("5.1", "legacy_payload_in_sys_info.pt", "legacy torch file with the payload in the sys_info (3rd) pickle",
		"survey §5.1 (legacy stacked)", legacyStack(legacyMagic(), pa.New(2).Int(1001).Stop().Bytes(), MaliciousP2, legacyObject(), legacyKeys()), "PKL001")
	add("5.1", "legacy_payload_in_keys.pt", "legacy torch file with the payload in the storage-keys (5th) pickle",
		"survey §5.1 (legacy stacked)", legacyStack(legacyMagic(), pa.New(2).Int(1001).Stop().Bytes(), legacySysInfo(), legacyObject(), MaliciousP2), "PKL001")
	// Torch ZIP: the payload in a member other than data.pkl.
	add("5.1", "extra_data_member.pt", "torch ZIP with the payload in archive/extra_data.pickle beside a benign data.pkl",
		"Hide-and-Seek (arXiv 2508.19774) loading paths", zipOf(
			zent{name: "archive/data.pkl", data: torchDataPkl()},
			zent{name: "archive/extra_data.pickle", data: MaliciousP4},
			zent{name: "archive/data/0", data: make([]byte, 16)},
			zent{name: "archive/version", data: []byte("3\n")}), "PKL001")
	add("5.1", "deflated_data_pkl.pt", "torch ZIP whose data.pkl is deflated rather than stored",
		"survey §10.3", zipOf(zent{name: "archive/data.pkl", data: MaliciousP2, deflate: true}, zent{name: "archive/version", data: []byte("3\n")}), "PKL001")
	add("5.1", "duplicate_member.pt", "two central-directory entries named archive/data.pkl: benign first, malicious second",
		"ModelAudit #1546 (duplicate entries)", zipOf(
			zent{name: "archive/data.pkl", data: torchDataPkl()},
			zent{name: "archive/data.pkl", data: MaliciousP2},
			zent{name: "archive/version", data: []byte("3\n")}), "PKL001")
	// The reverse polyglot: a benign pickle, then a ZIP holding the payload
	// (torch.load reads the ZIP, pickle.load the benign prefix).
	prefix := pa4benign()
	rev := append(append([]byte{}, prefix...), zipAt(int64(len(prefix)),
		zent{name: "archive/data.pkl", data: MaliciousP2}, zent{name: "archive/version", data: []byte("3\n")})...)
	add("5.1", "polyglot_zip_payload.pt", "benign pickle at offset 0, appended torch ZIP carrying the payload",
		"survey §5.1 polyglot (reverse)", rev, "PKL001")
	return out
}

func legacySysInfo() []byte {
	return pa.New(2).EmptyDict().Mark().
		Unicode("protocol_version").Int(1001).Unicode("little_endian").Bool(true).
		SetItems().Stop().Bytes()
}

func legacyKeys() []byte { return pa.New(2).EmptyList().Mark().Unicode("0").Appends().Stop().Bytes() }

// legacyStack concatenates the five legacy pickles and one storage.
func legacyStack(magic, proto, sys, object, keys []byte) []byte {
	var out []byte
	for _, p := range [][]byte{magic, proto, sys, object, keys} {
		out = append(out, p...)
	}
	out = append(out, 4, 0, 0, 0, 0, 0, 0, 0)
	return append(out, make([]byte, 16)...)
}

// formatProbeSamples are harder variants for the non-pickle formats.
func formatProbeSamples() []Sample {
	var out []Sample
	add := func(sec, file, technique, ref string, data []byte, rules ...string) {
		out = append(out, mal("probe/"+file, sec, technique, ref, data, rules...))
	}
	tpl := []struct{ file, technique, tpl string }{
		{"tpl_join_list", "dunder name joined from a list with |join", `{% set c = ['_', '_', 'cla', 'ss', '_', '_']|join %}{{ ''|attr(c) }}`},
		{"tpl_dict_keys_join", "dunder name from dict keyword names joined (dict(__cl=1, ass__=1)|join)", `{% set c = dict(__cl=1, ass__=1)|join %}{{ ()|attr(c) }}`},
		{"tpl_unicode_escape", `\u005f unicode-escaped dunder names`, `{{ ''|attr('\u005f\u005fclass\u005f\u005f')|attr('\u005f\u005fbase\u005f\u005f') }}`},
		{"tpl_format_c", "dunder name built with '%c' formatting of code points", `{{ ''|attr('%c%c%s%c%c'|format(95, 95, 'class', 95, 95)) }}`},
	}
	for _, t := range tpl {
		add("5.5", t.file+"/tokenizer_config.json", "chat_template obfuscation: "+t.technique, "survey §5.5 (obfuscations)",
			tokenizerConfig(t.tpl), "TPL001", "TPL002")
	}
	add("5.5", "named_template.gguf", "SSTI in a named GGUF template (tokenizer.chat_template.tool_use)", "llama.cpp named chat templates",
		ggufOf([2]string{"general.architecture", "llama"}, [2]string{"tokenizer.chat_template", llama3Template},
			[2]string{"tokenizer.chat_template.tool_use", cve34359}), "TPL001")
	add("5.5", "template_list/tokenizer_config.json", "SSTI in a list of named chat templates in tokenizer_config.json", "transformers multiple chat templates",
		mustJSON(obj{"tokenizer_class": "LlamaTokenizer", "chat_template": []any{
			obj{"name": "default", "template": chatMLTemplate}, obj{"name": "tool_use", "template": cve34359}}}), "TPL001")
	add("5.6", "custom_pipelines/config.json", "config.json custom_pipelines pointing at a repo Python file", "transformers custom_pipelines (trust_remote_code)",
		mustJSON(obj{"model_type": "bert", "custom_pipelines": obj{"x-task": obj{"impl": "pipeline_x.XPipeline", "pt": []any{"AutoModel"}}}}), "HF001", "HF002")
	add("5.7", "external_backslash.onnx", `external_data location escaping with Windows separators (..\..\secret.bin)`, "CVE-2024-27318 variant",
		onnxModel([]pb{onnxNode("Gemm", "", "fc")}, []pb{onnxExternal("W", `..\..\secret.bin`)}), "ONNX001")
	// An If node whose then_branch subgraph holds the escaping initializer.
	sub := pb{}.M(1, onnxNode("Identity", "", "id")).S(2, "then").M(5, onnxExternal("W", "../../../etc/passwd"))
	ifNode := onnxNode("If", "", "if").M(5, pb{}.S(1, "then_branch").M(6, sub).V(20, 5))
	add("5.7", "external_in_subgraph.onnx", "external_data traversal inside an If node's subgraph", "survey §5.7",
		onnxModel([]pb{ifNode}, nil), "ONNX001")
	// PyFunc inside the function library rather than the top-level graph.
	lib := pb{}.M(1, tfFunc("__inference_call_50", tfNode("MatMul", "MatMul"), tfNode("PyFunc", "PyFunc")))
	g := pb{}.M(1, tfNode("x", "Placeholder")).M(1, tfCall("StatefulPartitionedCall", "__inference_call_50")).M(2, lib).M(4, pb{}.V(1, 1205))
	sm := pb{}.V(1, 1).M(2, pb{}.M(1, pb{}.S(4, "serve")).M(2, g))
	add("5.7", "pyfunc_in_function/saved_model.pb", "PyFunc inside a tf.function (function library), not the top-level graph", "modelscan tensorflow_codeinjection.py",
		sm, "TF002")
	add("5.7", "duplicate_key.safetensors", "header JSON names the same tensor twice with different offsets", "survey §5.7 (safetensors)",
		safetensorsOf(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), "ST001", "ST002")
	// Pickle: dotted split points through modules that re-export os.
	add("5.2", "dotted_shutil_os.pkl", "dotted name shutil / os.system", "fickling pickle_scanning_benchmark split points",
		reduceP4("shutil", "os.system", "echo hi"), "PKL001", "PKL012")
	add("5.2", "dotted_tempfile_os.pkl", "dotted name tempfile / _os.system", "fickling pickle_scanning_benchmark split points",
		reduceP4("tempfile", "_os.system", "echo hi"), "PKL001", "PKL012")
	return out
}
