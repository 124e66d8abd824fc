package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mlsec/mlsec/formats/jinja"
)

func init() {
	registerHandler(FormatJSON, scanJSON)
	registerHandler(FormatText, scanText)
}

// configName reports names that loaders read as configuration. Such a file
// that is too large or not valid JSON fails closed (FMT001); any other
// JSON-looking file (datasets, JSON Lines, vocabularies) is data, and is
// analysed only when it decodes within the size limit.
func configName(name string) bool {
	n := strings.ToLower(name)
	return n == "config.json" || strings.HasSuffix(n, "_config.json") || n == "mlmodel" ||
		n == "adapter_config.json" || n == "model_index.json" || n == "metadata.json"
}

// readSmall reads a whole blob that must fit the config limit.
func readSmall(fs *fileScan, b *blob) ([]byte, error) {
	if b.size > fs.s.opts.Limits.MaxJSONBytes {
		return nil, &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("config larger than %d bytes", fs.s.opts.Limits.MaxJSONBytes), Offset: 0}
	}
	data := make([]byte, b.size)
	if _, err := b.r.ReadAt(data, 0); err != nil && !(errors.Is(err, io.EOF) && int64(len(data)) == b.size) {
		return nil, fmt.Errorf("reading %s: %w", b.name, err)
	}
	return data, nil
}

// scanJSON analyses Hugging Face, Keras and other JSON configs, and
// stand-alone Jinja templates (which sniff as JSON because they start with
// a brace).
func scanJSON(fs *fileScan, b *blob) error {
	data, err := readSmall(fs, b)
	if err != nil {
		if configName(b.name) {
			return err
		}
		return nil
	}
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if templateFile(b.name) || bytes.HasPrefix(t, []byte("{%")) ||
		bytes.HasPrefix(t, []byte("{{")) || bytes.HasPrefix(t, []byte("{#")) {
		checkTemplate(fs, b, b.name, string(data), 0)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for n := 0; ; n++ {
		var doc any
		err := dec.Decode(&doc)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if configName(b.name) || n == 0 && strings.HasSuffix(strings.ToLower(b.name), ".json") {
				return fmt.Errorf("invalid JSON: %w", err)
			}
			return nil // JSON-looking text that is not JSON: data
		}
		if n == 0 && looksKeras(doc) {
			checkKerasConfig(fs, b, doc)
		}
		w := &configWalk{fs: fs, b: b, raw: data}
		w.walk(doc, 0)
		w.flush()
	}
}

func looksKeras(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	_, cn := m["class_name"]
	_, cfg := m["config"]
	_, mod := m["module"]
	return cn && (cfg || mod)
}

// configWalk finds the references that make loaders run code: auto_map,
// trust_remote_code, chat templates and Hydra _target_ keys, at any depth.
type configWalk struct {
	fs      *fileScan
	b       *blob
	raw     []byte
	autoMap []string
}

// offsetOfKey finds where a key first appears, for findings' offsets.
func (w *configWalk) offsetOfKey(key string) int64 {
	if i := bytes.Index(w.raw, []byte(`"`+key+`"`)); i >= 0 {
		return int64(i)
	}
	if i := bytes.Index(w.raw, []byte(key)); i >= 0 {
		return int64(i)
	}
	return -1
}

const maxWalkDepth = 512

func (w *configWalk) walk(v any, depth int) {
	if depth > maxWalkDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			w.key(k, e)
			w.walk(e, depth+1)
		}
	case map[any]any:
		for k, e := range x {
			if ks, ok := k.(string); ok {
				w.key(ks, e)
			}
			w.walk(e, depth+1)
		}
	case []any:
		for _, e := range x {
			w.walk(e, depth+1)
		}
	}
}

