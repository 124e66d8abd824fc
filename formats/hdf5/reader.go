package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Signature starts every HDF5 superblock.
var Signature = []byte("\x89HDF\r\n\x1a\n")

// Limits bound the work done on one file.
const (
	maxDepth       = 64      // group nesting, B-tree levels, heap indirection
	maxObjects     = 200_000 // object headers visited by Walk
	maxMessages    = 65_536  // messages in one object header, continuations included
	maxHeaderBlock = 1 << 24 // bytes in one object header chunk, heap block or B-tree node
	maxAttrData    = 1 << 26 // bytes of one attribute value (in a message or a heap)
)

// ErrNotHDF5 is returned by Open when no superblock signature is found.
var ErrNotHDF5 = errors.New("hdf5: no superblock signature")

// ErrUnsupported wraps errors about valid HDF5 features this reader does not
// implement; callers must treat the file as unverified.
var ErrUnsupported = errors.New("hdf5: unsupported feature")

// An Error is a parse error at a file offset.
type Error struct {
	Offset int64
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("hdf5: at offset %d: %v", e.Offset, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// ErrorOffset reports where the error happened.
func (e *Error) ErrorOffset() int64 { return e.Offset }

func errAt(off uint64, format string, args ...any) error {
	return &Error{Offset: int64(off), Err: fmt.Errorf(format, args...)}
}

// undef is the "undefined address" value (all bits set), after truncation
// to the offset size.
const undef = ^uint64(0)

// A File is an open HDF5 file.
type File struct {
	r    io.ReaderAt
	size uint64
	base uint64 // absolute position of the superblock; addresses are relative to it

	// SuperblockVersion is 0, 1, 2 or 3.
	SuperblockVersion int
	offSize, lenSize  int
	rootAddr          uint64 // root group object header (relative)
	rootBTree         uint64 // v0/v1: symbol table cached in the root entry
	rootHeap          uint64

	objects int    // object headers parsed, bounded by maxObjects
	budget  uint64 // bytes left to read: overlapping structures cannot make work quadratic
}

// Open finds the superblock (at 0 or behind a user block of 512·2^k bytes)
// and parses it.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, ErrNotHDF5
	}
	f := &File{r: r, size: uint64(size), budget: 8*uint64(size) + 1<<20}
	sig := make([]byte, 8)
	for off := uint64(0); off+8 <= f.size; {
		if _, err := r.ReadAt(sig, int64(off)); err != nil {
			return nil, fmt.Errorf("hdf5: %w", err)
		}
		if bytes.Equal(sig, Signature) {
			f.base = off
			if err := f.superblock(); err != nil {
				return nil, err
			}
			return f, nil
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	return nil, ErrNotHDF5
}

// read returns n bytes at relative address addr, checked against the file.
func (f *File) read(addr uint64, n uint64) ([]byte, error) {
	if addr == undef || n > f.size || addr > f.size || f.base+addr > f.size-n {
		return nil, errAt(f.base+addr, "%d bytes at address %#x lie outside the file (%d bytes)", n, addr, f.size)
	}
	if n > maxAttrData {
		return nil, errAt(f.base+addr, "block of %d bytes too large", n)
	}
	if n > f.budget {
		return nil, errAt(f.base+addr, "metadata reads exceed %d bytes: structures overlap or repeat", 8*f.size+1<<20)
	}
	f.budget -= n
	buf := make([]byte, n)
	if _, err := f.r.ReadAt(buf, int64(f.base+addr)); err != nil && !(err == io.EOF) {
		return nil, &Error{Offset: int64(f.base + addr), Err: err}
	}
	return buf, nil
}

// abs converts a relative address to a file offset, for error messages.
func (f *File) abs(addr uint64) uint64 { return f.base + addr }

// A cursor decodes little-endian fields from a block and records the first
// overrun instead of panicking.
type cursor struct {
	b   []byte
	p   int
	err error
	at  uint64 // file offset of b[0], for errors
	f   *File
}

func (f *File) cursor(b []byte, addr uint64) *cursor {
	return &cursor{b: b, at: f.abs(addr), f: f}
}

func (c *cursor) fail(format string, args ...any) {
	if c.err == nil {
		c.err = errAt(c.at+uint64(c.p), format, args...)
	}
}

func (c *cursor) bytes(n int) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || n > len(c.b)-c.p {
		c.fail("field of %d bytes runs past the end of its block", n)
		return nil
	}
	v := c.b[c.p : c.p+n]
	c.p += n
	return v
}

func (c *cursor) skip(n int) { c.bytes(n) }

func (c *cursor) u8() uint8 {
	if b := c.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (c *cursor) u16() uint16 {
	if b := c.bytes(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if b := c.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// uint reads an n-byte little-endian unsigned integer (n ≤ 8).
func (c *cursor) uint(n int) uint64 {
	b := c.bytes(n)
	if b == nil || n > 8 {
		if n > 8 {
			c.fail("integer field of %d bytes", n)
		}
		return 0
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// addr reads an address of the file's offset size; all ones is undef.
func (c *cursor) addr() uint64 {
	n := c.f.offSize
	v := c.uint(n)
	if n < 8 && v == 1<<(8*n)-1 || n == 8 && v == undef {
		return undef
	}
	return v
}

// length reads a length of the file's length size.
func (c *cursor) length() uint64 { return c.uint(c.f.lenSize) }

func (c *cursor) rest() int { return len(c.b) - c.p }

func (f *File) superblock() error {
	hdr, err := f.read(0, 8+1)
	if err != nil {
		return err
	}
	f.SuperblockVersion = int(hdr[8])
	switch f.SuperblockVersion {
	case 0, 1:
		return f.superblockV0()
	case 2, 3:
		return f.superblockV2()
	}
	return errAt(f.base+8, "superblock version %d: %w", f.SuperblockVersion, ErrUnsupported)
}

func (f *File) sizes(off, ln int) error {
	ok := func(n int) bool { return n == 2 || n == 4 || n == 8 }
	if !ok(off) || !ok(ln) {
		return errAt(f.base+13, "invalid offset/length sizes %d/%d", off, ln)
	}
	f.offSize, f.lenSize = off, ln
	return nil
}

func (f *File) superblockV0() error {
	fixed := uint64(24)
	if f.SuperblockVersion == 1 {
		fixed = 28
	}
	head, err := f.read(0, fixed)
	if err != nil {
		return err
	}
	if head[9] != 0 || head[10] != 0 || head[12] != 0 {
		return errAt(f.base+9, "unknown free-space/symbol-table/shared-header version %d/%d/%d: %w", head[9], head[10], head[12], ErrUnsupported)
	}
	if err := f.sizes(int(head[13]), int(head[14])); err != nil {
		return err
	}
	// Base, free-space, end-of-file and driver addresses, then the root
	// group's symbol table entry.
	n := fixed + 4*uint64(f.offSize) + uint64(2*f.offSize+24)
	b, err := f.read(0, n)
	if err != nil {
		return err
	}
	c := f.cursor(b, 0)
	c.skip(int(fixed))
	c.addr() // base address: we use the superblock's position, as libhdf5 does
	c.addr() // free-space info
	eof := c.addr()
	if drv := c.addr(); drv != undef {
		return errAt(f.base+fixed, "driver information block (multi/family file): %w", ErrUnsupported)
	}
	// libhdf5 stores the end of file counting the user block.
	if eof != undef && eof > f.size {
		return errAt(f.base+fixed, "file truncated: end-of-file address %d beyond the file's %d bytes", eof, f.size)
	}
	c.addr() // link name offset
	f.rootAddr = c.addr()
	cache := c.u32()
	c.skip(4)
	f.rootBTree, f.rootHeap = undef, undef
	if cache == 1 {
		f.rootBTree = c.addr()
		f.rootHeap = c.addr()
	}
	return c.err
}

func (f *File) superblockV2() error {
	head, err := f.read(0, 12)
	if err != nil {
		return err
	}
	if err := f.sizes(int(head[9]), int(head[10])); err != nil {
		return err
	}
	n := uint64(12 + 4*f.offSize + 4)
	b, err := f.read(0, n)
	if err != nil {
		return err
	}
	if !checksum(b) {
		return errAt(f.base, "superblock checksum mismatch")
	}
	c := f.cursor(b, 0)
	c.skip(12)
	c.addr() // base address
	c.addr() // superblock extension: holds file-wide settings only
	eof := c.addr()
	f.rootAddr = c.addr()
	f.rootBTree, f.rootHeap = undef, undef
	if eof != undef && eof > f.size {
		return errAt(f.base, "file truncated: end-of-file address %d beyond the file's %d bytes", eof, f.size)
	}
	return c.err
}
