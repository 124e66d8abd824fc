package hdf5

import (
	"bytes"
	"math/bits"
)

// Dense storage keeps attribute and link messages as objects in a fractal
// heap, indexed by name in a version 2 B-tree. We walk the B-tree's records
// for heap IDs and fetch each object from the heap.

// denseAttributes reads the attributes an attribute info message points to.
func (f *File) denseAttributes(m message) ([]*Attribute, error) {
	c := f.cursor(m.data, m.addr)
	if v := c.u8(); v != 0 {
		return nil, errAt(f.abs(m.addr), "attribute info version %d: %w", v, ErrUnsupported)
	}
	flags := c.u8()
	if flags&1 != 0 {
		c.skip(2) // maximum creation index
	}
	heapAddr, nameIdx := c.addr(), c.addr()
	if c.err != nil {
		return nil, c.err
	}
	if heapAddr == undef {
		return nil, nil // attributes are compact, in the header
	}
	var out []*Attribute
	err := f.denseObjects(heapAddr, nameIdx, 8, func(obj []byte, at uint64) error {
		a, err := f.parseAttribute(message{typ: msgAttribute, data: obj, addr: at})
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// denseLinks reads the links a link info message points to.
func (f *File) denseLinks(m message) ([]link, error) {
	c := f.cursor(m.data, m.addr)
	if v := c.u8(); v != 0 {
		return nil, errAt(f.abs(m.addr), "link info version %d: %w", v, ErrUnsupported)
	}
	flags := c.u8()
	if flags&1 != 0 {
		c.skip(8) // maximum creation index
	}
	heapAddr, nameIdx := c.addr(), c.addr()
	if c.err != nil {
		return nil, c.err
	}
	if heapAddr == undef {
		return nil, nil
	}
	var out []link
	err := f.denseObjects(heapAddr, nameIdx, 5, func(obj []byte, at uint64) error {
		l, err := f.parseLink(obj, at)
		if err != nil {
			return err
		}
		if l.addr != undef {
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

// fheap is a fractal heap header.
type fheap struct {
	addr                  uint64
	idLen                 int
	width                 uint64
	startBlock, maxDirect uint64
	maxHeapBits           int
	rootAddr              uint64
	rootRows              uint64
	offSize, lenSize      int // heap offset and length field sizes in IDs
	checksummedDirect     bool
	maxDirectRows         uint64
	firstRowBits          int
}

func (f *File) fractalHeap(addr uint64) (*fheap, error) {
	n := uint64(4 + 1 + 2 + 2 + 1 + 4 + 12*f.lenSize + 3*f.offSize + 2 + 2 + 2 + 2 + 4)
	b, err := f.read(addr, n)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(b[:4], []byte("FRHP")) || b[4] != 0 {
		return nil, errAt(f.abs(addr), "no fractal heap at address %#x", addr)
	}
	c := f.cursor(b, addr)
	c.skip(5)
	h := &fheap{addr: addr}
	h.idLen = int(c.u16())
	if filt := c.u16(); filt != 0 {
		return nil, errAt(f.abs(addr), "fractal heap with I/O filters: %w", ErrUnsupported)
	}
	flags := c.u8()
	h.checksummedDirect = flags&2 != 0
	maxManaged := uint64(c.u32())
	c.length()            // next huge object id
	c.addr()              // huge object B-tree
	c.length()            // free space
	c.addr()              // free space manager
	c.skip(8 * f.lenSize) // managed, allocated, iterator, managed count, huge and tiny sizes and counts
	h.width = uint64(c.u16())
	h.startBlock = c.length()
	h.maxDirect = c.length()
	h.maxHeapBits = int(c.u16())
	c.u16() // starting rows
	h.rootAddr = c.addr()
	h.rootRows = uint64(c.u16())
	if c.err != nil {
		return nil, c.err
	}
	if !checksum(b) {
		return nil, errAt(f.abs(addr), "fractal heap header checksum mismatch")
	}
	pow2 := func(x uint64) bool { return x != 0 && x&(x-1) == 0 }
	if !pow2(h.width) || !pow2(h.startBlock) || !pow2(h.maxDirect) || h.maxDirect < h.startBlock ||
		h.maxDirect > maxHeaderBlock || h.maxHeapBits < 1 || h.maxHeapBits > 64 || h.rootRows > 64 {
		return nil, errAt(f.abs(addr), "invalid fractal heap geometry")
	}
	h.offSize = (h.maxHeapBits + 7) / 8
	h.lenSize = bits.Len64(min(h.maxDirect, maxManaged))/8 + 1
	h.firstRowBits = bits.TrailingZeros64(h.startBlock) + bits.TrailingZeros64(h.width)
	h.maxDirectRows = uint64(bits.TrailingZeros64(h.maxDirect)-bits.TrailingZeros64(h.startBlock)) + 2
	return h, nil
}

// object returns the bytes of the managed object with the given heap ID.
func (f *File) heapObject(h *fheap, id []byte) ([]byte, uint64, error) {
	c := f.cursor(id, h.addr)
	flags := c.u8()
	if flags>>6 != 0 {
		return nil, 0, errAt(f.abs(h.addr), "heap ID version %d", flags>>6)
	}
	switch (flags >> 4) & 3 {
	case 0:
	case 2:
		n := int(flags&0x0f) + 1
		b := c.bytes(n)
		return b, h.addr, c.err
	default:
		return nil, 0, errAt(f.abs(h.addr), "huge fractal heap objects: %w", ErrUnsupported)
	}
	off := c.uint(h.offSize)
	n := c.uint(h.lenSize)
	if c.err != nil {
		return nil, 0, c.err
	}
	if h.rootRows == 0 {
		return f.directObject(h, h.rootAddr, 0, h.startBlock, off, n)
	}
	return f.indirectObject(h, h.rootAddr, 0, h.rootRows, off, n, 0)
}

// directObject returns n bytes at heap offset off of the direct block at
// addr, which starts at heap offset blockOff and holds size bytes.
func (f *File) directObject(h *fheap, addr, blockOff, size, off, n uint64) ([]byte, uint64, error) {
	if off < blockOff || n > size || off-blockOff > size-n {
		return nil, 0, errAt(f.abs(addr), "heap object outside its direct block")
	}
	head, err := f.read(addr, 5)
	if err != nil {
		return nil, 0, err
	}
	if !bytes.Equal(head[:4], []byte("FHDB")) || head[4] != 0 {
		return nil, 0, errAt(f.abs(addr), "no fractal heap direct block at address %#x", addr)
	}
	hdr := uint64(5 + f.offSize + h.offSize)
	if h.checksummedDirect {
		hdr += 4
	}
	if off-blockOff < hdr {
		return nil, 0, errAt(f.abs(addr), "heap object overlaps its block header")
	}
	at := addr + (off - blockOff)
	b, err := f.read(at, n)
	return b, at, err
}

// indirectObject finds heap offset off under the indirect block at addr.
func (f *File) indirectObject(h *fheap, addr, blockOff, rows, off, n uint64, depth int) ([]byte, uint64, error) {
	if depth > maxDepth {
		return nil, 0, errAt(f.abs(addr), "fractal heap deeper than %d levels", maxDepth)
	}
	directRows := min(rows, h.maxDirectRows)
	entries := directRows*h.width + (rows-directRows)*h.width
	size := uint64(5+f.offSize+h.offSize) + entries*uint64(f.offSize) + 4
	b, err := f.read(addr, size)
	if err != nil {
		return nil, 0, err
	}
	if !bytes.Equal(b[:4], []byte("FHIB")) || b[4] != 0 {
		return nil, 0, errAt(f.abs(addr), "no fractal heap indirect block at address %#x", addr)
	}
	if !checksum(b) {
		return nil, 0, errAt(f.abs(addr), "fractal heap indirect block checksum mismatch")
	}
	if off < blockOff {
		return nil, 0, errAt(f.abs(addr), "heap offset outside its indirect block")
	}
	rel := off - blockOff
	// Row 0 and 1 hold blocks of startBlock bytes; row r > 1 blocks of
	// startBlock·2^(r-1).
	var row, rowStart, blk uint64
	rowBytes := h.startBlock * h.width
	if rel < rowBytes {
		row, rowStart, blk = 0, 0, h.startBlock
	} else {
		row = uint64(bits.Len64(rel / rowBytes)) // 1 + floor(log2(rel/rowBytes))
		if row >= 64 {
			return nil, 0, errAt(f.abs(addr), "heap offset out of range")
		}
		rowStart = rowBytes << (row - 1)
		blk = h.startBlock << (row - 1)
	}
	if row >= rows {
		return nil, 0, errAt(f.abs(addr), "heap offset beyond the indirect block's rows")
	}
	col := (rel - rowStart) / blk
	c := f.cursor(b, addr)
	c.skip(int(5+f.offSize+h.offSize) + int(row*h.width+col)*f.offSize)
	child := c.addr()
	if c.err != nil {
		return nil, 0, c.err
	}
	if child == undef {
		return nil, 0, errAt(f.abs(addr), "heap object in an unallocated block")
	}
	childOff := blockOff + rowStart + col*blk
	if row < h.maxDirectRows {
		return f.directObject(h, child, childOff, blk, off, n)
	}
	childRows := uint64(bits.TrailingZeros64(blk)-h.firstRowBits) + 1
	return f.indirectObject(h, child, childOff, childRows, off, n, depth+1)
}

// denseObjects calls fn with every heap object a v2 B-tree of the given
// record type indexes: type 8 (attribute names) or 5 (link names).
func (f *File) denseObjects(heapAddr, btreeAddr uint64, recType uint8, fn func([]byte, uint64) error) error {
	h, err := f.fractalHeap(heapAddr)
	if err != nil {
		return err
	}
	return f.btree2(btreeAddr, recType, func(rec []byte) error {
		var id []byte
		if recType == 8 {
			id = rec[:8]
		} else {
			id = rec[4:11]
		}
		if len(id) > h.idLen {
			return errAt(f.abs(btreeAddr), "heap ID longer than the heap's")
		}
		obj, at, err := f.heapObject(h, id)
		if err != nil {
			return err
		}
		return fn(obj, at)
	})
}
