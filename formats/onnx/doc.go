// Package onnx reads the parts of an ONNX model that matter for security:
// the external-data locations of every tensor and the operator domains of
// every node, in the main graph, in subgraphs of control-flow attributes,
// in training graphs and in model-local functions.
//
// We wrote our own reader instead of using the onnx library or generated
// protobuf code because a scanner must never load the model: ONNX files
// embed gigabytes of initializers, and onnx.load follows external_data
// paths, which is the very thing we check (CVE-2022-25882, CVE-2024-27318).
// The reader walks the protobuf wire format in place (package pbwalk),
// skips tensor payloads without reading them, bounds nesting and work, and
// fails on any malformed length instead of guessing.
package onnx
