// Package manifest hashes a model (a single file or a folder) the way the
// OpenSSF Model Signing (OMS) v1.0 specification and its Python reference
// (sigstore/model-transparency) do, and returns the per-file or per-shard
// digests that an OMS signature covers.
//
// Two serialization methods exist. In files mode every regular file becomes
// one item named by its slash path relative to the model root. In shards mode
// every file is cut into ShardSize-byte pieces named "path:start:end" (end
// exclusive); empty files produce no shard, as in the reference.
//
// Hashing is streaming and parallel: a bounded pool of workers reads files
// and shard ranges with ReadAt into fixed buffers, so memory use does not
// grow with model size.
package manifest
