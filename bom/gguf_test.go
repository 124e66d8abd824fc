package bom

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/formats/gguf"
)

func TestGGUFMetaFixture(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/models/gguf/tiny.gguf")
	if err != nil {
		t.Fatal(err)
	}
	kv, err := ggufMeta(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if kv["general.architecture"] != "llama" || kv["llama.context_length"] != uint64(128) || kv["general.file_type"] != uint64(0) ||
		kv["tokenizer.ggml.add_bos_token"] != true || kv["general.tags#len"] != uint64(2) {
		t.Errorf("metadata %v", kv)
	}
	if tpl, _ := kv["tokenizer.chat_template"].(string); len(tpl) != 393 {
		t.Errorf("chat template of %d bytes", len(tpl))
	}
}

func TestGGUFNamedTemplates(t *testing.T) {
	t.Parallel()
	g := newGGUF(4)
	g.kvStr("general.architecture", "qwen2")
	g.kvU32("general.file_type", 15)
	g.kvStr("tokenizer.chat_template", "{{ a }}")
	g.kvStr("tokenizer.chat_template.tool_use", "{{ b }}")
	dir := writeTree(t, map[string]string{"q.gguf": g.String()})
	r := generate(t, dir, fixedOpts())
	for _, ref := range []string{"chat-template:q.gguf#default", "chat-template:q.gguf#tool_use"} {
		if _, ok := component(r, ref); !ok {
			t.Errorf("no component %s", ref)
		}
	}
	m := model(r)
	if got := prop(m.Properties, "mlsec:model:quantization"); got != "Q4_K_M" {
		t.Errorf("quantization %q", got)
	}
	if m.ModelCard.ModelParameters.ArchitectureFamily != "qwen2" {
		t.Errorf("family %q", m.ModelCard.ModelParameters.ArchitectureFamily)
	}
}

func TestGGUFMalformed(t *testing.T) {
	t.Parallel()
	huge := newGGUF(1 << 60)
	longKey := newGGUF(1)
	longKey.u64(1 << 40)
	badType := newGGUF(1)
	badType.str("k")
	badType.u32(99)
	bigArray := newGGUF(1)
	bigArray.str("k")
	bigArray.u32(uint32(gguf.TypeArray))
	bigArray.u32(uint32(gguf.TypeUint64))
	bigArray.u64(1 << 62)
	strArray := newGGUF(1)
	strArray.str("k")
	strArray.u32(uint32(gguf.TypeArray))
	strArray.u32(uint32(gguf.TypeString))
	strArray.u64(1 << 50)
	deep := newGGUF(1)
	deep.str("k")
	deep.u32(uint32(gguf.TypeArray))
	for i := 0; i < 10; i++ {
		deep.u32(uint32(gguf.TypeArray))
		deep.u64(1)
	}
	v1 := &ggufBuilder{}
	v1.WriteString("GGUF")
	v1.u32(1)
	cases := map[string][]byte{
		"empty": nil, "magic": []byte("GGUX\x03\x00\x00\x00"), "version 1": v1.Bytes(),
		"entry count": huge.Bytes(), "key length": longKey.Bytes(), "value type": badType.Bytes(),
		"array length": bigArray.Bytes(), "string array length": strArray.Bytes(), "nesting": deep.Bytes(),
		"truncated": newGGUF(1).Bytes(),
	}
	for name, data := range cases {
		if _, err := ggufMeta(bytes.NewReader(data), int64(len(data))); err == nil || !strings.Contains(err.Error(), "GGUF") {
			t.Errorf("%s: err = %v, want a GGUF parse error", name, err)
		}
	}
}

func FuzzGGUFMeta(f *testing.F) {
	if data, err := os.ReadFile("testdata/models/gguf/tiny.gguf"); err == nil {
		f.Add(data)
	}
	g := newGGUF(2)
	g.kvStr("tokenizer.chat_template", "x")
	g.kvU32("general.file_type", 2)
	f.Add(g.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		kv, err := ggufMeta(bytes.NewReader(data), int64(len(data)))
		if err == nil && len(kv) > len(data) {
			t.Fatalf("%d entries from %d bytes", len(kv), len(data))
		}
	})
}
