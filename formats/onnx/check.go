package onnx

import (
	"errors"
	"io"
	"strings"

	"github.com/mlsec/mlsec/formats/pbwalk"
)

// ORTMemoryTag is the location onnxruntime gives tensors whose data sits at
// a raw memory address (the offset). It is internal to onnxruntime and has
// no business in a file.
const ORTMemoryTag = "*/_ORT_MEM_ADDR_/*"

// CheckLocation returns why an external_data location would make a loader
// read outside the model's folder, or "" when it stays inside. The check is
// lexical, as the location is data: backslashes count as separators (as on
// Windows), and any ".." segment is refused even when the path comes back
// inside (CVE-2024-27318 bypassed onnx's check with "subdir/../../x").
func CheckLocation(loc string) string {
	if loc == "" {
		return ""
	}
	if strings.ContainsRune(loc, 0) {
		return "contains a NUL byte"
	}
	if strings.HasPrefix(loc, ORTMemoryTag) {
		return "names a memory address (onnxruntime's " + ORTMemoryTag + " tag), not a file"
	}
	s := strings.ReplaceAll(loc, `\`, "/")
	if strings.HasPrefix(s, "/") {
		return "is an absolute path"
	}
	if len(s) >= 2 && s[1] == ':' && (s[0]|0x20) >= 'a' && (s[0]|0x20) <= 'z' {
		return "is a Windows drive path"
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == ".." {
			return "contains a '..' segment"
		}
		// Windows drops trailing dots and spaces from path segments,
		// so ".. " and "..." can act as "..".
		if strings.Contains(seg, "..") && strings.Trim(seg, ". ") == "" {
			return "contains a segment of dots Windows may read as '..'"
		}
	}
	return ""
}

// Probe reports whether the content looks like an ONNX ModelProto: the top
// level decodes to its end, with an ir_version varint in 1..255 and a
// graph whose own fields decode. Unknown and mistyped fields are allowed, as
// loaders skip them, so a file cannot dodge detection by adding some.
func Probe(r io.ReaderAt, size int64) bool {
	if size < 4 {
		return false
	}
	w := pbwalk.New(r, size, pbwalk.Limits{MaxDepth: 4, MaxFields: 1 << 20, MaxString: 1})
	var ir uint64
	var graphs []pbwalk.Msg
	err := w.Walk(w.Root(), func(f pbwalk.Field) error {
		switch {
		case f.Is(1, pbwalk.Varint):
			ir = f.V
		case f.Is(7, pbwalk.Bytes):
			graphs = append(graphs, f.Val)
		}
		return nil
	})
	if err != nil || ir < 1 || ir > 255 || len(graphs) == 0 {
		return false
	}
	for _, g := range graphs {
		nodes := 0
		err := w.Walk(g, func(f pbwalk.Field) error {
			if f.Is(1, pbwalk.Bytes) {
				nodes++
			}
			return nil
		})
		if err != nil && !errors.As(err, new(*pbwalk.LimitError)) {
			return false
		}
		if nodes > 0 {
			return true
		}
	}
	// A graph without nodes (only initializers or I/O) is legal but rare.
	return graphs[0].Len > 0
}
