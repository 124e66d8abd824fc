package hdf5

import (
	"encoding/binary"
)

// h5w writes minimal HDF5 files for tests: a version 0 or 1 superblock and
// a version 1 root object header holding attribute messages, with 8-byte
// offsets and no user block unless asked.
type h5w struct {
	sbVersion int
	userblock int
	attrs     []h5attr
	// contLoop adds a continuation message pointing back at the first
	// continuation block.
	contLoop bool
	// cont moves the attributes into a continuation block.
	cont bool
}

type h5attr struct {
	name, value string
	padding     byte // 0 NUL-terminated, 1 NUL-padded, 2 space-padded
	width       int  // fixed string size; 0 means len(value)
}

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func pad8(b []byte) []byte {
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

func msgV1(typ uint16, data []byte) []byte {
	data = pad8(data)
	m := binary.LittleEndian.AppendUint16(nil, typ)
	m = binary.LittleEndian.AppendUint16(m, uint16(len(data)))
	m = append(m, 0, 0, 0, 0)
	return append(m, data...)
}

func attrMsg(a h5attr) []byte {
	w := a.width
	if w == 0 {
		w = len(a.value)
	}
	name := append([]byte(a.name), 0)
	dt := []byte{0x13, a.padding, 0, 0}
	dt = binary.LittleEndian.AppendUint32(dt, uint32(w))
	ds := []byte{1, 0, 0, 0, 0, 0, 0, 0} // version 1 scalar
	val := make([]byte, w)
	fill := byte(0)
	if a.padding == 2 {
		fill = ' '
	}
	for i := range val {
		val[i] = fill
	}
	copy(val, a.value)
	m := []byte{1, 0}
	m = binary.LittleEndian.AppendUint16(m, uint16(len(name)))
	m = binary.LittleEndian.AppendUint16(m, uint16(len(dt)))
	m = binary.LittleEndian.AppendUint16(m, uint16(len(ds)))
	m = append(m, pad8(name)...)
	m = append(m, dt...)
	m = append(m, ds...)
	return append(m, val...)
}

func (w h5w) bytes() []byte {
	const rootAddr = 128
	var msgs []byte
	for _, a := range w.attrs {
		msgs = append(msgs, msgV1(msgAttribute, attrMsg(a))...)
	}
	var contBlock []byte
	if w.cont || w.contLoop {
		contBlock = msgs
		msgs = nil
	}
	var body []byte
	contAddr := uint64(0)
	if contBlock != nil {
		// The header holds one continuation message; the block follows it.
		hdr := 16 + 8 + 16
		contAddr = uint64(rootAddr + hdr)
		if w.contLoop {
			contBlock = append(contBlock, msgV1(msgContinuation, append(le64(contAddr), le64(uint64(len(contBlock)+24))...))...)
		}
		msgs = msgV1(msgContinuation, append(le64(contAddr), le64(uint64(len(contBlock)))...))
		body = contBlock
	}
	oh := []byte{1, 0}
	oh = binary.LittleEndian.AppendUint16(oh, uint16(len(w.attrs)))
	oh = binary.LittleEndian.AppendUint32(oh, 1)
	oh = binary.LittleEndian.AppendUint32(oh, uint32(len(msgs)))
	oh = append(oh, 0, 0, 0, 0)
	oh = append(oh, msgs...)
	oh = append(oh, body...)

	total := uint64(rootAddr + len(oh))
	sb := append([]byte{}, Signature...)
	sb = append(sb, byte(w.sbVersion), 0, 0, 0, 0, 8, 8, 0, 4, 0, 16, 0, 0, 0, 0, 0)
	if w.sbVersion == 1 {
		sb = append(sb, 32, 0, 0, 0)
	}
	sb = append(sb, le64(0)...)     // base
	sb = append(sb, le64(undef)...) // free space
	sb = append(sb, le64(total+uint64(w.userblock))...)
	sb = append(sb, le64(undef)...) // driver
	sb = append(sb, le64(0)...)     // root entry: name offset
	sb = append(sb, le64(rootAddr)...)
	sb = append(sb, make([]byte, 24)...) // cache type 0, reserved, scratch
	out := make([]byte, w.userblock, w.userblock+int(total))
	out = append(out, sb...)
	out = append(out, make([]byte, rootAddr-len(sb))...)
	return append(out, oh...)
}
