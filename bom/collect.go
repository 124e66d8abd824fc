package bom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/internal/lazyre"

	"gopkg.in/yaml.v3"
)

// maxMetaBytes bounds every metadata file read whole (README, configs,
// environment files). A larger one is an error rather than a silent omission.
const maxMetaBytes = 16 << 20

// ErrTooLarge is returned (wrapped) for a metadata file over the size limit.
var ErrTooLarge = errors.New("metadata file too large")

// chatTemplate is one chat template found in the model.
type chatTemplate struct {
	Source string // file it came from (slash path relative to the model root)
	Name   string // "default" or the named template's name
	Text   string
}

// modelInfo is everything read from the model's metadata files.
type modelInfo struct {
	Name, Group, Version string
	HFID                 string // "namespace/name" when the folder says where it comes from
	Description          string
	License              []string // raw HF license values
	LicenseName          string
	LicenseLink          string
	Task, Family, Arch   string
	Datasets             []string
	BaseModels           []string
	Metrics              []metric
	Inputs, Outputs      []string
	Limitations          []string
	UseCases             []string
	Tags                 []string
	Props                map[string]string // model component properties, without the "mlsec:model:" prefix
	FileProps            map[string]map[string]string
	Deps                 []Dependency
	Templates            []chatTemplate
	// DatasetDigests are the SHA-256 digests of datasets the user declared
	// with one (--dataset NAME@DIGEST), by name.
	DatasetDigests map[string]string
	// Declared lists the fields the user stated rather than the folder
	// (license, datasets, model-card), for the BOM's provenance.
	Declared []string
	// weights is what the model files themselves declare (ONNX graph
	// inputs and outputs, the TorchScript root module), used where the
	// card is silent.
	weights weightInfo
}

type metric struct{ Type, Value, Slice string }

func (m *modelInfo) prop(k, v string) {
	if v != "" {
		m.Props[k] = v
	}
}

func (m *modelInfo) fileProp(file, k, v string) {
	if v == "" {
		return
	}
	if m.FileProps[file] == nil {
		m.FileProps[file] = map[string]string{}
	}
	m.FileProps[file][k] = v
}

// readMeta reads a metadata file whole, refusing files over maxMetaBytes.
// A missing file returns nil, nil.
func readMeta(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, nil
	}
	if st.Size() > maxMetaBytes {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", p, ErrTooLarge, st.Size(), maxMetaBytes)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return b, nil
}

