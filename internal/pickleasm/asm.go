package pickleasm

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Opcodes of protocols 0-5, named as in CPython's pickle.py.
const (
	MARK            = '('
	STOP            = '.'
	POP             = '0'
	POP_MARK        = '1'
	DUP             = '2'
	FLOAT           = 'F'
	INT             = 'I'
	BININT          = 'J'
	BININT1         = 'K'
	LONG            = 'L'
	BININT2         = 'M'
	NONE            = 'N'
	PERSID          = 'P'
	BINPERSID       = 'Q'
	REDUCE          = 'R'
	STRING          = 'S'
	BINSTRING       = 'T'
	SHORT_BINSTRING = 'U'
	UNICODE         = 'V'
	BINUNICODE      = 'X'
	APPEND          = 'a'
	BUILD           = 'b'
	GLOBAL          = 'c'
	DICT            = 'd'
	EMPTY_DICT      = '}'
	APPENDS         = 'e'
	GET             = 'g'
	BINGET          = 'h'
	INST            = 'i'
	LONG_BINGET     = 'j'
	LIST            = 'l'
	EMPTY_LIST      = ']'
	OBJ             = 'o'
	PUT             = 'p'
	BINPUT          = 'q'
	LONG_BINPUT     = 'r'
	SETITEM         = 's'
	TUPLE           = 't'
	EMPTY_TUPLE     = ')'
	SETITEMS        = 'u'
	BINFLOAT        = 'G'

	PROTO    = 0x80
	NEWOBJ   = 0x81
	EXT1     = 0x82
	EXT2     = 0x83
	EXT4     = 0x84
	TUPLE1   = 0x85
	TUPLE2   = 0x86
	TUPLE3   = 0x87
	NEWTRUE  = 0x88
	NEWFALSE = 0x89
	LONG1    = 0x8a
	LONG4    = 0x8b

	BINBYTES       = 'B'
	SHORT_BINBYTES = 'C'

	SHORT_BINUNICODE = 0x8c
	BINUNICODE8      = 0x8d
	BINBYTES8        = 0x8e
	EMPTY_SET        = 0x8f
	ADDITEMS         = 0x90
	FROZENSET        = 0x91
	NEWOBJ_EX        = 0x92
	STACK_GLOBAL     = 0x93
	MEMOIZE          = 0x94
	FRAME            = 0x95

	BYTEARRAY8      = 0x96
	NEXT_BUFFER     = 0x97
	READONLY_BUFFER = 0x98
)

// An Asm accumulates a pickle. Every method appends and returns the Asm.
type Asm struct {
	buf []byte
}

// New starts a pickle. Protocols 2 and above begin with PROTO; 0 and 1 have
// no header. A negative protocol starts an empty buffer.
func New(proto int) *Asm {
	a := &Asm{}
	if proto >= 2 {
		a.Proto(byte(proto))
	}
	return a
}

// Bytes returns the assembled stream.
func (a *Asm) Bytes() []byte { return append([]byte(nil), a.buf...) }

// Len is the number of bytes assembled so far (the offset of the next opcode).
func (a *Asm) Len() int { return len(a.buf) }

// Raw appends bytes verbatim.
func (a *Asm) Raw(b ...byte) *Asm { a.buf = append(a.buf, b...); return a }

// RawString appends a string verbatim.
func (a *Asm) RawString(s string) *Asm { a.buf = append(a.buf, s...); return a }

// Op appends a bare opcode.
func (a *Asm) Op(op byte) *Asm { return a.Raw(op) }

// Append appends another Asm's bytes (e.g. a second stream).
func (a *Asm) Append(o *Asm) *Asm { return a.Raw(o.buf...) }

func (a *Asm) u16(v uint16) *Asm { a.buf = binary.LittleEndian.AppendUint16(a.buf, v); return a }
func (a *Asm) u32(v uint32) *Asm { a.buf = binary.LittleEndian.AppendUint32(a.buf, v); return a }
func (a *Asm) u64(v uint64) *Asm { a.buf = binary.LittleEndian.AppendUint64(a.buf, v); return a }
func (a *Asm) line(s string) *Asm {
	a.buf = append(a.buf, s...)
	a.buf = append(a.buf, '\n')
	return a
}

