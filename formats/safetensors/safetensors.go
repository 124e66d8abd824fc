package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest header the reference implementation accepts.
const MaxHeaderSize = 100_000_000

// MaxProblems caps the problems recorded for one file, so a header with a
// million bad entries costs a bounded report.
const MaxProblems = 100

// dtypeBits maps every dtype the reference implementation knows (0.6) to
// its size in bits.
var dtypeBits = map[string]uint64{
	"BOOL": 8, "U8": 8, "I8": 8,
	"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
	"F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32,
	"I64": 64, "U64": 64, "F64": 64, "C64": 64,
}

// DTypeBits returns the size in bits of one element of a dtype, and
// whether the dtype is known.
func DTypeBits(dtype string) (uint64, bool) {
	b, ok := dtypeBits[dtype]
	return b, ok
}

// TensorInfo describes one tensor entry of the header.
type TensorInfo struct {
	Name  string
	DType string
	Shape []uint64
	// Begin and End are the data_offsets, relative to the start of the
	// data region (Header.DataOffset).
	Begin, End uint64
	valid      bool // dtype, shape and offsets were well-formed
}

// Header is a parsed safetensors header.
type Header struct {
	// HeaderSize is the JSON header's length as stored in the first 8 bytes.
	HeaderSize uint64
	// DataOffset is where the data region starts in the file (8 + HeaderSize).
	DataOffset int64
	// DataSize is the length of the data region (file size - DataOffset).
	DataSize int64
	// Tensors are the tensor entries in document order.
	Tensors []TensorInfo
	// Metadata is the __metadata__ map; MetadataKeys keeps its order.
	Metadata     map[string]string
	MetadataKeys []string
	// Problems lists inconsistencies found in a header that could be
	// decoded. A file with problems may be rejected or misread by loaders.
	Problems []Problem
}

// Kind classifies a problem.
type Kind int

// Problem kinds.
const (
	// KindHeader is a malformed header: length, UTF-8, JSON, entry fields, dtype or shape.
	KindHeader Kind = iota
	// KindOffsets is an inconsistency between offsets, sizes and the data region.
	KindOffsets
)

// A Problem is one inconsistency in a header.
type Problem struct {
	Kind   Kind
	Tensor string // the tensor concerned, if any
	Offset int64  // file offset the problem is about, or -1
	Msg    string
}

// Error is returned by Parse when the header cannot be decoded at all.
type Error struct {
	Offset int64
	Msg    string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "safetensors: " + e.Msg + ": " + e.Err.Error()
	}
	return "safetensors: " + e.Msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ErrorOffset reports where in the file the error is.
func (e *Error) ErrorOffset() int64 { return e.Offset }

// Parse reads and validates the header of a safetensors file of the given
// size. It never reads tensor data. It returns an *Error if the header
// cannot be decoded; problems in a decodable header are in Header.Problems.
func Parse(r io.ReaderAt, size int64) (*Header, error) {
	if size < 8 {
		return nil, &Error{Offset: 0, Msg: fmt.Sprintf("file of %d bytes is too small for a header length", size)}
	}
	var lb [8]byte
	if _, err := r.ReadAt(lb[:], 0); err != nil {
		return nil, &Error{Offset: 0, Msg: "reading header length", Err: err}
	}
	n := binary.LittleEndian.Uint64(lb[:])
	if n > MaxHeaderSize {
		return nil, &Error{Offset: 0, Msg: fmt.Sprintf("header length %d exceeds the %d-byte maximum", n, MaxHeaderSize)}
	}
	if n > uint64(size-8) {
		return nil, &Error{Offset: 0, Msg: fmt.Sprintf("header length %d exceeds the %d bytes after the length field", n, size-8)}
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, 8); err != nil && !(err == io.EOF && uint64(len(buf)) == n) {
		return nil, &Error{Offset: 8, Msg: "reading header", Err: err}
	}
	if !utf8.Valid(buf) {
		return nil, &Error{Offset: 8, Msg: "header is not valid UTF-8"}
	}
	doc, err := decodeStrict(string(buf))
	if err != nil {
		return nil, &Error{Offset: 8, Msg: "header is not valid JSON", Err: err}
	}
	obj, ok := doc.(object)
	if !ok {
		return nil, &Error{Offset: 8, Msg: "header is not a JSON object"}
	}
	h := &Header{HeaderSize: n, DataOffset: int64(8 + n), DataSize: size - int64(8+n)}
	for _, m := range obj {
		if m.key == "__metadata__" {
			h.parseMetadata(m.val)
			continue
		}
		h.Tensors = append(h.Tensors, h.parseTensor(m.key, m.val))
	}
	h.checkOffsets()
	return h, nil
}