// hfIDPattern matches a Hugging Face repository id "namespace/name".
var hfIDPattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$`)

func isHFID(s string) bool { return hfIDPattern.MatchString(s) && !strings.Contains(s, "..") }

// hubCachePath recognises the Hugging Face hub cache layout
// .../models--<ns>--<name>/snapshots/<commit>, which names the repository and
// the exact revision.
func hubCachePath(abs string) (id, rev string) {
	dir := filepath.ToSlash(abs)
	rev = path.Base(dir)
	parent := path.Dir(dir)
	if path.Base(parent) != "snapshots" || !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(rev) {
		return "", ""
	}
	repo := path.Base(path.Dir(parent))
	parts := strings.Split(strings.TrimPrefix(repo, "models--"), "--")
	if !strings.HasPrefix(repo, "models--") || len(parts) != 2 || !isHFID(parts[0]+"/"+parts[1]) {
		return "", ""
	}
	return parts[0] + "/" + parts[1], rev
}

// strList accepts a YAML/JSON string or list of strings.
func strList(v any) []string {
	switch t := v.(type) {
	case string:
		if s := strings.TrimSpace(t); s != "" {
			return []string{s}
		}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
		return out
	}
	return nil
}

func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	default:
		return strings.TrimSpace(fmt.Sprint(t))
	}
}

// splitFrontMatter splits a README into its YAML front matter and body.
func splitFrontMatter(b []byte) (front, body []byte) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(b, []byte("---\n")) {
		return nil, b
	}
	rest := b[4:]
	if i := bytes.Index(rest, []byte("\n---")); i >= 0 {
		end := i + 4
		if j := bytes.IndexByte(rest[end:], '\n'); j >= 0 {
			return rest[:i+1], rest[end+j+1:]
		}
		return rest[:i+1], nil
	}
	return nil, b
}

// readReadme maps the Hugging Face model card.
func (m *modelInfo) readReadme(b []byte) error {
	front, body := splitFrontMatter(b)
	m.readCardBody(body)
	if len(bytes.TrimSpace(front)) == 0 {
		return nil
	}
	var fm map[string]any
	if err := yaml.Unmarshal(front, &fm); err != nil {
		return fmt.Errorf("README.md front matter: %w", err)
	}
	if n := str(fm["model_name"]); n != "" {
		m.Name = n
	}
	for _, k := range []string{"model_id", "model_name"} {
		if id := str(fm[k]); m.HFID == "" && isHFID(id) {
			m.HFID = id
		}
	}
	m.License = strList(fm["license"])
	m.LicenseName, m.LicenseLink = str(fm["license_name"]), str(fm["license_link"])
	m.Datasets = append(m.Datasets, strList(fm["datasets"])...)
	m.BaseModels = strList(fm["base_model"])
	m.prop("base_model_relation", str(fm["base_model_relation"]))
	m.Task = str(fm["pipeline_tag"])
	m.prop("language", strings.Join(strList(fm["language"]), ","))
	m.prop("library_name", str(fm["library_name"]))
	m.prop("metrics", strings.Join(strList(fm["metrics"]), ","))
	m.Tags = strList(fm["tags"])
	idx, _ := fm["model-index"].([]any)
	for _, e := range idx {
		entry, _ := e.(map[string]any)
		if m.Name == "" && !isHFID(str(entry["name"])) {
			m.Name = str(entry["name"])
		}
		results, _ := entry["results"].([]any)
		for _, r := range results {
			res, _ := r.(map[string]any)
			task, _ := res["task"].(map[string]any)
			ds, _ := res["dataset"].(map[string]any)
			if id := str(ds["type"]); id != "" {
				m.Datasets = append(m.Datasets, id)
			}
			slice := str(ds["name"])
			if slice == "" {
				slice = str(ds["type"])
			}
			if sp := str(ds["split"]); sp != "" {
				slice += " (" + sp + ")"
			}
			if t := str(task["type"]); t != "" {
				slice = t + ": " + slice
			}
			mets, _ := res["metrics"].([]any)
			for _, x := range mets {
				mt, _ := x.(map[string]any)
				if typ, val := str(mt["type"]), str(mt["value"]); typ != "" && val != "" {
					m.Metrics = append(m.Metrics, metric{Type: typ, Value: val, Slice: strings.TrimSpace(slice)})
				}
			}
		}
	}
	return nil
}

// placeholder reports text the Hugging Face card template leaves unfilled.
func placeholder(s string) bool {
	return s == "" || strings.Contains(s, "[More Information Needed]") || strings.HasPrefix(s, "<!--")
}

// readCardBody takes the description (first prose paragraph) and the
// limitations and intended-use sections from the Markdown body.
func (m *modelInfo) readCardBody(body []byte) {
	var section string
	var para []string
	inCode := false
	flush := func() {
		text := strings.TrimSpace(strings.Join(para, " "))
		para = para[:0]
		if placeholder(text) {
			return
		}
		text = truncate(text, 1000)
		h := strings.ToLower(section)
		switch {
		case section == "" || (m.Description == "" && strings.HasPrefix(h, "model") && strings.Contains(h, "descri")):
			if m.Description == "" {
				m.Description = text
			}
		case strings.Contains(h, "limitation") || strings.Contains(h, "bias") || strings.Contains(h, "risk"):
			m.Limitations = append(m.Limitations, text)
		case strings.Contains(h, "intended use") || h == "uses" || h == "direct use":
			m.UseCases = append(m.UseCases, text)
		}
	}
	for _, line := range strings.Split(string(body), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") {
			flush()
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		switch {
		case strings.HasPrefix(t, "#"):
			flush()
			level := len(t) - len(strings.TrimLeft(t, "#"))
			if level > 1 {
				section = strings.TrimSpace(strings.TrimLeft(t, "#"))
			}
		case t == "":
			flush()
		default:
			para = append(para, t)
		}
	}
	flush()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// configSizeKeys are the config.json fields recorded as model properties.
var configSizeKeys = []string{"hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
	"intermediate_size", "vocab_size", "max_position_embeddings", "torch_dtype", "transformers_version"}

// readConfig maps a transformers config.json.
func (m *modelInfo) readConfig(b []byte) error {
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("config.json: %w", err)
	}
	if a := strList(c["architectures"]); len(a) > 0 {
		m.Arch = a[0]
	}
	m.Family = str(c["model_type"])
	for _, k := range configSizeKeys {
		m.prop(k, str(c[k]))
	}
	if q, ok := c["quantization_config"].(map[string]any); ok {
		m.prop("quantization", str(q["quant_method"]))
		m.prop("quantization_bits", str(q["bits"]))
	}
	if v := str(c["transformers_version"]); v != "" {
		m.Deps = append(m.Deps, Dependency{Ecosystem: PyPI, Name: "transformers", Version: v, Sources: []string{"config.json"}})
	}
	// _name_or_path names the repository only when it is not one of the base
	// models: transformers keeps the path a fine-tuned model was loaded from.
	if id := str(c["_name_or_path"]); m.HFID == "" && isHFID(id) && !contains(m.BaseModels, id) {
		m.HFID = id
	}
	return nil
}

func contains(s []string, v string) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}

// readTokenizerConfig takes the chat template(s) of tokenizer_config.json.
func (m *modelInfo) readTokenizerConfig(name string, b []byte) error {
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	m.prop("tokenizer_class", str(c["tokenizer_class"]))
	m.addTemplates(name, c["chat_template"])
	return nil
}

// addTemplates adds a chat_template value: a string, or a list of
// {"name", "template"} objects.
func (m *modelInfo) addTemplates(source string, v any) {
	switch t := v.(type) {
	case string:
		m.Templates = append(m.Templates, chatTemplate{Source: source, Name: "default", Text: t})
	case []any:
		for _, e := range t {
			o, _ := e.(map[string]any)
			if tpl, ok := o["template"].(string); ok {
				n := str(o["name"])
				if n == "" {
					n = "default"
				}
				m.Templates = append(m.Templates, chatTemplate{Source: source, Name: n, Text: tpl})
			}
		}
	}
}

// readGGUFMeta maps the metadata of one GGUF file.
func (m *modelInfo) readGGUFMeta(file string, kv map[string]any) {
	arch := str(kv["general.architecture"])
	if m.Family == "" {
		m.Family = arch
	}
	if len(m.License) == 0 {
		m.License = strList(kv["general.license"])
	}
	m.fileProp(file, "gguf:architecture", arch)
	m.fileProp(file, "gguf:name", str(kv["general.name"]))
	if m.Name == "" {
		m.Name = str(kv["general.name"])
	}
	if ft, ok := kv["general.file_type"].(uint64); ok {
		name := ggufFileTypes[ft]
		if name == "" {
			name = fmt.Sprint(ft)
		}
		m.fileProp(file, "gguf:file_type", name)
		m.Props["quantization"] = joinUnique(m.Props["quantization"], name)
	}
	m.fileProp(file, "gguf:quantization_version", str(kv["general.quantization_version"]))
	for _, k := range []string{"context_length", "embedding_length", "block_count", "attention.head_count"} {
		m.fileProp(file, "gguf:"+k, str(kv[arch+"."+k]))
	}
	if m.Props["context_length"] == "" {
		m.prop("context_length", str(kv[arch+".context_length"]))
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t, ok := kv[k].(string); ok && (k == "tokenizer.chat_template" || strings.HasPrefix(k, "tokenizer.chat_template.")) {
			n := strings.TrimPrefix(strings.TrimPrefix(k, "tokenizer.chat_template"), ".")
			if n == "" {
				n = "default"
			}
			m.Templates = append(m.Templates, chatTemplate{Source: file, Name: n, Text: t})
		}
	}
}

func joinUnique(list, v string) string {
	if list == "" {
		return v
	}
	if contains(strings.Split(list, ","), v) {
		return list
	}
	return list + "," + v
}
