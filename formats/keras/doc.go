// Package keras walks decoded Keras model configs (Keras 2 model_config
// attributes and Keras 3 config.json) and reports the references that make
// loading a model run code: Lambda layers and marshalled bytecode, modules
// outside an allowlist, gadget functions, safe-mode switches and
// TorchModuleWrapper layers.
//
// We walk the config ourselves instead of asking Keras because Keras
// imports the modules a config names while deserialising it (CVE-2025-1550):
// the only safe reader is one that never resolves anything. The walker is
// pure logic over the output of encoding/json, bounded in depth.
package keras
