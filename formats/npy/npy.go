package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Magic starts every .npy file.
const Magic = "\x93NUMPY"

// MaxHeaderLen bounds the header; numpy itself refuses headers over
// 10,000 bytes unless asked, structured dtypes can legitimately be larger.
const MaxHeaderLen = 1 << 20

const maxDepth = 32

// Header is a parsed .npy header.
type Header struct {
	Major, Minor int
	Descr        any // a dtype string, or []any of field tuples for structured dtypes
	FortranOrder bool
	Shape        []int64
	// DataOffset is where the array data (or the object pickle) starts.
	DataOffset int64
	// ItemSize is the size of one element in bytes.
	ItemSize int64
	// DataSize is Shape's product times ItemSize; meaningless when HasObject.
	DataSize int64
	// HasObject is set when the dtype holds Python objects, stored as a pickle.
	HasObject bool
}

// An Error is a malformed header, with the offset of the problem.
type Error struct {
	Offset int64
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("npy: %s (offset %d)", e.Msg, e.Offset) }

// ErrorOffset reports where the problem is.
func (e *Error) ErrorOffset() int64 { return e.Offset }

// PrefixLen returns how many leading bytes ParseHeader needs: it reads the
// length field from the first 12 bytes. It returns an error if the magic
// or version is wrong.
func PrefixLen(p []byte) (int64, error) {
	if len(p) < 10 || string(p[:6]) != Magic {
		return 0, &Error{0, "missing \\x93NUMPY magic"}
	}
	switch p[6] {
	case 1:
		return 10 + int64(binary.LittleEndian.Uint16(p[8:])), nil
	case 2, 3:
		if len(p) < 12 {
			return 0, &Error{8, "truncated header length"}
		}
		n := int64(binary.LittleEndian.Uint32(p[8:]))
		if n > MaxHeaderLen {
			return 0, &Error{8, fmt.Sprintf("header length %d exceeds %d", n, MaxHeaderLen)}
		}
		return 12 + n, nil
	}
	return 0, &Error{6, fmt.Sprintf("unsupported format version %d.%d", p[6], p[7])}
}

// ParseHeader parses the magic, version and header dict at the start of p,
// which must hold at least PrefixLen(p) bytes.
func ParseHeader(p []byte) (*Header, error) {
	end, err := PrefixLen(p)
	if err != nil {
		return nil, err
	}
	if int64(len(p)) < end {
		return nil, &Error{int64(len(p)), fmt.Sprintf("header needs %d bytes, file has %d", end, len(p))}
	}
	h := &Header{Major: int(p[6]), Minor: int(p[7]), DataOffset: end}
	start := 10
	if h.Major > 1 {
		start = 12
	}
	ps := &parser{s: string(p[start:end]), base: int64(start)}
	v, err := ps.value(0)
	if err != nil {
		return nil, err
	}
	ps.space()
	if ps.i != len(ps.s) {
		return nil, ps.errf("unexpected %q after the header dict", ps.s[ps.i])
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{int64(start), "header is not a dict"}
	}
	if len(d) != 3 {
		return nil, &Error{int64(start), fmt.Sprintf("header has %d keys, want descr, fortran_order and shape", len(d))}
	}
	h.Descr = d["descr"]
	fo, ok := d["fortran_order"].(bool)
	if !ok {
		return nil, &Error{int64(start), "fortran_order is not a bool"}
	}
	h.FortranOrder = fo
	shape, ok := d["shape"].(tuple)
	if !ok {
		return nil, &Error{int64(start), "shape is not a tuple"}
	}
	count := int64(1)
	for _, x := range shape {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, &Error{int64(start), fmt.Sprintf("bad shape dimension %v", x)}
		}
		h.Shape = append(h.Shape, n)
		if count, ok = mul(count, n); !ok {
			return nil, &Error{int64(start), "shape product overflows"}
		}
	}
	if h.Descr == nil {
		return nil, &Error{int64(start), "missing descr"}
	}
	size, obj, err := itemSize(h.Descr, 0)
	if err != nil {
		return nil, &Error{int64(start), err.Error()}
	}
	h.ItemSize, h.HasObject = size, obj
	if h.DataSize, ok = mul(count, size); !ok {
		return nil, &Error{int64(start), "data size overflows"}
	}
	return h, nil
}

func mul(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

// tuple marks slices parsed from (...), as opposed to [...].
type tuple []any

// itemSize returns a dtype descr's element size and whether it holds objects.
func itemSize(d any, depth int) (int64, bool, error) {
	if depth > maxDepth {
		return 0, false, errors.New("dtype nested too deeply")
	}
	switch d := d.(type) {
	case string:
		return simpleSize(d)
	case []any: // structured: [(name, dtype[, shape]), ...]
		var total int64
		obj := false
		for _, f := range d {
			ft, ok := f.(tuple)
			if !ok || len(ft) < 2 || len(ft) > 3 {
				return 0, false, fmt.Errorf("bad field %v", f)
			}
			switch n := ft[0].(type) {
			case string:
			case tuple: // (title, name)
				if len(n) != 2 {
					return 0, false, fmt.Errorf("bad field name %v", n)
				}
			default:
				return 0, false, fmt.Errorf("bad field name %v", ft[0])
			}
			s, o, err := itemSize(ft[1], depth+1)
			if err != nil {
				return 0, false, err
			}
			if len(ft) == 3 {
				var dims []any
				switch sh := ft[2].(type) {
				case int64:
					dims = []any{sh}
				case tuple:
					dims = sh
				default:
					return 0, false, fmt.Errorf("bad field shape %v", ft[2])
				}
				for _, x := range dims {
					n, ok := x.(int64)
					if !ok || n < 0 {
						return 0, false, fmt.Errorf("bad field shape %v", ft[2])
					}
					if s, ok = mul(s, n); !ok {
						return 0, false, errors.New("field size overflows")
					}
				}
			}
			if total+s < total {
				return 0, false, errors.New("record size overflows")
			}
			total += s
			obj = obj || o
		}
		return total, obj, nil
	}
	return 0, false, fmt.Errorf("descr %v is neither a string nor a list of fields", d)
}

// simpleSize decodes a dtype string such as '<f4', '|O', '<U10', '<M8[ns]'.
func simpleSize(s string) (int64, bool, error) {
	t := s
	if t != "" && strings.ContainsRune("<>|=", rune(t[0])) {
		t = t[1:]
	}
	if t == "" {
		return 0, false, fmt.Errorf("empty dtype %q", s)
	}
	kind, rest := t[0], t[1:]
	if kind == 'M' || kind == 'm' { // datetime64/timedelta64 with a unit
		if i := strings.IndexByte(rest, '['); i >= 0 && strings.HasSuffix(rest, "]") {
			rest = rest[:i]
		}
	}
	if kind == 'O' && (rest == "" || rest == "8" || rest == "4") {
		return 8, true, nil
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return 0, false, fmt.Errorf("bad dtype %q", s)
	}
	switch kind {
	case 'b', 'i', 'u', 'f', 'c', 'M', 'm':
		if n == 0 || n > 32 || n&(n-1) != 0 && n != 10 && n != 12 && n != 20 && n != 24 {
			return 0, false, fmt.Errorf("bad dtype size %q", s)
		}
		return n, false, nil
	case 'S', 'a', 'V':
		return n, false, nil
	case 'U':
		return 4 * n, false, nil
	}
	return 0, false, fmt.Errorf("unknown dtype kind %q", s)
}
