// Package safetensors parses and validates the header of safetensors files.
//
// We wrote our own parser rather than binding the Rust crate because a
// scanner must be stricter than a loader and must never touch tensor data:
// it reads only the 8-byte length and the JSON header, rejects duplicate
// keys (which different readers resolve differently), bounds the JSON
// nesting depth, and reports every inconsistency between dtypes, shapes and
// offsets that the reference implementation (huggingface/safetensors)
// refuses, plus a few it tolerates.
package safetensors
