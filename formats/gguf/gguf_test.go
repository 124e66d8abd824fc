package gguf

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/fixture"
)

// builder writes GGUF files for tests.
type builder struct {
	b       bytes.Buffer
	order   binary.ByteOrder
	version uint32
}

func newBuilder(version uint32, big bool) *builder {
	w := &builder{order: binary.LittleEndian, version: version}
	if big {
		w.order = binary.BigEndian
	}
	w.b.WriteString("GGUF")
	w.u32(version)
	return w
}

func (w *builder) u32(v uint32) *builder { binary.Write(&w.b, w.order, v); return w }
func (w *builder) u64(v uint64) *builder { binary.Write(&w.b, w.order, v); return w }
func (w *builder) count(n uint64) *builder {
	if w.version == 1 {
		return w.u32(uint32(n))
	}
	return w.u64(n)
}
func (w *builder) str(s string) *builder { w.count(uint64(len(s))); w.b.WriteString(s); return w }
func (w *builder) kvStr(k, v string) *builder {
	return w.str(k).u32(uint32(TypeString)).str(v)
}
func (w *builder) kvU32(k string, v uint32) *builder { return w.str(k).u32(uint32(TypeUint32)).u32(v) }
func (w *builder) tensor(name string, typ GGMLType, off uint64, dims ...uint64) *builder {
	w.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		if w.version == 1 {
			w.u32(uint32(d))
		} else {
			w.u64(d)
		}
	}
	return w.u32(uint32(typ)).u64(off)
}

// pad aligns to 32 and appends n data bytes.
func (w *builder) data(n int) []byte {
	for w.b.Len()%32 != 0 {
		w.b.WriteByte(0)
	}
	w.b.Write(make([]byte, n))
	return w.b.Bytes()
}

func parse(t *testing.T, b []byte) (*File, error) {
	t.Helper()
	return Parse(bytes.NewReader(b), int64(len(b)))
}

const tmpl = "{% for m in messages %}{{ m['content'] }}{% endfor %}"

func TestParseVersions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v   uint32
		big bool
	}{{1, false}, {2, false}, {3, false}, {3, true}, {2, true}} {
		w := newBuilder(c.v, c.big).count(2).count(4)
		w.kvStr("general.architecture", "llama").kvStr("tokenizer.chat_template", tmpl)
		// An array of strings and a nested array of int32.
		w.str("tokenizer.ggml.tokens").u32(uint32(TypeArray)).u32(uint32(TypeString)).count(2).str("<s>").str("</s>")
		w.str("x.nested").u32(uint32(TypeArray)).u32(uint32(TypeArray)).count(1).u32(uint32(TypeInt32)).count(2).u32(7).u32(0xffffffff)
		w.tensor("a", 0, 0, 4, 2).tensor("b", 8, 32, 64)
		f, err := parse(t, w.data(32+68))
		if err != nil {
			t.Fatalf("v%d big=%v: %v", c.v, c.big, err)
		}
		if f.Version != c.v || f.BigEndian != c.big || len(f.Metadata) != 4 || len(f.Tensors) != 2 {
			t.Fatalf("v%d: %+v", c.v, f)
		}
		if len(f.Problems) != 0 {
			t.Fatalf("v%d problems: %+v", c.v, f.Problems)
		}
		if f.Metadata[0].Key != "general.architecture" || f.Metadata[3].Value.Array[0].Array[1].Int != -1 {
			t.Fatalf("metadata: %+v", f.Metadata)
		}
		if toks, _ := f.Lookup("tokenizer.ggml.tokens"); len(toks.Array) != 2 || toks.Array[1].Str != "</s>" {
			t.Fatalf("tokens = %+v", toks)
		}
		ct := f.ChatTemplates()
		if len(ct) != 1 || ct[0].Template != tmpl || ct[0].Name != "default" {
			t.Fatalf("templates = %+v", ct)
		}
		if f.Tensors[1].Size != 68 || f.Tensors[1].Type.String() != "Q8_0" || f.DataOffset%32 != 0 {
			t.Fatalf("tensor b = %+v, data offset %d", f.Tensors[1], f.DataOffset)
		}
	}
}

func TestChatTemplatesNamed(t *testing.T) {
	t.Parallel()
	w := newBuilder(3, false).count(0).count(3)
	w.kvStr("tokenizer.chat_template", "a").kvStr("tokenizer.chat_template.tool_use", "b").kvU32("tokenizer.chat_template.bad", 3)
	f, err := parse(t, w.data(0))
	if err != nil {
		t.Fatal(err)
	}
	ct := f.ChatTemplates()
	if len(ct) != 2 || ct[1].Name != "tool_use" || ct[1].Template != "b" || ct[1].Key != "tokenizer.chat_template.tool_use" {
		t.Fatalf("templates = %+v", ct)
	}
}