// Proto emits PROTO n.
func (a *Asm) Proto(n byte) *Asm { return a.Raw(PROTO, n) }

// Stop emits STOP.
func (a *Asm) Stop() *Asm { return a.Op(STOP) }

// Mark emits MARK.
func (a *Asm) Mark() *Asm { return a.Op(MARK) }

// Pop emits POP.
func (a *Asm) Pop() *Asm { return a.Op(POP) }

// PopMark emits POP_MARK.
func (a *Asm) PopMark() *Asm { return a.Op(POP_MARK) }

// Dup emits DUP.
func (a *Asm) Dup() *Asm { return a.Op(DUP) }

// None emits NONE.
func (a *Asm) None() *Asm { return a.Op(NONE) }

// Bool emits NEWTRUE or NEWFALSE.
func (a *Asm) Bool(v bool) *Asm {
	if v {
		return a.Op(NEWTRUE)
	}
	return a.Op(NEWFALSE)
}

// Int emits the smallest binary integer opcode holding v (BININT1, BININT2,
// BININT or LONG1).
func (a *Asm) Int(v int64) *Asm {
	switch {
	case v >= 0 && v < 256:
		return a.Raw(BININT1, byte(v))
	case v >= 0 && v < 65536:
		return a.Raw(BININT2).u16(uint16(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return a.Raw(BININT).u32(uint32(int32(v)))
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, uint64(v))
	return a.Raw(LONG1, 8).Raw(b...)
}

// IntText emits protocol-0 INT.
func (a *Asm) IntText(v int64) *Asm { return a.Op(INT).line(strconv.FormatInt(v, 10)) }

// LongText emits protocol-0 LONG ("123L").
func (a *Asm) LongText(s string) *Asm { return a.Op(LONG).line(s) }

// Long1 emits LONG1 with raw little-endian two's complement bytes.
func (a *Asm) Long1(b []byte) *Asm { return a.Raw(LONG1, byte(len(b))).Raw(b...) }

// Long4 emits LONG4 with raw little-endian two's complement bytes.
func (a *Asm) Long4(b []byte) *Asm { return a.Op(LONG4).u32(uint32(len(b))).Raw(b...) }

// BinFloat emits BINFLOAT, whose operand is big-endian (pack('>d')).
func (a *Asm) BinFloat(f float64) *Asm {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], math.Float64bits(f))
	return a.Op(BINFLOAT).Raw(b[:]...)
}

// FloatText emits protocol-0 FLOAT.
func (a *Asm) FloatText(f float64) *Asm {
	return a.Op(FLOAT).line(strconv.FormatFloat(f, 'g', -1, 64))
}

// Unicode emits a str the way the protocol would: UNICODE for protocols 0
// and 1 (New(0/1)), SHORT_BINUNICODE when short, else BINUNICODE.
func (a *Asm) Unicode(s string) *Asm {
	if len(a.buf) < 2 || a.buf[0] != PROTO {
		return a.UnicodeText(s)
	}
	if len(s) < 256 && a.buf[1] >= 4 {
		return a.ShortBinUnicode(s)
	}
	return a.BinUnicode(s)
}

// UnicodeText emits protocol-0 UNICODE (raw-unicode-escape, one line).
func (a *Asm) UnicodeText(s string) *Asm { return a.Op(UNICODE).line(s) }

// BinUnicode emits BINUNICODE.
func (a *Asm) BinUnicode(s string) *Asm { return a.Op(BINUNICODE).u32(uint32(len(s))).RawString(s) }

// ShortBinUnicode emits SHORT_BINUNICODE.
func (a *Asm) ShortBinUnicode(s string) *Asm {
	return a.Raw(SHORT_BINUNICODE, byte(len(s))).RawString(s)
}

// BinUnicode8 emits BINUNICODE8.
func (a *Asm) BinUnicode8(s string) *Asm { return a.Op(BINUNICODE8).u64(uint64(len(s))).RawString(s) }

