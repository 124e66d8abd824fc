package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Limits of the parser. A file beyond them is reported, never truncated.
const (
	// MaxArrayDepth bounds arrays nested in arrays.
	MaxArrayDepth = 8
	// MaxDims is the most dimensions a tensor may declare before the
	// header is considered corrupt; ggml itself accepts 4 (GGMLMaxDims).
	MaxDims = 8
	// GGMLMaxDims is ggml's limit on tensor dimensions.
	GGMLMaxDims = 4
	// MaxStringLen bounds one string (a chat template, a token).
	MaxStringLen = 64 << 20
	// MaxProblems caps the problems recorded for one file.
	MaxProblems = 100
	// DefaultAlignment applies when general.alignment is absent.
	DefaultAlignment = 32
)

// TensorInfo is one entry of the tensor table.
type TensorInfo struct {
	Name   string
	Dims   []uint64
	Type   GGMLType
	Offset uint64 // relative to File.DataOffset
	Size   uint64 // bytes, 0 when the type is unknown
	// InfoOffset is where the entry starts in the file.
	InfoOffset int64
}

// File is a parsed GGUF header.
type File struct {
	Version   uint32
	BigEndian bool
	// Metadata holds the key/value entries in file order.
	Metadata []KV
	Tensors  []TensorInfo
	// Alignment of tensor data (general.alignment or 32).
	Alignment uint64
	// DataOffset is where tensor data starts in the file.
	DataOffset int64
	// Problems lists inconsistencies in a header that could be read.
	Problems []Problem
}

// A Problem is an inconsistency found in a readable header.
type Problem struct {
	Offset int64
	Msg    string
}

// Error is returned when the header cannot be read to its end.
type Error struct {
	Offset int64
	Msg    string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("gguf: %s at offset %d: %v", e.Msg, e.Offset, e.Err)
	}
	return fmt.Sprintf("gguf: %s at offset %d", e.Msg, e.Offset)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ErrorOffset reports where in the file the error is.
func (e *Error) ErrorOffset() int64 { return e.Offset }

