package pbwalk

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestWalkAcrossWindow(t *testing.T) {
	t.Parallel()
	// Many fields spanning several read windows, with values that straddle
	// window boundaries.
	var b []byte
	for i := 0; i < 30000; i++ {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(i)<<20)
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, "abc")
		b = protowire.AppendTag(b, 3, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, uint32(i))
		b = protowire.AppendTag(b, 4, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, uint64(i))
	}
	w := New(bytes.NewReader(b), int64(len(b)), Limits{})
	var n, sum int
	err := w.Walk(w.Root(), func(f Field) error {
		switch {
		case f.Is(1, Varint):
			if f.V != uint64(n)<<20 {
				t.Fatalf("field %d: varint %d", n, f.V)
			}
		case f.Is(2, Bytes):
			s, err := w.String(f.Val, 0)
			if s != "abc" {
				t.Fatalf("string %q %v", s, err)
			}
		case f.Is(3, Fixed32):
			sum += int(f.V)
		case f.Is(4, Fixed64):
			n++
		}
		return nil
	})
	if err != nil || n != 30000 || sum != 30000*29999/2 {
		t.Fatalf("err %v n %d sum %d", err, n, sum)
	}
	if w.Fields() != 4*30000 {
		t.Errorf("fields = %d", w.Fields())
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		b   []byte
		off int64
	}{
		"length past end":  {[]byte{0x08, 0x01, 0x12, 0x05, 'a'}, 2},
		"truncated varint": {[]byte{0x08, 0x80}, 0},
		"overlong varint":  {[]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 0},
		"field zero":       {[]byte{0x00, 0x01}, 0},
		"start group":      {[]byte{0x0b, 0x0c}, 0},
		"end group":        {[]byte{0x0c}, 0},
		"wire type 6":      {[]byte{0x0e}, 0},
		"fixed64 short":    {[]byte{0x09, 1, 2, 3}, 0},
	} {
		w := New(bytes.NewReader(c.b), int64(len(c.b)), Limits{})
		err := w.Walk(w.Root(), func(Field) error { return nil })
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) || pe.ErrorOffset() != c.off {
			t.Errorf("%s: err = %v, want a malformed error at %d", name, err, c.off)
		}
	}
	// A nested message may not run past its parent.
	b := []byte{0x0a, 0x02, 0x12, 0x05, 'a', 'b', 'c', 'd', 'e'}
	w := New(bytes.NewReader(b), int64(len(b)), Limits{})
	err := w.Walk(w.Root(), func(f Field) error { return w.Walk(f.Val, func(Field) error { return nil }) })
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("nested overrun: %v", err)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	b = protowire.AppendString(b, strings.Repeat("x", 100))
	w := New(bytes.NewReader(b), int64(len(b)), Limits{MaxString: 10, MaxFields: 1, MaxDepth: 1})
	var le *LimitError
	err := w.Walk(w.Root(), func(f Field) error {
		_, err := w.String(f.Val, 0)
		return err
	})
	if !errors.As(err, &le) {
		t.Errorf("string limit: %v", err)
	}
	err = w.Walk(w.Root(), func(Field) error { return nil })
	if !errors.As(err, &le) {
		t.Errorf("field limit: %v", err)
	}
	w = New(bytes.NewReader(b), int64(len(b)), Limits{MaxDepth: 1})
	if err := w.Walk(Msg{Len: int64(len(b)), Depth: 2}, func(Field) error { return nil }); !errors.As(err, &le) {
		t.Errorf("depth limit: %v", err)
	}
}

// shortReader claims a size it cannot deliver, like a file truncated while
// being scanned.
type shortReader struct{ b []byte }

func (s shortReader) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(s.b).ReadAt(p, off)
}

func TestShortRead(t *testing.T) {
	t.Parallel()
	b := []byte{0x08, 0x01, 0x12, 0x03}
	w := New(shortReader{b}, 7, Limits{})
	if err := w.Walk(w.Root(), func(Field) error { return nil }); err == nil {
		t.Error("no error on a short read")
	}
}