// String emits protocol-0 STRING with single quotes.
func (a *Asm) String(s string) *Asm { return a.Op(STRING).line("'" + s + "'") }

// BinString emits BINSTRING.
func (a *Asm) BinString(s string) *Asm { return a.Op(BINSTRING).u32(uint32(len(s))).RawString(s) }

// ShortBinString emits SHORT_BINSTRING.
func (a *Asm) ShortBinString(s string) *Asm {
	return a.Raw(SHORT_BINSTRING, byte(len(s))).RawString(s)
}

// Bytes3 emits a bytes object: SHORT_BINBYTES when short, else BINBYTES.
func (a *Asm) Bytes3(b []byte) *Asm {
	if len(b) < 256 {
		return a.ShortBinBytes(b)
	}
	return a.BinBytes(b)
}

// BinBytes emits BINBYTES.
func (a *Asm) BinBytes(b []byte) *Asm { return a.Op(BINBYTES).u32(uint32(len(b))).Raw(b...) }

// ShortBinBytes emits SHORT_BINBYTES.
func (a *Asm) ShortBinBytes(b []byte) *Asm { return a.Raw(SHORT_BINBYTES, byte(len(b))).Raw(b...) }

// BinBytes8 emits BINBYTES8.
func (a *Asm) BinBytes8(b []byte) *Asm { return a.Op(BINBYTES8).u64(uint64(len(b))).Raw(b...) }

// ByteArray8 emits BYTEARRAY8.
func (a *Asm) ByteArray8(b []byte) *Asm { return a.Op(BYTEARRAY8).u64(uint64(len(b))).Raw(b...) }

// Global emits protocol-0 GLOBAL "module\nname\n".
func (a *Asm) Global(module, name string) *Asm { return a.Op(GLOBAL).line(module).line(name) }

// StackGlobal pushes module and name as str and emits STACK_GLOBAL.
func (a *Asm) StackGlobal(module, name string) *Asm {
	return a.Unicode(module).Unicode(name).Op(STACK_GLOBAL)
}

// StackGlobalOp emits a bare STACK_GLOBAL (operands pushed by the caller).
func (a *Asm) StackGlobalOp() *Asm { return a.Op(STACK_GLOBAL) }

// Inst emits INST "module\nname\n" (call with the items since the mark).
func (a *Asm) Inst(module, name string) *Asm { return a.Op(INST).line(module).line(name) }

// Obj emits OBJ.
func (a *Asm) Obj() *Asm { return a.Op(OBJ) }

// NewObj emits NEWOBJ.
func (a *Asm) NewObj() *Asm { return a.Op(NEWOBJ) }

// NewObjEx emits NEWOBJ_EX.
func (a *Asm) NewObjEx() *Asm { return a.Op(NEWOBJ_EX) }

// Reduce emits REDUCE.
func (a *Asm) Reduce() *Asm { return a.Op(REDUCE) }

// Build emits BUILD.
func (a *Asm) Build() *Asm { return a.Op(BUILD) }

// Ext1, Ext2 and Ext4 emit extension-registry references.
func (a *Asm) Ext1(code uint8) *Asm { return a.Raw(EXT1, code) }

// Ext2 emits EXT2.
func (a *Asm) Ext2(code uint16) *Asm { return a.Op(EXT2).u16(code) }

// Ext4 emits EXT4.
func (a *Asm) Ext4(code uint32) *Asm { return a.Op(EXT4).u32(code) }

// Tuple emits TUPLE (items since the mark).
func (a *Asm) Tuple() *Asm { return a.Op(TUPLE) }

// EmptyTuple emits EMPTY_TUPLE.
func (a *Asm) EmptyTuple() *Asm { return a.Op(EMPTY_TUPLE) }

// Tuple1 emits TUPLE1.
func (a *Asm) Tuple1() *Asm { return a.Op(TUPLE1) }

// Tuple2 emits TUPLE2.
func (a *Asm) Tuple2() *Asm { return a.Op(TUPLE2) }

// Tuple3 emits TUPLE3.
func (a *Asm) Tuple3() *Asm { return a.Op(TUPLE3) }

