// Package gguf parses the header of GGUF model files (llama.cpp): the
// metadata key/value table and the tensor table, for versions 1 to 3, in
// either byte order.
//
// We wrote our own parser rather than binding ggml because a scanner must
// read hostile files without trusting a single length field: every string
// length and array count is checked against the bytes left in the file
// before anything is allocated, nesting is bounded, and tensor data is
// never read. It is also stricter than llama.cpp: it reports every
// inconsistency (duplicate keys, misaligned or overlapping tensors, unknown
// tensor types) rather than stopping at the first.
package gguf
