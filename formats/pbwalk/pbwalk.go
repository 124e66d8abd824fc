package pbwalk

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// Wire types, re-exported so callers need not import protowire.
const (
	Varint  = protowire.VarintType
	Fixed32 = protowire.Fixed32Type
	Fixed64 = protowire.Fixed64Type
	Bytes   = protowire.BytesType
)

// ErrMalformed is wrapped by every error about invalid encoding.
var ErrMalformed = errors.New("malformed protobuf")

// An Error locates a malformed field.
type Error struct {
	Off int64
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("offset %d: %s", e.Off, e.Msg) }

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *Error) Unwrap() error { return ErrMalformed }

// ErrorOffset reports where the problem is, for the scanner's findings.
func (e *Error) ErrorOffset() int64 { return e.Off }

// A LimitError reports that a safety bound stopped the walk.
type LimitError struct {
	Limit string
	Off   int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("offset %d: limit reached: %s", e.Off, e.Limit)
}

// ErrorOffset reports where the limit was hit.
func (e *LimitError) ErrorOffset() int64 { return e.Off }

// A Msg is the byte range of one message.
type Msg struct {
	Off, Len int64
	Depth    int // nesting depth, 0 for the top level
}

// End is the offset just past the message.
func (m Msg) End() int64 { return m.Off + m.Len }

// A Field is one field of a message as it appears on the wire.
type Field struct {
	Num  protowire.Number
	Type protowire.Type
	Off  int64  // offset of the tag
	V    uint64 // value of a varint, fixed32 or fixed64 field
	Val  Msg    // payload of a length-delimited field
}

// Is reports whether f has the given number and wire type. A field with a
// known number but the wrong wire type is an unknown field to protobuf
// parsers, so callers must treat it as such.
func (f Field) Is(num protowire.Number, typ protowire.Type) bool {
	return f.Num == num && f.Type == typ
}

// Limits bound a walk.
type Limits struct {
	MaxDepth  int   // message nesting
	MaxFields int64 // fields visited in total
	MaxString int   // bytes read by String
}

// DefaultLimits suit real models: ONNX subgraphs nest a few levels, and a
// 100,000-node graph has a few million fields.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 64, MaxFields: 50_000_000, MaxString: 1 << 20}
}

const window = 64 << 10

// A Walker reads messages from r. It is not safe for concurrent use.
type Walker struct {
	r      io.ReaderAt
	size   int64
	lim    Limits
	fields int64
	buf    []byte
	bufOff int64
}

// New returns a Walker over the first size bytes of r.
func New(r io.ReaderAt, size int64, lim Limits) *Walker {
	if lim.MaxDepth <= 0 || lim.MaxFields <= 0 || lim.MaxString <= 0 {
		d := DefaultLimits()
		if lim.MaxDepth <= 0 {
			lim.MaxDepth = d.MaxDepth
		}
		if lim.MaxFields <= 0 {
			lim.MaxFields = d.MaxFields
		}
		if lim.MaxString <= 0 {
			lim.MaxString = d.MaxString
		}
	}
	return &Walker{r: r, size: size, lim: lim}
}

// Root is the whole input as a message.
func (w *Walker) Root() Msg { return Msg{Off: 0, Len: w.size} }

// Fields counts the fields visited so far.
func (w *Walker) Fields() int64 { return w.fields }

// peek returns up to n bytes at off, fewer only at the end of the input.
func (w *Walker) peek(off int64, n int) ([]byte, error) {
	if off >= w.bufOff && off+int64(n) <= w.bufOff+int64(len(w.buf)) {
		return w.buf[off-w.bufOff : off-w.bufOff+int64(n)], nil
	}
	want := int64(window)
	if rest := w.size - off; rest < want {
		want = rest
	}
	if want < int64(n) {
		n = int(want)
	}
	if cap(w.buf) < window {
		w.buf = make([]byte, window)
	}
	w.buf = w.buf[:want]
	k, err := w.r.ReadAt(w.buf, off)
	if k < int(want) {
		w.buf = w.buf[:0]
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read at %d: %w", off, err)
	}
	w.bufOff = off
	return w.buf[:n], nil
}

// Walk calls fn for each field of m, in wire order. It fails on the first
// malformed field; fn's errors are returned as they are.
func (w *Walker) Walk(m Msg, fn func(Field) error) error {
	if m.Depth > w.lim.MaxDepth {
		return &LimitError{Limit: fmt.Sprintf("protobuf nesting deeper than %d", w.lim.MaxDepth), Off: m.Off}
	}
	off, end := m.Off, m.End()
	for off < end {
		w.fields++
		if w.fields > w.lim.MaxFields {
			return &LimitError{Limit: fmt.Sprintf("more than %d protobuf fields", w.lim.MaxFields), Off: off}
		}
		f, next, err := w.field(off, end, m.Depth)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
		off = next
	}
	return nil
}

// field decodes the field at off, which must end by end.
func (w *Walker) field(off, end int64, depth int) (Field, int64, error) {
	n := 2 * binaryMaxVarint
	if rest := end - off; rest < int64(n) {
		n = int(rest)
	}
	b, err := w.peek(off, n)
	if err != nil {
		return Field{}, 0, err
	}
	num, typ, tn := protowire.ConsumeTag(b)
	if tn < 0 {
		return Field{}, 0, &Error{Off: off, Msg: "invalid tag"}
	}
	f := Field{Num: num, Type: typ, Off: off}
	b = b[tn:]
	var vn int
	switch typ {
	case protowire.VarintType:
		f.V, vn = protowire.ConsumeVarint(b)
	case protowire.Fixed32Type:
		var v uint32
		v, vn = protowire.ConsumeFixed32(b)
		f.V = uint64(v)
	case protowire.Fixed64Type:
		f.V, vn = protowire.ConsumeFixed64(b)
	case protowire.BytesType:
		var l uint64
		l, vn = protowire.ConsumeVarint(b)
		if vn >= 0 {
			start := off + int64(tn) + int64(vn)
			if l > uint64(end-start) {
				return Field{}, 0, &Error{Off: off, Msg: fmt.Sprintf("field %d: length %d past the end of its message", num, l)}
			}
			f.Val = Msg{Off: start, Len: int64(l), Depth: depth + 1}
			return f, start + int64(l), nil
		}
	default:
		return Field{}, 0, &Error{Off: off, Msg: fmt.Sprintf("field %d: unsupported wire type %d", num, typ)}
	}
	if vn < 0 {
		return Field{}, 0, &Error{Off: off, Msg: fmt.Sprintf("field %d: truncated or invalid value", num)}
	}
	return f, off + int64(tn) + int64(vn), nil
}

const binaryMaxVarint = 10

// Bytes reads a length-delimited payload of at most max bytes (Limits.
// MaxString when max is 0). A longer payload is an error: callers read only
// names and paths this way, never tensor data.
func (w *Walker) Bytes(m Msg, max int) ([]byte, error) {
	if max <= 0 {
		max = w.lim.MaxString
	}
	if m.Len > int64(max) {
		return nil, &LimitError{Limit: fmt.Sprintf("string of %d bytes (limit %d)", m.Len, max), Off: m.Off}
	}
	out := make([]byte, m.Len)
	if m.Len == 0 {
		return out, nil
	}
	k, err := w.r.ReadAt(out, m.Off)
	if k < len(out) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read at %d: %w", m.Off, err)
	}
	return out, nil
}

// String is Bytes as a string.
func (w *Walker) String(m Msg, max int) (string, error) {
	b, err := w.Bytes(m, max)
	return string(b), err
}
