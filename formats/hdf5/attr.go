package hdf5

import (
	"bytes"
	"fmt"
	"math/bits"
)

// Datatype classes used here.
const (
	classString = 3
	classVLen   = 9
)

// An Attribute is a named value attached to an object. Its value is decoded
// on demand, so attributes of types this reader does not decode cost nothing.
type Attribute struct {
	Name string
	// Class is the HDF5 datatype class (3 fixed string, 9 variable length, ...).
	Class int
	// Elements is the number of values (1 for a scalar, 0 for a null dataspace).
	Elements uint64

	f       *File
	dt      []byte // datatype message
	data    []byte // raw value
	addr    uint64 // relative address of the message, for errors
	eltSize uint64
}

// parseAttribute decodes an attribute message (versions 1, 2 and 3).
func (f *File) parseAttribute(m message) (*Attribute, error) {
	if m.flags&mflagShared != 0 {
		return nil, errAt(f.abs(m.addr), "shared attribute message: %w", ErrUnsupported)
	}
	c := f.cursor(m.data, m.addr)
	ver := c.u8()
	flags := c.u8()
	nameLen := int(c.u16())
	dtLen := int(c.u16())
	dsLen := int(c.u16())
	pad := func(n int) int { return n }
	switch ver {
	case 1:
		pad = func(n int) int { return (n + 7) &^ 7 }
	case 2:
	case 3:
		c.u8() // name character set
	default:
		return nil, errAt(f.abs(m.addr), "attribute message version %d: %w", ver, ErrUnsupported)
	}
	if flags&0x03 != 0 {
		return nil, errAt(f.abs(m.addr), "attribute with a shared datatype or dataspace: %w", ErrUnsupported)
	}
	name := c.bytes(pad(nameLen))
	dt := c.bytes(pad(dtLen))
	ds := c.bytes(pad(dsLen))
	if c.err != nil {
		return nil, c.err
	}
	if nameLen == 0 || name[nameLen-1] != 0 || bytes.IndexByte(name[:nameLen-1], 0) >= 0 {
		return nil, errAt(f.abs(m.addr), "attribute name is not a NUL-terminated string")
	}
	a := &Attribute{Name: string(name[:nameLen-1]), f: f, dt: dt[:dtLen], addr: m.addr}
	if dtLen < 8 {
		return nil, errAt(f.abs(m.addr), "attribute %q: datatype of %d bytes", a.Name, dtLen)
	}
	a.Class = int(dt[0] & 0x0f)
	a.eltSize = uint64(le32(dt[4:8]))
	n, err := f.dataspaceElements(ds[:dsLen], m.addr)
	if err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	a.Elements = n
	if a.Class == classVLen {
		a.eltSize = uint64(4 + f.offSize + 4) // length, global heap collection, index
	}
	hi, total := bits.Mul64(n, a.eltSize)
	if hi != 0 || total > uint64(c.rest()) {
		return nil, errAt(f.abs(m.addr), "attribute %q: %d values of %d bytes do not fit in the message", a.Name, n, a.eltSize)
	}
	a.data = c.bytes(int(total))
	return a, c.err
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// dataspaceElements returns the number of elements a dataspace message
// describes.
func (f *File) dataspaceElements(ds []byte, addr uint64) (uint64, error) {
	c := f.cursor(ds, addr)
	ver := c.u8()
	rank := int(c.u8())
	c.u8() // flags: maximum dimensions follow the sizes and are not needed
	switch ver {
	case 1:
		c.skip(5)
	case 2:
		switch c.u8() {
		case 0:
			return 1, c.err // scalar
		case 2:
			return 0, c.err // null
		case 1:
		default:
			return 0, errAt(f.abs(addr), "unknown dataspace type")
		}
	default:
		return 0, errAt(f.abs(addr), "dataspace version %d: %w", ver, ErrUnsupported)
	}
	if rank > 32 {
		return 0, errAt(f.abs(addr), "dataspace of rank %d", rank)
	}
	n := uint64(1)
	for i := 0; i < rank; i++ {
		d := c.length()
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return 0, errAt(f.abs(addr), "dataspace size overflows")
		}
		n = lo
	}
	return n, c.err
}

