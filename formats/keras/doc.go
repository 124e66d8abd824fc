// Package keras walks decoded Keras model configs (Keras 2 model_config
// attributes and Keras 3 config.json) and reports the references that make
// loading a model run code: Lambda layers and marshalled bytecode, modules
// outside an allowlist, gadget functions (as function references or in
// class form: references are allowlisted by module and name, so
// {"module": "keras.utils", "class_name": "get_file"} is a gadget although
// keras is allowed), safe-mode switches, TorchModuleWrapper layers, and
// lookup layers and tokenizers that read their vocabulary from a path or
// URL when built (CVE-2025-12058).
//
// We walk the config ourselves instead of asking Keras because Keras
// imports the modules a config names while deserialising it (CVE-2025-1550):
// the only safe reader is one that never resolves anything. The walker is
// pure logic over the output of encoding/json, bounded in depth.
package keras