func (h *Header) addProblem(k Kind, tensor string, off int64, format string, args ...any) {
	if len(h.Problems) >= MaxProblems {
		return
	}
	if len(h.Problems) == MaxProblems-1 {
		h.Problems = append(h.Problems, Problem{k, "", -1, fmt.Sprintf("more than %d problems; the rest are not listed", MaxProblems)})
		return
	}
	h.Problems = append(h.Problems, Problem{k, tensor, off, fmt.Sprintf(format, args...)})
}

func (h *Header) parseMetadata(v any) {
	if v == nil {
		return
	}
	obj, ok := v.(object)
	if !ok {
		h.addProblem(KindHeader, "", 8, "__metadata__ is %s, not an object of strings", typeName(v))
		return
	}
	h.Metadata = make(map[string]string, len(obj))
	for _, m := range obj {
		s, ok := m.val.(string)
		if !ok {
			h.addProblem(KindHeader, "", 8, "__metadata__[%q] is %s, not a string", m.key, typeName(m.val))
			continue
		}
		h.Metadata[m.key] = s
		h.MetadataKeys = append(h.MetadataKeys, m.key)
	}
}

func (h *Header) parseTensor(name string, v any) TensorInfo {
	t := TensorInfo{Name: name}
	obj, ok := v.(object)
	if !ok {
		h.addProblem(KindHeader, name, 8, "tensor %q is %s, not an object", name, typeName(v))
		return t
	}
	var haveDType, haveShape, haveOffsets bool
	valid := true
	for _, m := range obj {
		switch m.key {
		case "dtype":
			haveDType = true
			s, ok := m.val.(string)
			if !ok {
				h.addProblem(KindHeader, name, 8, "tensor %q: dtype is %s, not a string", name, typeName(m.val))
				valid = false
				continue
			}
			t.DType = s
			if _, ok := dtypeBits[s]; !ok {
				h.addProblem(KindHeader, name, 8, "tensor %q: unknown dtype %q", name, s)
				valid = false
			}
		case "shape":
			haveShape = true
			arr, ok := m.val.([]any)
			if !ok {
				h.addProblem(KindHeader, name, 8, "tensor %q: shape is %s, not an array", name, typeName(m.val))
				valid = false
				continue
			}
			t.Shape = make([]uint64, 0, len(arr))
			for _, e := range arr {
				d, ok := uintOf(e)
				if !ok {
					h.addProblem(KindHeader, name, 8, "tensor %q: shape element %v is not a non-negative integer", name, e)
					valid = false
					break
				}
				t.Shape = append(t.Shape, d)
			}
		case "data_offsets":
			haveOffsets = true
			arr, ok := m.val.([]any)
			var b, e uint64
			var okb, oke bool
			if ok && len(arr) == 2 {
				b, okb = uintOf(arr[0])
				e, oke = uintOf(arr[1])
			}
			if !okb || !oke {
				h.addProblem(KindHeader, name, 8, "tensor %q: data_offsets %v is not a pair of non-negative integers", name, m.val)
				valid = false
				continue
			}
			t.Begin, t.End = b, e
		}
	}
	for _, f := range []struct {
		have bool
		name string
	}{{haveDType, "dtype"}, {haveShape, "shape"}, {haveOffsets, "data_offsets"}} {
		if !f.have {
			h.addProblem(KindHeader, name, 8, "tensor %q: missing %s", name, f.name)
			valid = false
		}
	}
	t.valid = valid
	return t
}

