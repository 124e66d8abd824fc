package keras

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind classifies an Issue.
type Kind int

// Kinds of issues, each mapped to one rule by the caller.
const (
	Lambda         Kind = iota // a Lambda layer or __lambda__ function (KERAS001)
	MarshalledCode             // base64 Python marshal code object (KERAS002)
	UnknownModule              // module outside the allowlist, or a non-allowlisted function (KERAS003)
	UnknownClass               // Keras 2 class name that is not built in: a custom object (KERAS003, medium)
	Gadget                     // function that downloads, writes or loads files (KERAS004)
	UnsafeSwitch               // turns safe mode off (KERAS005)
	TorchWrapper               // TorchModuleWrapper (KERAS006)
	VocabularyFile             // a lookup layer or tokenizer reads its vocabulary from a path or URL (KERAS007)
)

// An Issue is one dangerous reference in a config.
type Issue struct {
	Kind Kind
	// Path is the JSON path of the object, like $.config.layers[2].config.
	Path string
	// Layer is the name of the nearest enclosing layer or object (config.name).
	Layer string
	// Module, ClassName and Name describe the reference: Name is the
	// function name of a class_name "function" reference.
	Module, ClassName, Name string
	// Detail is a short explanation.
	Detail string
}

// Rules are the allowlists and denylists the walker applies.
type Rules struct {
	AllowModules   []string // module prefixes whose classes may be deserialised
	Gadgets        []string // function names that touch files or load models
	UnsafeSwitches []string // function names that turn safe mode off
}

// MaxDepth bounds the nesting the walker follows.
const MaxDepth = 512

// ErrTooDeep is returned for configs nested deeper than MaxDepth.
var ErrTooDeep = fmt.Errorf("keras: config nested deeper than %d levels", MaxDepth)

type walker struct {
	rules  Rules
	issues []Issue
}

// Walk reports every dangerous reference in a decoded JSON config (the
// value encoding/json produces into an any).
func Walk(doc any, rules Rules) ([]Issue, error) {
	w := &walker{rules: rules}
	if err := w.visit(doc, "$", "", 0, false); err != nil {
		return w.issues, err
	}
	return w.issues, nil
}

// LooksLikeConfig reports whether doc is shaped like a Keras model config:
// an object with class_name and config at the top.
func LooksLikeConfig(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	_, c := m["class_name"].(string)
	_, cfg := m["config"]
	return c && cfg
}

func (w *walker) add(i Issue) { w.issues = append(w.issues, i) }

