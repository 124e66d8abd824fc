// Package pbwalk walks protocol buffer messages in place, through an
// io.ReaderAt, without generated code and without reading the fields it
// skips.
//
// The ONNX and TensorFlow parsers are built on it. We do not use the
// frameworks' generated message types because a scanner must never load a
// multi-gigabyte model into memory to look at a few strings: pbwalk reads a
// tag and a length at a time, so a raw_data field of 2 GB costs one read.
// It is also stricter than a loader where that matters for safety: every
// length is checked against the enclosing message, nesting depth and the
// number of fields visited are bounded, and groups (unused by ONNX and
// TensorFlow) are refused rather than skipped.
package pbwalk
