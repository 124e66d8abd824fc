// Package pbtest holds test-only helpers to write protobuf wire bytes
// field by field, so tests and the sample corpus can craft ONNX models and
// TensorFlow graphs (benign and malicious) without .proto files, generated
// code or a framework. It is a plain package, not a _test file, because
// tests in several packages (formats/onnx, formats/savedmodel, scan) and
// the corpus generator share it; production code must not import it.
package pbtest