// EmptyList emits EMPTY_LIST.
func (a *Asm) EmptyList() *Asm { return a.Op(EMPTY_LIST) }

// List emits LIST (items since the mark).
func (a *Asm) List() *Asm { return a.Op(LIST) }

// AppendOp emits APPEND.
func (a *Asm) AppendOp() *Asm { return a.Op(APPEND) }

// Appends emits APPENDS.
func (a *Asm) Appends() *Asm { return a.Op(APPENDS) }

// EmptyDict emits EMPTY_DICT.
func (a *Asm) EmptyDict() *Asm { return a.Op(EMPTY_DICT) }

// Dict emits DICT (pairs since the mark).
func (a *Asm) Dict() *Asm { return a.Op(DICT) }

// SetItem emits SETITEM.
func (a *Asm) SetItem() *Asm { return a.Op(SETITEM) }

// SetItems emits SETITEMS.
func (a *Asm) SetItems() *Asm { return a.Op(SETITEMS) }

// EmptySet emits EMPTY_SET.
func (a *Asm) EmptySet() *Asm { return a.Op(EMPTY_SET) }

// AddItems emits ADDITEMS.
func (a *Asm) AddItems() *Asm { return a.Op(ADDITEMS) }

// FrozenSet emits FROZENSET.
func (a *Asm) FrozenSet() *Asm { return a.Op(FROZENSET) }

// Put emits protocol-0 PUT n.
func (a *Asm) Put(n int) *Asm { return a.Op(PUT).line(strconv.Itoa(n)) }

// BinPut emits BINPUT n.
func (a *Asm) BinPut(n uint8) *Asm { return a.Raw(BINPUT, n) }

// LongBinPut emits LONG_BINPUT n.
func (a *Asm) LongBinPut(n uint32) *Asm { return a.Op(LONG_BINPUT).u32(n) }

// Memoize emits MEMOIZE.
func (a *Asm) Memoize() *Asm { return a.Op(MEMOIZE) }

// Get emits protocol-0 GET n.
func (a *Asm) Get(n int) *Asm { return a.Op(GET).line(strconv.Itoa(n)) }

// BinGet emits BINGET n.
func (a *Asm) BinGet(n uint8) *Asm { return a.Raw(BINGET, n) }

// LongBinGet emits LONG_BINGET n.
func (a *Asm) LongBinGet(n uint32) *Asm { return a.Op(LONG_BINGET).u32(n) }

// PersID emits protocol-0 PERSID.
func (a *Asm) PersID(id string) *Asm { return a.Op(PERSID).line(id) }

// BinPersID emits BINPERSID.
func (a *Asm) BinPersID() *Asm { return a.Op(BINPERSID) }

// NextBuffer emits NEXT_BUFFER.
func (a *Asm) NextBuffer() *Asm { return a.Op(NEXT_BUFFER) }

// ReadonlyBuffer emits READONLY_BUFFER.
func (a *Asm) ReadonlyBuffer() *Asm { return a.Op(READONLY_BUFFER) }

// Frame emits a FRAME header announcing n bytes, without checking them.
func (a *Asm) Frame(n uint64) *Asm { return a.Op(FRAME).u64(n) }

// Framed emits a FRAME whose length is exactly what body appends.
func (a *Asm) Framed(body func(*Asm)) *Asm {
	inner := &Asm{buf: a.buf[:0:0]}
	// Keep the protocol visible to Unicode's choice of opcode.
	if len(a.buf) >= 2 && a.buf[0] == PROTO {
		inner.buf = append(inner.buf, a.buf[0], a.buf[1])
	}
	hdr := len(inner.buf)
	body(inner)
	return a.Frame(uint64(len(inner.buf) - hdr)).Raw(inner.buf[hdr:]...)
}

// Call is shorthand for module.name(*args) with string arguments: the
// global, a tuple of Unicode arguments and REDUCE.
func (a *Asm) Call(module, name string, args ...string) *Asm {
	a.Global(module, name).Mark()
	for _, s := range args {
		a.Unicode(s)
	}
	return a.Tuple().Reduce()
}
