package gguf

import (
	"fmt"
	"math"
)

// ValueType is the type tag of a metadata value.
type ValueType uint32

// Metadata value types.
const (
	TypeUint8 ValueType = iota
	TypeInt8
	TypeUint16
	TypeInt16
	TypeUint32
	TypeInt32
	TypeFloat32
	TypeBool
	TypeString
	TypeArray
	TypeUint64
	TypeInt64
	TypeFloat64
	numTypes
)

var typeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

func (t ValueType) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// size returns the encoded size of a scalar type, 0 for string and array.
func (t ValueType) size() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// A Value is one metadata value. Which field holds it depends on Type:
// Uint for unsigned integers and bool (0 or 1), Int for signed integers,
// Float for floats, Str for strings, and Elem plus Array for arrays.
type Value struct {
	Type  ValueType
	Uint  uint64
	Int   int64
	Float float64
	Str   string
	Elem  ValueType // element type of an array
	Array []Value
}

// String returns the value if it is a string.
func (v Value) String() (string, bool) { return v.Str, v.Type == TypeString }

// Uint64 returns an unsigned or non-negative signed integer value.
func (v Value) Uint64() (uint64, bool) {
	switch v.Type {
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		return v.Uint, true
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return uint64(v.Int), v.Int >= 0
	}
	return 0, false
}

// Format renders the value briefly for messages; long arrays and strings
// are elided.
func (v Value) Format() string {
	switch v.Type {
	case TypeString:
		if len(v.Str) > 80 {
			return fmt.Sprintf("%q...", v.Str[:80])
		}
		return fmt.Sprintf("%q", v.Str)
	case TypeArray:
		return fmt.Sprintf("[%d x %s]", len(v.Array), v.Elem)
	case TypeBool:
		return fmt.Sprint(v.Uint != 0)
	case TypeFloat32, TypeFloat64:
		return fmt.Sprint(v.Float)
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return fmt.Sprint(v.Int)
	}
	return fmt.Sprint(v.Uint)
}

// A KV is one metadata entry.
type KV struct {
	Key    string
	Value  Value
	Offset int64 // file offset of the entry
}

// GGMLType is a tensor's element type (ggml_type).
type GGMLType uint32

type typeTraits struct {
	name      string
	blockSize uint64 // elements per block
	typeSize  uint64 // bytes per block
}

// ggmlTypes lists the tensor types ggml defines, with their block layout.
// Types removed from ggml (Q4_2, Q4_3) are unknown on purpose.
var ggmlTypes = map[GGMLType]typeTraits{
	0: {"F32", 1, 4}, 1: {"F16", 1, 2}, 2: {"Q4_0", 32, 18}, 3: {"Q4_1", 32, 20},
	6: {"Q5_0", 32, 22}, 7: {"Q5_1", 32, 24}, 8: {"Q8_0", 32, 34}, 9: {"Q8_1", 32, 36},
	10: {"Q2_K", 256, 84}, 11: {"Q3_K", 256, 110}, 12: {"Q4_K", 256, 144}, 13: {"Q5_K", 256, 176},
	14: {"Q6_K", 256, 210}, 15: {"Q8_K", 256, 292}, 16: {"IQ2_XXS", 256, 66}, 17: {"IQ2_XS", 256, 74},
	18: {"IQ3_XXS", 256, 98}, 19: {"IQ1_S", 256, 50}, 20: {"IQ4_NL", 32, 18}, 21: {"IQ3_S", 256, 110},
	22: {"IQ2_S", 256, 82}, 23: {"IQ4_XS", 256, 136}, 24: {"I8", 1, 1}, 25: {"I16", 1, 2},
	26: {"I32", 1, 4}, 27: {"I64", 1, 8}, 28: {"F64", 1, 8}, 29: {"IQ1_M", 256, 56},
	30: {"BF16", 1, 2}, 31: {"Q4_0_4_4", 32, 18}, 32: {"Q4_0_4_8", 32, 18}, 33: {"Q4_0_8_8", 32, 18},
	34: {"TQ1_0", 256, 54}, 35: {"TQ2_0", 256, 66}, 36: {"IQ4_NL_4_4", 32, 18}, 37: {"IQ4_NL_4_8", 32, 18},
	38: {"IQ4_NL_8_8", 32, 18}, 39: {"MXFP4", 32, 17},
}

func (t GGMLType) String() string {
	if tr, ok := ggmlTypes[t]; ok {
		return tr.name
	}
	return fmt.Sprintf("ggml_type(%d)", uint32(t))
}

// Known reports whether the type is one ggml defines.
func (t GGMLType) Known() bool { _, ok := ggmlTypes[t]; return ok }

// ByteSize returns the bytes a tensor of this type and shape occupies, as
// ggml_nbytes computes it for a contiguous tensor.
func (t GGMLType) ByteSize(dims []uint64) (uint64, error) {
	tr, ok := ggmlTypes[t]
	if !ok {
		return 0, fmt.Errorf("unknown tensor type %d", uint32(t))
	}
	if len(dims) == 0 {
		return tr.typeSize, nil
	}
	if dims[0]%tr.blockSize != 0 {
		return 0, fmt.Errorf("first dimension %d is not a multiple of the %s block size %d", dims[0], tr.name, tr.blockSize)
	}
	n := dims[0] / tr.blockSize
	var err error
	if n, err = mul(n, tr.typeSize); err != nil {
		return 0, err
	}
	for _, d := range dims[1:] {
		if n, err = mul(n, d); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func mul(a, b uint64) (uint64, error) {
	if a != 0 && b > math.MaxInt64/a {
		return 0, fmt.Errorf("tensor size overflows")
	}
	return a * b, nil
}
