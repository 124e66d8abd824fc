// Package manifest decides which files of a model are "the model" and
// hashes them the way the OpenSSF Model Signing (OMS) v1.0 specification and
// its Python reference (sigstore/model-transparency) do, returning the
// per-file or per-shard digests an OMS signature covers.
//
// It holds the one definition of a model's files that every mlsec command
// uses (sign, verify, gate, bom, push, pull and the registry worker): every
// regular file under the root except the top-level git paths (unless
// KeepGitPaths), the caller's ignore paths, and mlsec's attachments. An
// attachment (IsAttachment) needs its name and its content: a Sigstore
// bundle at model.sig, a CycloneDX BOM *.cdx.json, or an evidence document
// *.evidence.json, *.att.json, *.dsse.json, *.intoto.json. A file with such
// a name and other content is a model file, so nothing leaves a signature
// by its name alone. What is left out is recorded in Manifest.IgnorePaths,
// which a signer writes into the bundle so other OMS verifiers leave out the
// same files. Names must be valid UTF-8 (OMS §6.1.2); a model path that is
// itself a symbolic link is followed; links inside the model follow
// AllowSymlinks, with a warning for each target outside the model (§6.1.1).
//
// Two serialization methods exist. In files mode every regular file becomes
// one item named by its slash path relative to the model root. In shards mode
// every file is cut into ShardSize-byte pieces named "path:start:end" (end
// exclusive); empty files produce no shard, as in the reference.
//
// Hashing is streaming and parallel: a bounded pool of workers reads files
// and shard ranges with ReadAt into fixed buffers, so memory use does not
// grow with model size (it grows with the number of files: names, digests).
// Options.Reuse lets one command hash a model once and reuse the digests for
// its identity, its BOM and its signature check.
//
// Limits: attachments are recognised up to 64 MiB; a larger file with an
// attachment name is a model file. The content check is structural (one JSON
// document of the right shape), not a validation of the bundle, BOM or
// evidence, which their own packages do.
package manifest
