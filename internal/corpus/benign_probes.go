package corpus

// Benign probes: real-world shapes that a too-eager analyser flags.

// Qwen2.5-style tool-calling template: namespace-free but heavy on
// tojson, loop.index0 look-behind and nested conditionals.
const qwenTemplate = `{%- if tools %}{{- '<|im_start|>system\n' }}{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] }}{%- else %}{{- 'You are a helpful assistant.' }}{%- endif %}{{- "\n\n# Tools\n\n<tools>" }}{%- for tool in tools %}{{- "\n" }}{{- tool | tojson }}{%- endfor %}{{- "\n</tools>\n\nFor each function call, return a json object within <tool_call></tool_call> XML tags.<|im_end|>\n" }}{%- else %}{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}{%- endif %}{%- endif %}{%- for message in messages %}{%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}{{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}{%- elif message.role == "assistant" %}{{- '<|im_start|>' + message.role }}{%- if message.content %}{{- '\n' + message.content }}{%- endif %}{%- for tool_call in message.tool_calls %}{%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}{{- '\n<tool_call>\n{"name": "' }}{{- tool_call.name }}{{- '", "arguments": ' }}{{- tool_call.arguments | tojson }}{{- '}\n</tool_call>' }}{%- endfor %}{{- '<|im_end|>\n' }}{%- elif message.role == "tool" %}{%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}{{- '<|im_start|>user' }}{%- endif %}{{- '\n<tool_response>\n' }}{{- message.content }}{{- '\n</tool_response>' }}{%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}{{- '<|im_end|>\n' }}{%- endif %}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}`

// Llama-3.1-style template: namespace(), strftime_now, slicing.
const llama31Template = `{{- bos_token }}{%- if custom_tools is defined %}{%- set tools = custom_tools %}{%- endif %}{%- if not date_string is defined %}{%- if strftime_now is defined %}{%- set date_string = strftime_now("%d %b %Y") %}{%- else %}{%- set date_string = "26 Jul 2024" %}{%- endif %}{%- endif %}{%- set ns = namespace(system_message='') %}{%- if messages[0]['role'] == 'system' %}{%- set ns.system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- endif %}{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}{{- "Cutting Knowledge Date: December 2023\n" }}{{- "Today Date: " + date_string + "\n\n" }}{{- ns.system_message }}{{- "<|eot_id|>" }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}`

// tfFunc is a FunctionDef (function.proto) with the given nodes.
func tfFunc(name string, nodes ...pb) pb {
	f := pb{}.M(1, pb{}.S(1, name))
	for _, n := range nodes {
		f = f.M(3, n)
	}
	return f
}

func tfCall(name, fn string) pb {
	return tfNode(name, "StatefulPartitionedCall").M(5, pb{}.S(1, "f").M(2, pb{}.M(10, pb{}.S(1, fn))))
}

// tf2SavedModel is the layout tf.saved_model.save writes: a serving
// function and the traced save/restore functions with their checkpoint ops,
// wired to the saver_def.
func tf2SavedModel() []byte {
	g := pb{}
	for _, n := range []pb{
		tfNode("serving_default_x", "Placeholder"), tfNode("dense/kernel", "VarHandleOp"),
		tfNode("saver_filename", "Placeholder"),
		tfCall("StatefulPartitionedCall", "__inference_signature_wrapper_100"),
		tfCall("StatefulPartitionedCall_1", "__inference__traced_save_200"),
		tfCall("StatefulPartitionedCall_2", "__inference__traced_restore_300"),
	} {
		g = g.M(1, n)
	}
	lib := pb{}.
		M(1, tfFunc("__inference_signature_wrapper_100", tfNode("MatMul/ReadVariableOp", "ReadVariableOp"), tfNode("MatMul", "MatMul"), tfNode("Relu", "Relu"))).
		M(1, tfFunc("__inference__traced_save_200", tfNode("StringJoin", "StringJoin"), tfNode("ShardedFilename", "ShardedFilename"),
			tfNode("SaveV2", "SaveV2"), tfNode("MergeV2Checkpoints", "MergeV2Checkpoints"), tfNode("Identity", "Identity"))).
		M(1, tfFunc("__inference__traced_restore_300", tfNode("RestoreV2", "RestoreV2"), tfNode("AssignVariableOp", "AssignVariableOp"), tfNode("Identity_1", "Identity")))
	g = g.M(2, lib).M(4, pb{}.V(1, 1205).V(2, 12))
	saver := pb{}.S(1, "saver_filename:0").S(2, "StatefulPartitionedCall_1:0").S(3, "StatefulPartitionedCall_2").V(4, 5).V(5, 1).V(7, 2)
	mg := pb{}.M(1, pb{}.S(4, "serve").S(5, "2.15.0")).M(2, g).M(3, saver).
		M(5, pb{}.S(1, "serving_default").M(2, pb{}.S(3, "tensorflow/serving/predict")))
	return pb{}.V(1, 1).M(2, mg)
}

func benignProbeSamples() []Sample {
	return []Sample{
		ben("benign/qwen_tools/tokenizer_config.json", "5.5", "Qwen2.5-style tool-calling chat_template", tokenizerConfig(qwenTemplate)),
		ben("benign/llama31/tokenizer_config.json", "5.5", "Llama-3.1-style chat_template with namespace() and strftime_now", tokenizerConfig(llama31Template)),
		ben("benign/llama31.gguf", "5.5", "GGUF with a Llama-3.1-style chat_template", ggufWithTemplate(llama31Template)),
		ben("benign/metadata_url.safetensors", "5.7", "safetensors whose __metadata__ carries a source URL (info only)", safetensorsOf(
			`{"__metadata__":{"format":"pt","source":"https://huggingface.co/org/model"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`,
			make([]byte, 8))),
		ben("benign/ort_optimized.onnx", "5.7", "ONNX Runtime-optimised graph with com.microsoft contrib ops (FusedMatMul)", onnxModel(
			[]pb{onnxNode("FusedMatMul", "com.microsoft", "fmm"), onnxNode("Relu", "", "relu")},
			[]pb{onnxRaw("W")}, [2]any{"", 17}, [2]any{"com.microsoft", 1})),
		ben("benign/tf2_savedmodel/saved_model.pb", "5.7", "TF2 SavedModel with traced save/restore functions (SaveV2/RestoreV2 wired to the saver)", tf2SavedModel()),
	}
}
