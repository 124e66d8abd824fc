package scan

import "sort"

// A Rule describes one kind of finding. Rule ids are stable: they are what
// users suppress, what policies match and what SARIF consumers track, so an
// id is never reused for a different meaning.
type Rule struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Severity    Severity `json:"severity"` // default severity; analysers may raise or lower it per finding
	Summary     string   `json:"summary"`
	Remediation string   `json:"remediation"`
}

// The rule catalogue. docs/rules.md documents every id; a test keeps the two in step.
var catalogue = []Rule{
	// Pickle VM.
	{"PKL001", "dangerous-call", SeverityCritical, "A pickle invokes a callable known to execute code, spawn processes, touch files or the network.", "Do not load this file. Obtain the model from a trusted source, or re-export it as safetensors."},
	{"PKL002", "dangerous-import", SeverityHigh, "A pickle imports a dangerous callable without a visible call; it can still be called through BUILD, memo tricks or later opcodes.", "Treat the file as malicious unless you can explain the import; re-export the model as safetensors."},
	{"PKL003", "unverified-import", SeverityLow, "A pickle references a global it never calls, outside the allowlist and the rebuild list.", "Review the reference; if it is a safe name of your framework, add it to a rules file passed with --rules."},
	{"PKL004", "unverified-call", SeverityHigh, "A pickle calls a global that is on neither the allowlist nor the denylist.", "Review the callable; if it is a safe constructor of your framework, add it to a rules file passed with --rules."},
	{"PKL005", "nested-pickle", SeverityCritical, "A pickle deserialises embedded bytes (pickle.loads, torch.load, ...), hiding a second payload from shallow scanners.", "Do not load this file; the embedded payload is analysed and reported separately."},
	{"PKL006", "extension-registry", SeverityHigh, "A pickle resolves a callable through the copyreg extension registry (EXT1/EXT2/EXT4), with no name in the file.", "Do not load this file; legitimate models do not use the extension registry."},
	{"PKL007", "broken-stream", SeverityHigh, "A pickle stream breaks before STOP; the loader executes every opcode before the break.", "Do not load this file; a malformed pickle that still executes its prefix is a known scanner bypass (nullifAI)."},
	{"PKL008", "unresolved-global", SeverityHigh, "A pickle imports a global whose name cannot be resolved statically (memo miss, non-string operands, runtime-assembled names).", "Do not load this file; static names are all a legitimate model needs."},
	{"PKL009", "frame-violation", SeverityHigh, "An opcode straddles a protocol-4 FRAME boundary, where CPython and linear parsers read different opcodes.", "Do not load this file; this is a parser-differential bypass."},
	{"PKL010", "analysis-limit", SeverityMedium, "Pickle analysis stopped at a limit (opcodes, memo, stack or nesting), so the rest of the stream was not analysed.", "Raise the limit with the corresponding flag if the file is trusted to be large, or reject it."},
	{"PKL011", "trailing-data", SeverityInfo, "Bytes follow the last pickle stream that are not themselves a pickle.", "Usually harmless (pickle.load ignores them); investigate if the format does not expect trailing data."},
	{"PKL013", "rebuilt-class", SeverityLow, "A pickle rebuilds an instance of a class outside the mainstream libraries on the rebuild list, without calling it (cls.__new__, then __setstate__).", "Usually your own model classes; make sure the class's module is the code you expect, or list it under pickle.rebuild with --rules."},
	{"PKL014", "unsupported-protocol", SeverityHigh, "A pickle declares a protocol above 5 in front of a pickle body: an evasion attempt against scanners that skip what they cannot read.", "Do not load this file; no legitimate pickler writes this."},
	{"PKL015", "deep-nesting", SeverityMedium, "A pickle nests containers or objects deeper than pickle.dumps can write with the default recursion limit; code that walks the loaded object fails.", "Do not load this file; it was made by hand."},
	{"PKL012", "dangerous-import-module", SeverityHigh, "A pickle imports an attribute through a module known to re-export dangerous functions (dotted attribute paths, submodules of denylisted packages).", "Do not load this file."},

	// PyTorch.
	{"TORCH001", "computed-magic", SeverityHigh, "A legacy PyTorch file computes its magic number instead of storing the literal, a known scanner bypass.", "Do not load this file; re-save the model with a current torch.save."},
	{"TORCH002", "torchscript-code", SeverityMedium, "A TorchScript archive's code calls operators outside the standard aten/prim namespaces or loads native libraries.", "Review the code/ folder of the archive; custom operators run native code from libraries you must trust."},

	// Containers.
	{"ARC001", "path-traversal", SeverityHigh, "An archive entry or referenced path escapes its folder (../, absolute path).", "Do not extract this archive; rebuild it with relative member names."},
	{"ARC002", "archive-symlink", SeverityMedium, "An archive contains a symbolic or hard link entry.", "Do not extract this archive with a tool that follows links."},
	{"ARC003", "archive-limit", SeverityMedium, "An archive exceeded a safety limit (size, ratio, entries, depth), so part of it was not analysed.", "Inspect the archive manually or raise the limit if it is trusted; a decompression bomb is hostile."},
	{"ARC004", "encrypted-entry", SeverityMedium, "An archive entry is encrypted or uses an unsupported compression method and could not be analysed.", "Decrypt or re-pack the archive and scan its content."},
	{"ARC005", "zip-inconsistency", SeverityLow, "A ZIP's local header disagrees with its central directory (name, flags, CRC), so loaders and scanners may read different bytes.", "Re-pack the archive; PyTorch reads the central directory, Python's zipfile refuses the file."},
	{"ARC006", "polyglot", SeverityMedium, "A file is valid as two formats at once (e.g. a pickle with a ZIP appended); each loader sees different content.", "Do not load this file; a legitimate artifact has one format."},
	{"ARC008", "expansion-ratio", SeverityInfo, "An archive member expands much more than real model data does (a compression ratio over 100:1).", "Usually zeros or padding; a bomb or a payload hidden in padding has this shape too."},
	{"ARC007", "symlink-outside-root", SeverityMedium, "A symbolic link points outside the scanned folder, so its target was not scanned.", "Scan the link target directly, or replace the link by the file it points to."},

	// Parsing (fail closed).
	{"FMT001", "parse-error", SeverityMedium, "A file in a recognised format could not be fully parsed, so it could not be verified.", "Re-export the file with its framework; a file that cannot be parsed cannot be trusted."},
	{"FMT002", "read-error", SeverityMedium, "A file could not be read.", "Check the file's permissions and that it is not truncated."},

	{"FMT003", "unparsed-model-file", SeverityMedium, "A file whose name promises a model format (.pt, .onnx, .safetensors, ...) is empty or in no format the scanner recognises, so it could not be verified.", "Check the file: a truncated download or a disguised file must not be loaded."},

	// NumPy.
	{"NPY001", "object-array", SeverityLow, "A NumPy array has an object dtype, which is stored as a pickle and needs allow_pickle=True to load.", "Prefer numeric dtypes; the embedded pickle is analysed separately."},

	// Keras.
	{"KERAS001", "lambda-layer", SeverityHigh, "A Keras model contains a Lambda layer, which runs arbitrary Python when the model is built.", "Replace the Lambda with a registered custom layer and load with safe_mode=True."},
	{"KERAS002", "marshalled-code", SeverityCritical, "A Keras Lambda carries marshalled Python bytecode that runs on load (CVE-2024-3660, CVE-2025-9905).", "Do not load this model."},
	{"KERAS003", "unknown-module", SeverityHigh, "A Keras config references a module or class outside the Keras allowlist (CVE-2025-1550).", "Do not load this model unless the referenced module is your own trusted code; then add it with --rules."},
	{"KERAS004", "gadget-function", SeverityCritical, "A Keras config resolves a function that downloads, writes or loads files (get_file, load_model, ...) (CVE-2025-8747, CVE-2025-9906).", "Do not load this model."},
	{"KERAS005", "unsafe-deserialization", SeverityCritical, "A Keras config switches off safe mode (enable_unsafe_deserialization, safe_mode false).", "Do not load this model."},
	{"KERAS007", "vocabulary-file", SeverityHigh, "A Keras lookup or text layer takes its vocabulary from a file path or URL, which Keras reads when the model loads (CVE-2025-12058).", "Do not load this model; re-save it with the vocabulary inlined."},
	{"KERAS006", "torch-module-wrapper", SeverityHigh, "A Keras config contains a TorchModuleWrapper, which unpickles a torch module on load (CVE-2025-49655).", "Do not load this model with Keras < 3.11.3; review the wrapped module."},

	// TensorFlow.
	{"TF001", "file-op", SeverityHigh, "A TensorFlow graph reads or writes files (ReadFile, WriteFile, ...).", "Review the graph; a model should not touch the file system."},
	{"TF002", "python-op", SeverityCritical, "A TensorFlow graph calls back into Python (PyFunc, EagerPyFunc, ...).", "Do not load this model; Python ops run arbitrary code."},
	{"TF003", "system-op", SeverityHigh, "A TensorFlow graph uses an op with side effects outside the model (network, process, printing to files).", "Review the graph before serving it."},
	{"TF004", "checkpoint-op", SeverityHigh, "A TensorFlow graph reads or writes checkpoint files (SaveV2, RestoreV2, MergeV2Checkpoints) outside the SavedModel's own saver, where the path can be any file.", "Review the graph; only the saver should touch checkpoints."},

	// ONNX.
	{"ONNX001", "external-data-escape", SeverityHigh, "An ONNX tensor's external_data location escapes the model folder (CVE-2022-25882, CVE-2024-27318).", "Do not load this model; external data must live beside the model."},
	{"ONNX002", "custom-domain", SeverityMedium, "An ONNX graph uses an operator domain outside the standard ones, which needs a custom operator library.", "Make sure the custom operator library is trusted before loading."},

	// safetensors.
	{"ST001", "invalid-header", SeverityMedium, "A safetensors header is malformed (length, JSON, dtype, shape).", "Re-export the file; loaders may reject or misread it."},
	{"ST002", "invalid-offsets", SeverityMedium, "safetensors tensor offsets overlap, leave gaps, fall outside the data, or disagree with dtype x shape.", "Re-export the file; inconsistent offsets hide data from loaders."},
	{"ST003", "metadata-content", SeverityInfo, "A safetensors __metadata__ value contains a URL or code-like text; loaders never execute it, but tools that read metadata might.", "Usually harmless; check what reads the metadata."},

	// GGUF and chat templates.
	{"GGUF001", "invalid-gguf", SeverityMedium, "A GGUF file's metadata or tensor table is malformed.", "Re-export the file."},
	{"TPL001", "template-injection", SeverityCritical, "A Jinja chat template reaches Python internals (__class__, __globals__, __subclasses__, ...), a sandbox escape that runs code (CVE-2024-34359).", "Do not load this model with an unsandboxed template renderer; replace the template."},
	{"TPL003", "template-syntax", SeverityInfo, "A Jinja template does not parse, and nothing suspicious was found in the parts that do; loaders will fail to render it.", "Fix the template; it is broken rather than dangerous."},
	{"TPL002", "suspicious-template", SeverityMedium, "A Jinja chat template uses constructs that obfuscate attribute access or reach out of the conversation (attr(), escapes, network URLs).", "Review the template; compare it with the base model's original."},

	// XML (PMML, OpenVINO IR, ...).
	{"XML001", "external-entity", SeverityHigh, "An XML model declares an external entity, a parameter entity or an external DTD, which parsers that resolve entities fetch from disk or the network (XXE).", "Do not load this file with a parser that resolves entities; remove the DOCTYPE."},
	{"XML002", "xinclude", SeverityHigh, "An XML model uses XInclude, which parsers that process it replace by the content of another file or URL.", "Do not load this file with XInclude processing; inline the content."},
	{"XML003", "entity-expansion", SeverityMedium, "An XML model declares entities that expand to far more text than the file holds (billion laughs).", "Do not load this file; it is a denial-of-service payload."},

	// Hugging Face and MLflow repositories.
	{"HF001", "auto-map", SeverityMedium, "A config maps model classes to Python files (auto_map), which run with trust_remote_code=True.", "Review the referenced Python files before loading with trust_remote_code."},
	{"HF002", "auto-map-remote", SeverityHigh, "A config's auto_map loads code from another repository.", "Do not load with trust_remote_code; the code is outside this repository and can change at any time."},
	{"HF003", "trust-remote-code", SeverityMedium, "A config asks loaders to trust remote code.", "Load without trust_remote_code, or review every Python file first."},
	{"HF004", "python-file", SeverityMedium, "The repository ships Python source that loaders may import.", "Review the code before loading with trust_remote_code."},
	{"HF005", "hydra-target", SeverityHigh, "A config names a callable to instantiate (_target_) outside the allowlist (CVE-2025-23304).", "Do not instantiate this config unless the target is trusted."},
	{"MLF001", "mlflow-loader", SeverityHigh, "An MLflow model names a loader module outside the known flavors.", "Do not load this model unless the loader module is your own trusted code."},
	{"MLF002", "mlflow-code", SeverityMedium, "An MLflow model ships code paths that are imported on load.", "Review the code folder before loading the model."},
	{"MLF003", "mlflow-pickled-model", SeverityInfo, "An MLflow model is a pickled (cloudpickle) Python model; the pickle is analysed as its own file.", "Prefer a built-in flavor; see the findings on the pickle file."},
}

var ruleIndex = func() map[string]Rule {
	m := make(map[string]Rule, len(catalogue))
	for _, r := range catalogue {
		if _, dup := m[r.ID]; dup {
			panic("scan: duplicate rule id " + r.ID)
		}
		m[r.ID] = r
	}
	return m
}()

// Rules returns the rule catalogue sorted by id.
func Rules() []Rule {
	out := append([]Rule(nil), catalogue...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LookupRule returns the rule with the given id.
func LookupRule(id string) (Rule, bool) {
	r, ok := ruleIndex[id]
	return r, ok
}
