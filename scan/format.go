package scan

// Format names a file format the scanner recognises.
type Format string

// Formats the scanner recognises. The names are stable and appear in reports.
const (
	FormatUnknown       Format = "unknown"
	FormatEmpty         Format = "empty"
	FormatDirectory     Format = "directory"
	FormatSymlink       Format = "symlink"
	FormatPickle        Format = "pickle"
	FormatPyTorchZip    Format = "pytorch-zip"
	FormatPyTorchLegacy Format = "pytorch-legacy"
	FormatTorchScript   Format = "torchscript"
	FormatJoblib        Format = "joblib"
	FormatNumPy         Format = "numpy"
	FormatNPZ           Format = "npz"
	FormatZip           Format = "zip"
	FormatTar           Format = "tar"
	FormatGzip          Format = "gzip"
	FormatBzip2         Format = "bzip2"
	FormatXz            Format = "xz"
	FormatLzma          Format = "lzma"
	FormatZlib          Format = "zlib"
	FormatLz4           Format = "lz4"
	FormatZstd          Format = "zstd"
	Format7z            Format = "7z"
	FormatHDF5          Format = "hdf5"
	FormatKeras         Format = "keras"
	FormatKerasConfig   Format = "keras-config"
	FormatSavedModel    Format = "tf-savedmodel"
	FormatGraphDef      Format = "tf-graphdef"
	FormatONNX          Format = "onnx"
	FormatSafetensors   Format = "safetensors"
	FormatGGUF          Format = "gguf"
	FormatTFLite        Format = "tflite"
	FormatGGML          Format = "ggml"
	FormatFastText      Format = "fasttext"
	FormatWord2Vec      Format = "word2vec-binary"
	FormatMsgpack       Format = "flax-msgpack"
	FormatXML           Format = "xml"
	FormatPMML          Format = "pmml"
	FormatOpenVINO      Format = "openvino-ir"
	FormatJSON          Format = "json"
	FormatYAML          Format = "yaml"
	FormatMLmodel       Format = "mlflow-mlmodel"
	FormatPython        Format = "python"
	FormatText          Format = "text"
)

// A handler analyses a blob detected as one format. It reports findings
// through fs.emit and returns an error only when it could not finish: the
// engine turns that error into a fail-closed FMT001 finding.
type handler func(fs *fileScan, b *blob) error

var handlers = map[Format]handler{}

// registerHandler is called from init functions of the per-format files.
func registerHandler(f Format, h handler) {
	if _, dup := handlers[f]; dup {
		panic("scan: duplicate handler for " + string(f))
	}
	handlers[f] = h
}
