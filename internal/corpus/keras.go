package corpus

import (
	_ "embed"
	"encoding/base64"
	"encoding/json"
)

//go:embed testdata/lambda.h5
var lambdaH5 []byte

// obj is a JSON object literal.
type obj = map[string]any

// fakeMarshal is a synthetic marshal code-object header, not real bytecode.
var fakeMarshal = base64.StdEncoding.EncodeToString(append([]byte{0xe3, 1, 0, 0, 0}, make([]byte, 28)...))

func kerasLayer(module, class string, config obj) obj {
	return obj{"module": module, "class_name": class, "config": config, "registered_name": nil}
}

func inputLayer() obj {
	return kerasLayer("keras.layers", "InputLayer", obj{"batch_shape": []any{nil, 4}, "dtype": "float32", "name": "input_layer"})
}

func dense(name string) obj {
	return kerasLayer("keras.layers", "Dense", obj{"name": name, "units": 2, "activation": "linear", "use_bias": true})
}

func lambdaLayer(name string, function any, extra obj) obj {
	cfg := obj{"name": name, "trainable": true, "function": function, "output_shape": nil, "arguments": obj{}}
	for k, v := range extra {
		cfg[k] = v
	}
	return kerasLayer("keras.layers", "Lambda", cfg)
}

// functional wraps layers in a Keras 3 Functional model config.
func functional(layers ...any) obj {
	return obj{"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
		"config": obj{"name": "functional", "trainable": true, "layers": layers,
			"input_layers": []any{[]any{"input_layer", 0, 0}}, "output_layers": []any{[]any{"dense", 0, 0}}}}
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		panic(err)
	}
	return b
}

// kerasZip is a Keras 3 .keras archive (weights omitted: the attack is
// in config.json).
func kerasZip(config obj) []byte {
	meta := obj{"keras_version": "3.3.3", "date_saved": "2024-01-01@00:00:00"}
	return zipOf(zent{name: "metadata.json", data: mustJSON(meta)}, zent{name: "config.json", data: mustJSON(config)})
}

func kerasSamples() []Sample {
	marshalFn := obj{"class_name": "__lambda__", "config": obj{"code": fakeMarshal, "defaults": nil, "closure": nil}}
	getFile := obj{"module": "keras.utils", "class_name": "function", "config": "get_file", "registered_name": "function"}
	unsafe := obj{"module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization", "registered_name": "function"}
	loadModel := obj{"module": "keras.models", "class_name": "function", "config": "load_model", "registered_name": "function"}
	moduleRef := kerasLayer("os", "system", obj{"command": "echo hi"})
	moduleRef["registered_name"] = "system"
	tmw := kerasLayer("keras.layers", "TorchModuleWrapper", obj{"name": "torch_module_wrapper", "module": "gASVCgAAAAAAAACMBmVjaG8gaGmULg=="})
	nested := kerasLayer("keras.src.models.sequential", "Sequential", obj{"name": "inner", "layers": []any{
		lambdaLayer("inner_lambda", marshalFn, nil)}})

	return []Sample{
		mal("lambda.h5", "5.4", "Keras 2 HDF5 model_config with a marshalled-bytecode Lambda (safe_mode ignored for .h5)",
			"CVE-2025-9905, CVE-2024-3660", lambdaH5, "KERAS001", "KERAS002"),
		mal("lambda.keras", "5.4", "Keras 3 Lambda with __lambda__ marshalled bytecode", "CVE-2024-3660",
			kerasZip(functional(inputLayer(), lambdaLayer("lambda", marshalFn, nil), dense("dense"))), "KERAS001", "KERAS002"),
		mal("module_ref.keras", "5.4", "config object resolving an arbitrary module/class (os.system)", "CVE-2025-1550",
			kerasZip(functional(inputLayer(), moduleRef, dense("dense"))), "KERAS003"),
		mal("keras/module_ref_config.json", "5.4", "the same arbitrary-module reference in a plain Keras JSON config", "CVE-2025-1550",
			mustJSON(functional(inputLayer(), moduleRef, dense("dense"))), "KERAS003"),
		mal("keras/get_file_8747.keras", "5.4", "Lambda whose function is keras.utils.get_file (in-keras gadget)", "CVE-2025-8747",
			kerasZip(functional(inputLayer(), lambdaLayer("lambda", getFile, obj{"arguments": obj{"fname": "x", "origin": "https://example.invalid/x"}}), dense("dense"))),
			"KERAS004", "KERAS001"),
		mal("keras/unsafe_deser_9906.keras", "5.4", "Lambdas calling enable_unsafe_deserialization then load_model(safe_mode=False)", "CVE-2025-9906",
			kerasZip(functional(inputLayer(), lambdaLayer("lambda_1", unsafe, nil),
				lambdaLayer("lambda_2", loadModel, obj{"arguments": obj{"filepath": "inner.keras", "safe_mode": false}}), dense("dense"))),
			"KERAS005", "KERAS004"),
		mal("keras/torch_module_wrapper_49655.keras", "5.4", "TorchModuleWrapper layer (torch.load(weights_only=False) on load)", "CVE-2025-49655",
			kerasZip(functional(inputLayer(), tmw, dense("dense"))), "KERAS006"),
		mal("keras/nested_lambda.keras", "5.4", "Lambda nested inside an inner Sequential (top-level-only checks miss it)", "modelscan PR #351",
			kerasZip(functional(inputLayer(), nested, dense("dense"))), "KERAS001", "KERAS002"),
	}
}
