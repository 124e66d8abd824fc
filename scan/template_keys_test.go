package scan

import (
	"encoding/json"
	"testing"
)

const ssti = `{{ cycler.__init__.__globals__.os.popen('id').read() }}`

// TestTemplateKeys: every place a mainstream loader renders as a Jinja
// template is checked (docs/rules.md#gguf-and-chat-templates lists them).
func TestTemplateKeys(t *testing.T) {
	t.Parallel()
	js := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name, file string
		data       []byte
	}{
		{"tokenizer_config", "tokenizer_config.json", js(map[string]any{"chat_template": ssti})},
		{"named list", "tokenizer_config.json", js(map[string]any{"chat_template": []any{map[string]any{"name": "default", "template": "{{ x }}"}, map[string]any{"name": "tool_use", "template": ssti}}})},
		{"named map", "tokenizer_config.json", js(map[string]any{"chat_template": map[string]any{"default": "{{ x }}", "rag": ssti}})},
		{"processor_config", "processor_config.json", js(map[string]any{"processor_class": "LlavaProcessor", "chat_template": ssti})},
		{"chat_template.json", "chat_template.json", js(map[string]any{"chat_template": ssti})},
		{"chat_template.jinja", "chat_template.jinja", []byte("You are a helpful assistant.\n" + ssti)},
		{"additional template", "additional_chat_templates/tool_use.jinja", []byte("{% for m in messages %}" + ssti + "{% endfor %}")},
		{"j2 file", "template.j2", []byte("Hello " + ssti)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep := scanBytes(t, map[string][]byte{c.file: c.data})
			if f := findRule(rep, "TPL001", ""); f == nil || f.Severity != SeverityCritical {
				t.Fatalf("no TPL001:%s", dump(rep))
			}
		})
	}
}

// TestTemplateBrokenButBenign: a template that does not parse is a note,
// not a failed gate; one that also reaches Python internals stays critical.
func TestTemplateBrokenButBenign(t *testing.T) {
	t.Parallel()
	rep := scanBytes(t, map[string][]byte{"tokenizer_config.json": []byte(`{"chat_template": "{{ unclosed"}`)})
	f := findRule(rep, "TPL003", "")
	if f == nil || f.Severity != SeverityInfo {
		t.Fatalf("no TPL003 note:%s", dump(rep))
	}
	for _, g := range rep.Findings {
		if g.Severity >= SeverityMedium {
			t.Fatalf("broken benign template failed the gate:%s", dump(rep))
		}
	}
	rep = scanBytes(t, map[string][]byte{"tokenizer_config.json": []byte(`{"chat_template": "{{ ''.__class__.__mro__ "}`)})
	if f := findRule(rep, "TPL001", ""); f == nil {
		t.Fatalf("broken malicious template:%s", dump(rep))
	}
}
