package scan

// checkKerasConfig analyses a decoded JSON document that looks like a Keras
// model config (Keras 2 model_config or Keras 3 config.json). The JSON
// handler calls it; the Keras analyser implements it.
var checkKerasConfig = func(fs *fileScan, b *blob, doc any) {}
