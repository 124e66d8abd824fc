// Package bom builds a CycloneDX 1.6 (or 1.7) ML-BOM for a model folder or a
// single model file, and scores how complete it is.
//
// Everything comes from reading bytes: the Hugging Face README front matter,
// config.json, tokenizer_config.json, MLflow's MLmodel and environment files,
// Python requirement files, GGUF metadata and safetensors headers. No model is
// ever loaded and no Python runs, so generating a BOM for an untrusted model
// is as safe as scanning it. The model's identity is the OpenSSF Model Signing
// root digest computed by package manifest, so a BOM and a signature of the
// same folder name the same bytes; the per-file digests are the ones a
// signature lists.
//
// We map the metadata ourselves (rather than calling an AIBOM generator) to
// stay offline, deterministic and strict: a metadata file that is present but
// malformed is an error, not a silently thinner BOM.
package bom