// IsString reports whether the attribute holds fixed- or variable-length
// strings.
func (a *Attribute) IsString() bool {
	switch a.Class {
	case classString:
		return true
	case classVLen:
		return a.dt[1]&0x0f == 1
	}
	return false
}

// Strings decodes every value of a string attribute.
func (a *Attribute) Strings() ([]string, error) {
	if !a.IsString() {
		return nil, errAt(a.f.abs(a.addr), "attribute %q is not a string (class %d)", a.Name, a.Class)
	}
	out := make([]string, 0, min(a.Elements, 1024))
	for i := uint64(0); i < a.Elements; i++ {
		v := a.data[i*a.eltSize : (i+1)*a.eltSize]
		if a.Class == classString {
			out = append(out, fixedString(v, a.dt[1]&0x0f))
			continue
		}
		s, err := a.f.vlenString(v, a.addr)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// String decodes a string attribute holding exactly one value.
func (a *Attribute) String() (string, error) {
	if a.Elements != 1 {
		return "", errAt(a.f.abs(a.addr), "attribute %q holds %d values, not one", a.Name, a.Elements)
	}
	s, err := a.Strings()
	if err != nil {
		return "", err
	}
	return s[0], nil
}

// fixedString trims a fixed-length string by its padding type: 0 NUL
// terminated, 1 NUL padded, 2 space padded.
func fixedString(b []byte, padding byte) string {
	switch padding {
	case 0, 1:
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
	case 2:
		b = bytes.TrimRight(b, " ")
	}
	return string(b)
}

// vlenString reads a variable-length string from the global heap.
func (f *File) vlenString(v []byte, at uint64) (string, error) {
	c := f.cursor(v, at)
	n := uint64(c.u32())
	coll := c.addr()
	idx := c.u32()
	if c.err != nil {
		return "", c.err
	}
	if n == 0 {
		return "", nil
	}
	obj, err := f.globalHeapObject(coll, idx)
	if err != nil {
		return "", err
	}
	if n > uint64(len(obj)) {
		return "", errAt(f.abs(coll), "string of %d bytes in a heap object of %d", n, len(obj))
	}
	return string(obj[:n]), nil
}

// globalHeapObject returns object idx of the global heap collection at addr.
func (f *File) globalHeapObject(addr uint64, idx uint32) ([]byte, error) {
	h, err := f.read(addr, uint64(8+f.lenSize))
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(h[:4], []byte("GCOL")) || h[4] != 1 {
		return nil, errAt(f.abs(addr), "no global heap collection at address %#x", addr)
	}
	c := f.cursor(h, addr)
	c.skip(8)
	size := c.length()
	if size > maxAttrData {
		return nil, errAt(f.abs(addr), "global heap collection of %d bytes too large", size)
	}
	blk, err := f.read(addr, size)
	if err != nil {
		return nil, err
	}
	// Layout as libhdf5 reads it: the collection header is padded to 8
	// bytes; each object is a header (index, references, reserved, size)
	// padded to 8, then its data padded to 8; index 0 is the free space at the end.
	align := func(n uint64) uint64 { return (n + 7) &^ 7 }
	objHdr := uint64(8 + f.lenSize)
	c = f.cursor(blk, addr)
	c.skip(int(align(objHdr)))
	for uint64(c.rest()) >= objHdr && c.err == nil {
		i := c.u16()
		c.skip(6) // reference count, reserved
		sz := c.length()
		if i == 0 {
			break
		}
		c.skip(int(align(objHdr) - objHdr)) // the object header is padded too
		if sz > uint64(c.rest()) {
			return nil, errAt(f.abs(addr)+uint64(c.p), "global heap object of %d bytes overruns its collection", sz)
		}
		data := c.bytes(int(sz))
		if uint32(i) == idx {
			return data, nil
		}
		c.skip(min(int(align(sz)-sz), c.rest()))
	}
	if c.err != nil {
		return nil, c.err
	}
	return nil, errAt(f.abs(addr), "global heap object %d not found", idx)
}

// Offset returns the file offset of the attribute's message.
func (a *Attribute) Offset() int64 { return int64(a.f.abs(a.addr)) }
