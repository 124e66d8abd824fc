package bom

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// GGUF value types (GGUF v2/v3 specification).
const (
	ggufUint8 = iota
	ggufInt8
	ggufUint16
	ggufInt16
	ggufUint32
	ggufInt32
	ggufFloat32
	ggufBool
	ggufString
	ggufArray
	ggufUint64
	ggufInt64
	ggufFloat64
)

// Limits of the GGUF metadata reader: strings longer than maxGGUFString are
// skipped rather than kept (a chat template is a few KiB; token tables are
// arrays, which are walked but never stored), and arrays nest at most once in
// practice, so deeper nesting is refused.
const (
	maxGGUFKey      = 1 << 16
	maxGGUFString   = 1 << 20
	maxGGUFArrayDep = 4
)

var errGGUF = errors.New("invalid GGUF metadata")

// ggufMeta reads the metadata key/value section of a GGUF v2 or v3 file and
// returns its scalar and string values (arrays are recorded by their length
// under "key#len"). It reads at most size bytes and never allocates more than
// maxGGUFString per value.
func ggufMeta(r io.ReaderAt, size int64) (map[string]any, error) {
	g := &ggufReader{r: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10), left: size}
	var magic [4]byte
	if err := g.read(magic[:]); err != nil {
		return nil, err
	}
	if string(magic[:]) != "GGUF" {
		return nil, fmt.Errorf("%w: bad magic", errGGUF)
	}
	ver, err := g.u32()
	if err != nil {
		return nil, err
	}
	if ver != 2 && ver != 3 {
		return nil, fmt.Errorf("%w: unsupported version %d", errGGUF, ver)
	}
	if _, err := g.u64(); err != nil { // tensor count
		return nil, err
	}
	n, err := g.u64()
	if err != nil {
		return nil, err
	}
	// A key/value pair takes at least 13 bytes (key length, type, 1-byte value).
	if n > uint64(g.left/13) {
		return nil, fmt.Errorf("%w: %d metadata entries cannot fit in %d bytes", errGGUF, n, size)
	}
	out := make(map[string]any, min(n, 1024))
	for i := uint64(0); i < n; i++ {
		key, ok, err := g.str(maxGGUFKey)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: key %d too long", errGGUF, i)
		}
		typ, err := g.u32()
		if err != nil {
			return nil, err
		}
		v, err := g.value(typ, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if l, isArr := v.(ggufArrayLen); isArr {
			out[key+"#len"] = uint64(l)
		} else if v != nil {
			out[key] = v
		}
	}
	return out, nil
}

type ggufArrayLen uint64

type ggufReader struct {
	r    *bufio.Reader
	left int64
	buf  [8]byte
}

func (g *ggufReader) read(p []byte) error {
	if int64(len(p)) > g.left {
		return fmt.Errorf("%w: truncated", errGGUF)
	}
	if _, err := io.ReadFull(g.r, p); err != nil {
		return fmt.Errorf("%w: %w", errGGUF, err)
	}
	g.left -= int64(len(p))
	return nil
}

func (g *ggufReader) skip(n uint64) error {
	if n > uint64(g.left) {
		return fmt.Errorf("%w: truncated", errGGUF)
	}
	if _, err := g.r.Discard(int(n)); err != nil {
		return fmt.Errorf("%w: %w", errGGUF, err)
	}
	g.left -= int64(n)
	return nil
}

func (g *ggufReader) u32() (uint32, error) {
	if err := g.read(g.buf[:4]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(g.buf[:4]), nil
}

func (g *ggufReader) u64() (uint64, error) {
	if err := g.read(g.buf[:8]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(g.buf[:8]), nil
}

// str reads a length-prefixed string; a string longer than limit is skipped
// and reported with ok false.
func (g *ggufReader) str(limit uint64) (string, bool, error) {
	n, err := g.u64()
	if err != nil {
		return "", false, err
	}
	if n > uint64(g.left) {
		return "", false, fmt.Errorf("%w: string of %d bytes exceeds the file", errGGUF, n)
	}
	if n > limit {
		return "", false, g.skip(n)
	}
	b := make([]byte, n)
	if err := g.read(b); err != nil {
		return "", false, err
	}
	return string(b), true, nil
}

var ggufScalarSize = map[uint32]int{ggufUint8: 1, ggufInt8: 1, ggufBool: 1, ggufUint16: 2, ggufInt16: 2,
	ggufUint32: 4, ggufInt32: 4, ggufFloat32: 4, ggufUint64: 8, ggufInt64: 8, ggufFloat64: 8}

// value reads one value of type typ. Integers come back as int64 or uint64,
// floats as float64, strings as string; arrays as their length only.
func (g *ggufReader) value(typ uint32, depth int) (any, error) {
	switch typ {
	case ggufString:
		s, ok, err := g.str(maxGGUFString)
		if err != nil || !ok {
			return nil, err
		}
		return s, nil
	case ggufArray:
		if depth >= maxGGUFArrayDep {
			return nil, fmt.Errorf("%w: arrays nested too deeply", errGGUF)
		}
		et, err := g.u32()
		if err != nil {
			return nil, err
		}
		n, err := g.u64()
		if err != nil {
			return nil, err
		}
		if sz, ok := ggufScalarSize[et]; ok {
			if n > uint64(g.left)/uint64(sz) {
				return nil, fmt.Errorf("%w: array of %d elements exceeds the file", errGGUF, n)
			}
			return ggufArrayLen(n), g.skip(n * uint64(sz))
		}
		if et != ggufString && et != ggufArray {
			return nil, fmt.Errorf("%w: unknown array element type %d", errGGUF, et)
		}
		// Each string or array element takes at least 8 bytes, which bounds the loop.
		if n > uint64(g.left)/8 {
			return nil, fmt.Errorf("%w: array of %d elements exceeds the file", errGGUF, n)
		}
		for i := uint64(0); i < n; i++ {
			if et == ggufString {
				if _, _, err := g.str(0); err != nil {
					return nil, err
				}
			} else if _, err := g.value(ggufArray, depth+1); err != nil {
				return nil, err
			}
		}
		return ggufArrayLen(n), nil
	}
	sz, ok := ggufScalarSize[typ]
	if !ok {
		return nil, fmt.Errorf("%w: unknown value type %d", errGGUF, typ)
	}
	if err := g.read(g.buf[:sz]); err != nil {
		return nil, err
	}
	b := g.buf[:sz]
	switch typ {
	case ggufUint8:
		return uint64(b[0]), nil
	case ggufInt8:
		return int64(int8(b[0])), nil
	case ggufBool:
		return b[0] != 0, nil
	case ggufUint16:
		return uint64(binary.LittleEndian.Uint16(b)), nil
	case ggufInt16:
		return int64(int16(binary.LittleEndian.Uint16(b))), nil
	case ggufUint32:
		return uint64(binary.LittleEndian.Uint32(b)), nil
	case ggufInt32:
		return int64(int32(binary.LittleEndian.Uint32(b))), nil
	case ggufFloat32:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), nil
	case ggufUint64:
		return binary.LittleEndian.Uint64(b), nil
	case ggufInt64:
		return int64(binary.LittleEndian.Uint64(b)), nil
	default:
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	}
}

// ggufFileTypes names general.file_type values (llama.cpp's llama_ftype).
var ggufFileTypes = map[uint64]string{
	0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
	10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
	16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
	22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
	28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
}