func TestParseFatal(t *testing.T) {
	t.Parallel()
	huge := func(v uint32) *builder {
		return newBuilder(v, false).count(0).count(1).str("k").u32(uint32(TypeString))
	}
	// Each level is an array of one array: element type, then count.
	deep := newBuilder(3, false).count(0).count(1).str("k").u32(uint32(TypeArray))
	for i := 0; i < 20; i++ {
		deep.u32(uint32(TypeArray)).u64(1)
	}
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"magic":       {[]byte("GGUX\x03\x00\x00\x00"), "bad magic"},
		"version":     {[]byte("GGUF\x09\x00\x00\x00"), "unsupported version"},
		"truncated":   {[]byte("GGUF\x03\x00\x00\x00\x01"), "tensor count"},
		"kv count":    {newBuilder(3, false).count(0).count(1 << 40).data(0), "metadata count"},
		"tensor cnt":  {newBuilder(3, false).count(1 << 60).count(0).data(0), "tensor count"},
		"string len":  {huge(3).u64(1 << 62).data(0), "exceeds the"},
		"string v1":   {huge(1).u32(1 << 31).data(0), "exceeds the"},
		"array len":   {newBuilder(3, false).count(0).count(1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeUint64)).u64(1 << 40).data(0), "array length"},
		"value type":  {newBuilder(3, false).count(0).count(1).str("k").u32(99).data(0), "unknown value type"},
		"elem type":   {newBuilder(3, false).count(0).count(1).str("k").u32(uint32(TypeArray)).u32(77).u64(1).data(0), "unknown array element type"},
		"bool":        {append(newBuilder(3, false).count(0).count(1).str("k").u32(uint32(TypeBool)).b.Bytes(), 7), "bool"},
		"n_dims":      {newBuilder(3, false).count(1).count(0).str("t").u32(9).data(64), "dimensions"},
		"deep arrays": {deep.data(64), "nested deeper"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, c.b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	base := func() *builder { return newBuilder(3, false).count(1).count(0) }
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"unknown type": {base().tensor("t", 4, 0, 32).data(32), "unknown type 4"},
		"block size":   {base().tensor("t", 2, 0, 33).data(64), "block size"},
		"misaligned":   {base().tensor("t", 0, 4, 1).data(64), "not aligned"},
		"past end":     {base().tensor("t", 0, 0, 1000).data(16), "past the end"},
		"overflow":     {base().tensor("t", 0, 0, 1<<40, 1<<40).data(16), "overflows"},
		"5 dims":       {base().tensor("t", 0, 0, 1, 1, 1, 1, 1).data(32), "ggml supports 4"},
		"gap":          {newBuilder(3, false).count(2).count(0).tensor("a", 0, 0, 8).tensor("b", 0, 64, 8).data(128), "expected 32"},
		"overlap":      {newBuilder(3, false).count(2).count(0).tensor("a", 0, 0, 16).tensor("b", 0, 32, 8).data(128), "expected 64"},
		"dup tensor":   {newBuilder(3, false).count(2).count(0).tensor("a", 0, 0, 8).tensor("a", 0, 32, 8).data(64), "duplicate tensor"},
		"dup key":      {newBuilder(3, false).count(0).count(2).kvStr("k", "a").kvStr("k", "b").data(0), "duplicate metadata key"},
		"alignment":    {newBuilder(3, false).count(0).count(1).kvU32("general.alignment", 24).data(0), "power of two"},
		"align type":   {newBuilder(3, false).count(0).count(1).str("general.alignment").u32(uint32(TypeUint64)).u64(64).data(0), "not uint32"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := parse(t, c.b)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range f.Problems {
				if strings.Contains(p.Msg, c.want) {
					return
				}
			}
			t.Fatalf("problems %+v lack %q", f.Problems, c.want)
		})
	}
}

func TestAlignment(t *testing.T) {
	t.Parallel()
	w := newBuilder(3, false).count(2).count(1).kvU32("general.alignment", 64).tensor("a", 0, 0, 1).tensor("b", 0, 64, 1)
	for w.b.Len()%64 != 0 {
		w.b.WriteByte(0)
	}
	w.b.Write(make([]byte, 68))
	f, err := parse(t, w.b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Alignment != 64 || f.DataOffset%64 != 0 || len(f.Problems) != 0 {
		t.Fatalf("alignment %d data %d problems %+v", f.Alignment, f.DataOffset, f.Problems)
	}
}

func TestBenignFixture(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../scan/testdata/benign/gguf/tiny.gguf")
	if err != nil {
		fixture.Missing(t, "no tiny.gguf (run scan/testdata/gen_benign.py)")
	}
	f, err := parse(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Problems) != 0 || len(f.Tensors) == 0 {
		t.Fatalf("tiny.gguf: %d tensors, problems %+v", len(f.Tensors), f.Problems)
	}
}