// checkOffsets applies the reference implementation's rules: sorted by
// offset, the tensors must tile the data region exactly, and each must be
// exactly as long as its dtype and shape say.
func (h *Header) checkOffsets() {
	idx := make([]int, 0, len(h.Tensors))
	for i, t := range h.Tensors {
		if !t.valid {
			continue
		}
		idx = append(idx, i)
		want, err := ByteSize(t.DType, t.Shape)
		switch {
		case err != nil:
			h.addProblem(KindOffsets, t.Name, h.DataOffset+int64(min(t.Begin, uint64(h.DataSize))), "tensor %q: %v", t.Name, err)
		case t.End < t.Begin:
			h.addProblem(KindOffsets, t.Name, -1, "tensor %q: data_offsets end %d before begin %d", t.Name, t.End, t.Begin)
		case t.End-t.Begin != want:
			h.addProblem(KindOffsets, t.Name, h.DataOffset+int64(min(t.Begin, uint64(h.DataSize))),
				"tensor %q: %s%v needs %d bytes but data_offsets [%d, %d] span %d", t.Name, t.DType, t.Shape, want, t.Begin, t.End, t.End-t.Begin)
		}
		if t.End > uint64(h.DataSize) {
			h.addProblem(KindOffsets, t.Name, -1, "tensor %q: data_offsets end %d is past the %d-byte data region", t.Name, t.End, h.DataSize)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ta, tb := h.Tensors[idx[a]], h.Tensors[idx[b]]
		if ta.Begin != tb.Begin {
			return ta.Begin < tb.Begin
		}
		return ta.End < tb.End
	})
	var pos uint64
	prev := ""
	for _, i := range idx {
		t := h.Tensors[i]
		switch {
		case t.Begin < pos:
			h.addProblem(KindOffsets, t.Name, h.DataOffset+int64(min(t.Begin, uint64(h.DataSize))), "tensor %q overlaps tensor %q (begins at %d, before %d)", t.Name, prev, t.Begin, pos)
		case t.Begin > pos:
			h.addProblem(KindOffsets, t.Name, h.DataOffset+int64(min(pos, uint64(h.DataSize))), "gap of %d bytes in the data region before tensor %q (at %d)", t.Begin-pos, t.Name, pos)
		}
		if t.End > pos {
			pos = t.End
		}
		prev = t.Name
	}
	if len(idx) == len(h.Tensors) && pos < uint64(h.DataSize) {
		h.addProblem(KindOffsets, "", h.DataOffset+int64(pos), "%d bytes of the data region after the last tensor are not covered by any tensor", uint64(h.DataSize)-pos)
	}
}

// ByteSize returns the bytes a tensor of dtype and shape occupies, with
// overflow checks. Sub-byte dtypes must fill whole bytes.
func ByteSize(dtype string, shape []uint64) (uint64, error) {
	b, ok := dtypeBits[dtype]
	if !ok {
		return 0, fmt.Errorf("unknown dtype %q", dtype)
	}
	n := uint64(1)
	for _, d := range shape {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return 0, fmt.Errorf("shape %v overflows 64 bits", shape)
		}
		n = lo
	}
	hi, nb := bits.Mul64(n, b)
	if hi != 0 {
		return 0, fmt.Errorf("shape %v of %s overflows 64 bits", shape, dtype)
	}
	if nb%8 != 0 {
		return 0, fmt.Errorf("%d elements of %d-bit %s do not fill whole bytes", n, b, dtype)
	}
	return nb / 8, nil
}

// uintOf accepts a JSON integer literal in range: no sign, fraction or exponent.
func uintOf(v any) (uint64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	u, err := strconv.ParseUint(string(n), 10, 64)
	return u, err == nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case object:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}
