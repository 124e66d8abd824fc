package safetensors

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// build returns a safetensors file with the given JSON header and data size.
func build(header string, data int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(make([]byte, data))
	return b.Bytes()
}

func parse(t *testing.T, file []byte) (*Header, error) {
	t.Helper()
	return Parse(bytes.NewReader(file), int64(len(file)))
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	hdr := `{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"a":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]},"c":{"dtype":"F4","shape":[4],"data_offsets":[22,24]}}   `
	h, err := parse(t, build(hdr, 24))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Problems) != 0 {
		t.Fatalf("problems: %+v", h.Problems)
	}
	if len(h.Tensors) != 3 || h.Tensors[0].Name != "b" || h.Tensors[1].Name != "a" {
		t.Fatalf("tensors not in document order: %+v", h.Tensors)
	}
	if h.Metadata["format"] != "pt" || h.DataOffset != int64(8+len(hdr)) || h.DataSize != 24 {
		t.Fatalf("header = %+v", h)
	}
	if got := h.Tensors[0].Shape; len(got) != 2 || got[0] != 2 {
		t.Fatalf("shape = %v", got)
	}
}

func TestParseFatal(t *testing.T) {
	t.Parallel()
	big := make([]byte, 16)
	binary.LittleEndian.PutUint64(big, MaxHeaderSize+1)
	tooLong := make([]byte, 16)
	binary.LittleEndian.PutUint64(tooLong, 9)
	huge := make([]byte, 16)
	binary.LittleEndian.PutUint64(huge, 1<<63)
	for name, c := range map[string]struct {
		file []byte
		want string
	}{
		"short":        {[]byte{1, 2, 3}, "too small"},
		"over max":     {big, "maximum"},
		"past end":     {tooLong, "exceeds the 8 bytes"},
		"u64 huge":     {huge, "maximum"},
		"utf8":         {build("{\"a\xff\":1}", 0), "UTF-8"},
		"not json":     {build(`{"a":`, 0), "JSON"},
		"duplicate":    {build(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2), "duplicate key"},
		"deep":         {build(`{"a":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`, 0), "deeper"},
		"array":        {build(`[1,2]`, 0), "not a JSON object"},
		"trailing doc": {build(`{} {}`, 0), "trailing"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, c.file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		hdr  string
		data int
		kind Kind
		want string
	}{
		"unknown dtype":   {`{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}`, 1, KindHeader, "unknown dtype"},
		"negative dim":    {`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}`, 1, KindHeader, "non-negative integer"},
		"float dim":       {`{"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}`, 1, KindHeader, "non-negative integer"},
		"missing shape":   {`{"a":{"dtype":"U8","data_offsets":[0,1]}}`, 1, KindHeader, "missing shape"},
		"bad offsets":     {`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}}`, 1, KindHeader, "pair"},
		"entry not obj":   {`{"a":3}`, 0, KindHeader, "not an object"},
		"metadata int":    {`{"__metadata__":{"k":1}}`, 0, KindHeader, "not a string"},
		"metadata list":   {`{"__metadata__":[]}`, 0, KindHeader, "not an object"},
		"size mismatch":   {`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4, KindOffsets, "needs 8 bytes"},
		"overlap":         {`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}`, 6, KindOffsets, "overlaps"},
		"gap":             {`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}`, 12, KindOffsets, "gap of 4"},
		"trailing":        {`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, 10, KindOffsets, "6 bytes"},
		"past data":       {`{"a":{"dtype":"U8","shape":[40],"data_offsets":[0,40]}}`, 4, KindOffsets, "past the 4-byte"},
		"end before":      {`{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, 4, KindOffsets, "before begin"},
		"overflow":        {`{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, 8, KindOffsets, "overflows"},
		"overflow bits":   {`{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}`, 8, KindOffsets, "overflows"},
		"sub-byte":        {`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, 2, KindOffsets, "whole bytes"},
		"no tensors data": {`{}`, 3, KindOffsets, "3 bytes"},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := parse(t, build(c.hdr, c.data))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range h.Problems {
				if p.Kind == c.kind && strings.Contains(p.Msg, c.want) {
					return
				}
			}
			t.Fatalf("problems %+v lack kind %d %q", h.Problems, c.kind, c.want)
		})
	}
}

func TestProblemsBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 500; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"t` + strings.Repeat("x", i) + `":{"dtype":"ZZ","shape":[1],"data_offsets":[0,1]}`)
	}
	b.WriteString("}")
	h, err := parse(t, build(b.String(), 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Problems) != MaxProblems {
		t.Fatalf("got %d problems, want %d", len(h.Problems), MaxProblems)
	}
}

func TestByteSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		dt    string
		shape []uint64
		want  uint64
		ok    bool
	}{
		{"F32", []uint64{2, 3}, 24, true},
		{"F32", nil, 4, true},
		{"F6_E2M3", []uint64{4}, 3, true},
		{"F6_E3M2", []uint64{3}, 0, false},
		{"BOOL", []uint64{0, 5}, 0, true},
		{"C64", []uint64{2}, 16, true},
		{"nope", []uint64{1}, 0, false},
	} {
		got, err := ByteSize(c.dt, c.shape)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ByteSize(%s, %v) = %d, %v", c.dt, c.shape, got, err)
		}
	}
}