// Lookup returns the value of a metadata key.
func (f *File) Lookup(key string) (Value, bool) {
	for _, kv := range f.Metadata {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return Value{}, false
}

// A ChatTemplate is a Jinja template stored in the metadata.
type ChatTemplate struct {
	Key      string // tokenizer.chat_template or tokenizer.chat_template.<name>
	Name     string // "default" or <name>
	Template string
	Offset   int64
}

// ChatTemplates returns every string-valued tokenizer.chat_template and
// tokenizer.chat_template.* entry, in file order.
func (f *File) ChatTemplates() []ChatTemplate {
	var out []ChatTemplate
	for _, kv := range f.Metadata {
		name := ""
		switch {
		case kv.Key == "tokenizer.chat_template":
			name = "default"
		case strings.HasPrefix(kv.Key, "tokenizer.chat_template."):
			name = strings.TrimPrefix(kv.Key, "tokenizer.chat_template.")
		default:
			continue
		}
		if s, ok := kv.Value.String(); ok {
			out = append(out, ChatTemplate{Key: kv.Key, Name: name, Template: s, Offset: kv.Offset})
		}
	}
	return out
}

// reader reads little- or big-endian fields and tracks its position.
type reader struct {
	br    *bufio.Reader
	order binary.ByteOrder
	pos   int64
	size  int64
	buf   [8]byte
}

func (r *reader) fail(msg string, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &Error{Offset: r.pos, Msg: msg, Err: err}
}

func (r *reader) remaining() int64 { return r.size - r.pos }

func (r *reader) read(n int, what string) ([]byte, error) {
	if _, err := io.ReadFull(r.br, r.buf[:n]); err != nil {
		return nil, r.fail("reading "+what, err)
	}
	r.pos += int64(n)
	return r.buf[:n], nil
}

func (r *reader) u32(what string) (uint32, error) {
	b, err := r.read(4, what)
	if err != nil {
		return 0, err
	}
	return r.order.Uint32(b), nil
}

func (r *reader) u64(what string) (uint64, error) {
	b, err := r.read(8, what)
	if err != nil {
		return 0, err
	}
	return r.order.Uint64(b), nil
}

// count reads a length or count: 32 bits in version 1, 64 after.
func (r *reader) count(v uint32, what string) (uint64, error) {
	if v == 1 {
		n, err := r.u32(what)
		return uint64(n), err
	}
	return r.u64(what)
}

func (r *reader) str(v uint32, what string) (string, error) {
	start := r.pos
	n, err := r.count(v, what+" length")
	if err != nil {
		return "", err
	}
	if n > uint64(r.remaining()) {
		return "", &Error{Offset: start, Msg: fmt.Sprintf("%s length %d exceeds the %d bytes left in the file", what, n, r.remaining())}
	}
	if n > MaxStringLen {
		return "", &Error{Offset: start, Msg: fmt.Sprintf("%s length %d exceeds the %d-byte limit", what, n, MaxStringLen)}
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.br, b); err != nil {
		return "", r.fail("reading "+what, err)
	}
	r.pos += int64(n)
	return string(b), nil
}

// Parse reads the header of a GGUF file of the given size: metadata and
// tensor table. It never reads tensor data. It returns an *Error when the
// header cannot be read; inconsistencies in a readable header are listed
// in File.Problems.
func Parse(ra io.ReaderAt, size int64) (*File, error) {
	r := &reader{br: bufio.NewReaderSize(io.NewSectionReader(ra, 0, size), 64<<10), size: size, order: binary.LittleEndian}
	magic, err := r.read(4, "magic")
	if err != nil {
		return nil, err
	}
	if string(magic) != "GGUF" {
		return nil, &Error{Offset: 0, Msg: fmt.Sprintf("bad magic %q", magic)}
	}
	vb, err := r.read(4, "version")
	if err != nil {
		return nil, err
	}
	f := &File{Alignment: DefaultAlignment}
	le, be := binary.LittleEndian.Uint32(vb), binary.BigEndian.Uint32(vb)
	switch {
	case le >= 1 && le <= 3:
		f.Version = le
	case be >= 1 && be <= 3:
		f.Version, f.BigEndian, r.order = be, true, binary.BigEndian
	default:
		return nil, &Error{Offset: 4, Msg: fmt.Sprintf("unsupported version %d", le)}
	}
	nTensors, err := r.count(f.Version, "tensor count")
	if err != nil {
		return nil, err
	}
	nKV, err := r.count(f.Version, "metadata count")
	if err != nil {
		return nil, err
	}
	// The smallest entries: a key/value is a length, a type and one byte;
	// a tensor info is a length, n_dims, type and offset.
	lenSize := int64(8)
	if f.Version == 1 {
		lenSize = 4
	}
	if nKV > uint64(r.remaining()/(lenSize+5)) {
		return nil, &Error{Offset: 16, Msg: fmt.Sprintf("metadata count %d cannot fit in the %d bytes left", nKV, r.remaining())}
	}
	if nTensors > uint64(r.remaining()/(lenSize+16)) {
		return nil, &Error{Offset: 8, Msg: fmt.Sprintf("tensor count %d cannot fit in the %d bytes left", nTensors, r.remaining())}
	}
	seen := map[string]bool{}
	f.Metadata = make([]KV, 0, min(nKV, 1024))
	for i := uint64(0); i < nKV; i++ {
		off := r.pos
		key, err := r.str(f.Version, "metadata key")
		if err != nil {
			return nil, err
		}
		t, err := r.u32("value type")
		if err != nil {
			return nil, err
		}
		v, err := r.value(f.Version, ValueType(t), 0)
		if err != nil {
			return nil, err
		}
		if seen[key] {
			f.problem(off, "duplicate metadata key %q", key)
		}
		seen[key] = true
		f.Metadata = append(f.Metadata, KV{Key: key, Value: v, Offset: off})
	}
	if v, ok := f.Lookup("general.alignment"); ok {
		a, isInt := v.Uint64()
		switch {
		case v.Type != TypeUint32:
			f.problem(-1, "general.alignment is %s, not uint32", v.Type)
		case !isInt || a == 0 || a&(a-1) != 0:
			f.problem(-1, "general.alignment %d is not a power of two", a)
		default:
			f.Alignment = a
		}
	}
	if err := f.readTensors(r, nTensors); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) problem(off int64, format string, args ...any) {
	switch {
	case len(f.Problems) < MaxProblems-1:
		f.Problems = append(f.Problems, Problem{off, fmt.Sprintf(format, args...)})
	case len(f.Problems) == MaxProblems-1:
		f.Problems = append(f.Problems, Problem{-1, fmt.Sprintf("more than %d problems; the rest are not listed", MaxProblems)})
	}
}

func (r *reader) value(v uint32, t ValueType, depth int) (Value, error) {
	val := Value{Type: t}
	switch t {
	case TypeString:
		s, err := r.str(v, "string value")
		val.Str = s
		return val, err
	case TypeArray:
		if depth >= MaxArrayDepth {
			return val, &Error{Offset: r.pos, Msg: fmt.Sprintf("arrays nested deeper than %d levels", MaxArrayDepth)}
		}
		et, err := r.u32("array element type")
		if err != nil {
			return val, err
		}
		val.Elem = ValueType(et)
		start := r.pos
		n, err := r.count(v, "array length")
		if err != nil {
			return val, err
		}
		minSize := int64(val.Elem.size())
		switch val.Elem {
		case TypeString:
			minSize = 8
			if v == 1 {
				minSize = 4
			}
		case TypeArray:
			minSize = 12
			if v == 1 {
				minSize = 8
			}
		}
		if minSize == 0 {
			return val, &Error{Offset: start - 4, Msg: fmt.Sprintf("unknown array element type %d", et)}
		}
		if n > uint64(r.remaining()/minSize) {
			return val, &Error{Offset: start, Msg: fmt.Sprintf("array length %d cannot fit in the %d bytes left", n, r.remaining())}
		}
		val.Array = make([]Value, 0, min(n, 4096))
		for i := uint64(0); i < n; i++ {
			e, err := r.value(v, val.Elem, depth+1)
			if err != nil {
				return val, err
			}
			val.Array = append(val.Array, e)
		}
		return val, nil
	}
	n := t.size()
	if n == 0 {
		return val, &Error{Offset: r.pos - 4, Msg: fmt.Sprintf("unknown value type %d", uint32(t))}
	}
	b, err := r.read(n, t.String()+" value")
	if err != nil {
		return val, err
	}
	switch t {
	case TypeUint8, TypeBool:
		val.Uint = uint64(b[0])
		if t == TypeBool && b[0] > 1 {
			return val, &Error{Offset: r.pos - 1, Msg: fmt.Sprintf("bool value %d is neither 0 nor 1", b[0])}
		}
	case TypeInt8:
		val.Int = int64(int8(b[0]))
	case TypeUint16:
		val.Uint = uint64(r.order.Uint16(b))
	case TypeInt16:
		val.Int = int64(int16(r.order.Uint16(b)))
	case TypeUint32:
		val.Uint = uint64(r.order.Uint32(b))
	case TypeInt32:
		val.Int = int64(int32(r.order.Uint32(b)))
	case TypeFloat32:
		val.Float = float64(math.Float32frombits(r.order.Uint32(b)))
	case TypeUint64:
		val.Uint = r.order.Uint64(b)
	case TypeInt64:
		val.Int = int64(r.order.Uint64(b))
	case TypeFloat64:
		val.Float = math.Float64frombits(r.order.Uint64(b))
	}
	return val, nil
}

func (f *File) readTensors(r *reader, n uint64) error {
	f.Tensors = make([]TensorInfo, 0, min(n, 4096))
	names := map[string]bool{}
	for i := uint64(0); i < n; i++ {
		ti := TensorInfo{InfoOffset: r.pos}
		var err error
		if ti.Name, err = r.str(f.Version, "tensor name"); err != nil {
			return err
		}
		nd, err := r.u32("tensor dimension count")
		if err != nil {
			return err
		}
		if nd > MaxDims {
			return &Error{Offset: r.pos - 4, Msg: fmt.Sprintf("tensor %q has %d dimensions (at most %d)", ti.Name, nd, MaxDims)}
		}
		if nd > GGMLMaxDims {
			f.problem(ti.InfoOffset, "tensor %q has %d dimensions; ggml supports %d", ti.Name, nd, GGMLMaxDims)
		}
		ti.Dims = make([]uint64, nd)
		for d := range ti.Dims {
			if f.Version == 1 {
				x, err := r.u32("tensor dimension")
				ti.Dims[d] = uint64(x)
				if err != nil {
					return err
				}
			} else if ti.Dims[d], err = r.u64("tensor dimension"); err != nil {
				return err
			}
		}
		t, err := r.u32("tensor type")
		if err != nil {
			return err
		}
		ti.Type = GGMLType(t)
		if ti.Offset, err = r.u64("tensor offset"); err != nil {
			return err
		}
		if names[ti.Name] {
			f.problem(ti.InfoOffset, "duplicate tensor name %q", ti.Name)
		}
		names[ti.Name] = true
		f.Tensors = append(f.Tensors, ti)
	}
	f.DataOffset = r.pos
	if rem := uint64(r.pos) % f.Alignment; rem != 0 {
		f.DataOffset += int64(f.Alignment - rem)
	}
	f.checkTensors(r.size)
	return nil
}

// checkTensors checks what gguf.c checks when it loads: known types, sizes
// that do not overflow, offsets aligned and laid out back to back (each
// tensor padded to the alignment), and data inside the file.
func (f *File) checkTensors(size int64) {
	if len(f.Tensors) > 0 && f.DataOffset > size {
		f.problem(f.DataOffset, "tensor data would start at %d, past the end of the %d-byte file", f.DataOffset, size)
	}
	dataSize := uint64(max(size-f.DataOffset, 0))
	expect, inOrder := uint64(0), true
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if !t.Type.Known() {
			f.problem(t.InfoOffset, "tensor %q has unknown type %d", t.Name, uint32(t.Type))
			inOrder = false
			continue
		}
		nb, err := t.Type.ByteSize(t.Dims)
		if err != nil {
			f.problem(t.InfoOffset, "tensor %q (%s %v): %v", t.Name, t.Type, t.Dims, err)
			inOrder = false
			continue
		}
		t.Size = nb
		if t.Offset%f.Alignment != 0 {
			f.problem(t.InfoOffset, "tensor %q offset %d is not aligned to %d", t.Name, t.Offset, f.Alignment)
		}
		if inOrder && t.Offset != expect {
			f.problem(t.InfoOffset, "tensor %q has offset %d, expected %d (tensors must be laid out in order without gaps or overlaps)", t.Name, t.Offset, expect)
			inOrder = false
		}
		if t.Offset > dataSize || nb > dataSize-t.Offset {
			f.problem(t.InfoOffset, "tensor %q data [%d, +%d) is past the end of the %d-byte data section", t.Name, t.Offset, nb, dataSize)
		}
		pad := (nb + f.Alignment - 1) / f.Alignment * f.Alignment
		if pad < nb || expect > math.MaxInt64-pad {
			inOrder = false
			continue
		}
		expect += pad
	}
}