func (w *configWalk) key(k string, v any) {
	switch k {
	case "auto_map":
		w.collectAutoMap(v, 0)
	case "custom_pipelines":
		// transformers imports custom_pipelines[task].impl under
		// trust_remote_code exactly as it does auto_map entries.
		if m, ok := v.(map[string]any); ok {
			for _, p := range m {
				if pm, ok := p.(map[string]any); ok {
					w.collectAutoMap(pm["impl"], 0)
				}
			}
		}
	case "trust_remote_code":
		if b, ok := v.(bool); ok && b {
			w.fs.emitf(w.b, "HF003", w.offsetOfKey(k), "config sets trust_remote_code: true")
		}
	case "chat_template":
		switch t := v.(type) {
		case string:
			checkTemplate(w.fs, w.b, "chat_template", t, w.offsetOfKey(k))
		case map[string]any:
			// {"default": "...", "tool_use": "..."}: named templates.
			names := make([]string, 0, len(t))
			for name := range t {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				if s, ok := t[name].(string); ok {
					checkTemplate(w.fs, w.b, "chat_template "+name, s, w.offsetOfKey(k))
				}
			}
		case []any:
			for _, e := range t {
				m, ok := e.(map[string]any)
				if !ok {
					continue
				}
				name, _ := m["name"].(string)
				if s, ok := m["template"].(string); ok {
					checkTemplate(w.fs, w.b, "chat_template "+name, s, w.offsetOfKey(k))
				}
			}
		}
	case "_target_":
		s, ok := v.(string)
		if !ok {
			return
		}
		for _, p := range w.fs.s.rules.Hydra.AllowTargets {
			if strings.HasPrefix(s, p) {
				return
			}
		}
		w.fs.emit(w.b, Finding{RuleID: "HF005", Callable: s, Offset: w.offsetOfKey(k),
			Message: fmt.Sprintf("config instantiates _target_ %q, outside hydra.allow_targets", s)})
	}
}

// collectAutoMap gathers "Class: module.Class" references (values may be
// lists, as in tokenizer_config.json's [slow, fast] pairs).
func (w *configWalk) collectAutoMap(v any, depth int) {
	if depth > 4 {
		return
	}
	switch x := v.(type) {
	case string:
		w.autoMap = append(w.autoMap, x)
	case []any:
		for _, e := range x {
			w.collectAutoMap(e, depth+1)
		}
	case map[string]any:
		for _, e := range x {
			w.collectAutoMap(e, depth+1)
		}
	}
	if depth == 0 && w.autoMap == nil {
		w.autoMap = []string{}
	}
}

// flush reports auto_map once per document: HF002 for each reference to
// another repository, else HF001.
func (w *configWalk) flush() {
	if w.autoMap == nil {
		return
	}
	off := w.offsetOfKey("auto_map")
	if off < 0 {
		off = w.offsetOfKey("custom_pipelines")
	}
	remote := false
	seen := map[string]bool{}
	for _, ref := range w.autoMap {
		if i := strings.Index(ref, "--"); i > 0 && !seen[ref] {
			seen[ref] = true
			remote = true
			w.fs.emit(w.b, Finding{RuleID: "HF002", Callable: ref[i+2:], Argument: ref[:i], Offset: off,
				Message: fmt.Sprintf("auto_map loads %s from another repository, %s", ref[i+2:], ref[:i])})
		}
	}
	if !remote {
		refs := strings.Join(w.autoMap, ", ")
		w.fs.emit(w.b, Finding{RuleID: "HF001", Offset: off, Callable: clip(refs, 200),
			Message: fmt.Sprintf("auto_map/custom_pipelines map classes to repository code: %s", clip(refs, 200))})
	}
	w.autoMap = nil
}

// checkTemplate reports the issues of a Jinja chat template. base is the
// offset of the template (or its key) in the blob.
func checkTemplate(fs *fileScan, b *blob, where, tmpl string, base int64) {
	for _, is := range jinja.Check(tmpl) {
		off := base
		if where == b.name {
			// A stand-alone template: the offset is the file's. Inside
			// JSON or GGUF, escapes and headers shift it, so keep the key's.
			off = int64(is.Offset)
		}
		fs.emit(b, Finding{RuleID: is.Rule, Callable: is.Name, Offset: off,
			Message: fmt.Sprintf("%s: %s", where, is.Message)})
	}
}

// templateFile reports names that loaders render whole as Jinja templates:
// transformers' chat_template.jinja and additional_chat_templates/*.jinja,
// and the .jinja/.j2 files chat servers take as --chat-template.
func templateFile(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".jinja") || strings.HasSuffix(n, ".jinja2") || strings.HasSuffix(n, ".j2")
}

// scanText checks text files that are Jinja templates; other text holds
// nothing a loader runs and is fully read by sniffing.
func scanText(fs *fileScan, b *blob) error {
	if !templateFile(b.name) {
		return nil
	}
	data, err := readSmall(fs, b)
	if err != nil {
		return err
	}
	checkTemplate(fs, b, b.name, string(data), 0)
	return nil
}