func (w *walker) visit(v any, path, layer string, depth int, inLambda bool) error {
	if depth > MaxDepth {
		return ErrTooDeep
	}
	switch t := v.(type) {
	case map[string]any:
		return w.object(t, path, layer, depth, inLambda)
	case []any:
		for i, e := range t {
			if err := w.visit(e, path+"["+strconv.Itoa(i)+"]", layer, depth+1, inLambda); err != nil {
				return err
			}
		}
	case string:
		if isMarshalledCode(t, inLambda) {
			w.add(Issue{Kind: MarshalledCode, Path: path, Layer: layer,
				Detail: "base64 string decodes to a Python marshal code object"})
		}
	}
	return nil
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func (w *walker) object(m map[string]any, path, layer string, depth int, inLambda bool) error {
	cls, hasCls := m["class_name"].(string)
	module := str(m, "module")
	reg := str(m, "registered_name")
	cfg, hasCfg := m["config"]
	if cm, ok := cfg.(map[string]any); ok && hasCls {
		if n := str(cm, "name"); n != "" {
			layer = n
		}
	}
	if hasCls && (hasCfg || module != "" || reg != "") {
		inLambda = w.reference(m, cls, module, reg, cfg, path, layer) || inLambda
	}
	if sm, ok := m["safe_mode"].(bool); ok && !sm {
		w.add(Issue{Kind: UnsafeSwitch, Path: path + ".safe_mode", Layer: layer, Name: "safe_mode",
			Detail: "safe_mode: false turns off Keras' protection against Lambda bytecode"})
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic output
	for _, k := range keys {
		if err := w.visit(m[k], path+"."+k, layer, depth+1, inLambda); err != nil {
			return err
		}
	}
	return nil
}

// reference classifies one {class_name, module, registered_name, config}
// object and reports whether it starts Lambda code.
func (w *walker) reference(m map[string]any, cls, module, reg string, cfg any, path, layer string) bool {
	issue := func(k Kind, name, detail string) {
		w.add(Issue{Kind: k, Path: path, Layer: layer, Module: module, ClassName: cls, Name: name, Detail: detail})
	}
	// A gadget named in class form ({"module": "keras.utils", "class_name":
	// "get_file"}) is resolved like any class: allowlisting the keras
	// module must not let it through (allowlist by module and name).
	foreign := module != "" && !w.allowed(module) && !strings.Contains(module, "keras")
	for _, n := range []string{cls, lastPart(reg)} {
		switch {
		case n == "" || cls == "function" || foreign: // foreign modules are UnknownModule below
		case slices.Contains(w.rules.Gadgets, n):
			issue(Gadget, n, "class-form reference "+qualified(module, n)+" resolves a function that downloads, writes or loads files")
			return false
		case slices.Contains(w.rules.UnsafeSwitches, n):
			issue(UnsafeSwitch, n, "class-form reference "+qualified(module, n)+" resolves a function that turns safe mode off")
			return false
		}
	}
	if vocabLayers[cls] || strings.HasSuffix(cls, "Tokenizer") {
		if cm, ok := cfg.(map[string]any); ok {
			for _, k := range vocabKeys {
				if p, ok := cm[k].(string); ok && p != "" {
					w.add(Issue{Kind: VocabularyFile, Path: path + ".config." + k, Layer: layer, Module: module, ClassName: cls, Name: k,
						Detail: fmt.Sprintf("%s reads its %s from %q when the model loads (CVE-2025-12058)", cls, k, p)})
				}
			}
		}
	}
	lambda := false
	switch cls {
	case "Lambda":
		lambda = true
		issue(Lambda, "", "Lambda layer runs arbitrary Python when the model is built")
	case "__lambda__":
		lambda = true
		issue(Lambda, "", "serialised lambda function")
	case "TorchModuleWrapper":
		issue(TorchWrapper, "", "TorchModuleWrapper unpickles a torch module with torch.load(weights_only=False) (CVE-2025-49655)")
	case "function":
		name, _ := cfg.(string)
		if name == "" {
			name = reg
		}
		switch {
		case slices.Contains(w.rules.Gadgets, lastPart(name)):
			issue(Gadget, name, "function reference "+qualified(module, name)+" downloads, writes or loads files")
		case slices.Contains(w.rules.UnsafeSwitches, lastPart(name)):
			issue(UnsafeSwitch, name, "function reference "+qualified(module, name)+" turns safe mode off")
		case !w.allowed(module) || !safeFunctions[lastPart(name)]:
			issue(UnknownModule, name, "function reference "+qualified(module, name)+" is not a built-in activation, loss or metric")
		}
		return lambda
	}
	switch {
	case module != "":
		if !w.allowed(module) {
			issue(UnknownModule, "", "class "+qualified(module, cls)+" is outside the Keras module allowlist and is imported on load")
		} else if cls != "" && !builtinClasses[cls] && !lambda && cls != "TorchModuleWrapper" {
			issue(UnknownClass, "", "class "+qualified(module, cls)+" is in an allowed module but is not a Keras built-in class")
		}
	case cls != "" && !builtinClasses[cls] && !lambda && cls != "TorchModuleWrapper":
		issue(UnknownClass, "", "class "+strconv.Quote(cls)+" is not a Keras built-in: a custom object whose code must be supplied to load")
	}
	return lambda
}

// vocabLayers read a vocabulary file named in their config when built.
var vocabLayers = set("StringLookup", "IntegerLookup", "TextVectorization")

// vocabKeys are the config keys that name such files (KerasNLP tokenizers
// use merges and proto too); inline vocabularies are lists or dicts.
var vocabKeys = []string{"vocabulary", "idf_weights", "merges", "proto", "vocabulary_file", "spm_model_file"}

func (w *walker) allowed(module string) bool {
	for _, p := range w.rules.AllowModules {
		if module == p || strings.HasPrefix(module, p+".") {
			return true
		}
	}
	return false
}

func lastPart(name string) string {
	if i := strings.LastIndexAny(name, ".>"); i >= 0 {
		return name[i+1:]
	}
	return name
}

func qualified(module, name string) string {
	if module == "" {
		return strconv.Quote(name)
	}
	return strconv.Quote(module + "." + name)
}

// isMarshalledCode reports whether s is base64 (newlines allowed, as
// Keras' func_dump writes it) of a Python marshal code object: type 'c',
// with or without the reference flag, then (unless loose, for strings
// inside a Lambda, where Keras unmarshals whatever it finds) small argument
// counts.
func isMarshalledCode(s string, loose bool) bool {
	if len(s) < 24 {
		return false
	}
	// Only the first 32 characters are decoded: enough for the header.
	head := make([]byte, 0, 32)
	for i := 0; i < len(s) && len(head) < 32; i++ {
		ch := s[i]
		switch {
		case ch == '\n' || ch == '\r':
			continue
		case ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '+', ch == '/', ch == '-', ch == '_':
			head = append(head, ch)
		case ch == '=':
			i = len(s)
		default:
			return false
		}
	}
	if len(head) < 24 {
		return false
	}
	enc := base64.StdEncoding
	if strings.ContainsAny(string(head), "-_") {
		enc = base64.URLEncoding
	}
	raw, err := enc.WithPadding(base64.NoPadding).DecodeString(string(head[:len(head)/4*4]))
	if err != nil || len(raw) < 13 {
		return false
	}
	if raw[0] != 'c' && raw[0] != 'c'|0x80 {
		return false
	}
	if loose {
		return true
	}
	// argcount, posonlyargcount (3.8+) or kwonlyargcount, then one more
	// count: all small in real code objects.
	for i := 0; i < 3; i++ {
		if binary.LittleEndian.Uint32(raw[1+4*i:]) > 255 {
			return false
		}
	}
	return true
}
