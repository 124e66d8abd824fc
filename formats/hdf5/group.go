package hdf5

import (
	"bytes"
	"fmt"
)

// An Object is a group or dataset with its attributes.
type Object struct {
	Path  string // "/" for the root group, "/a/b" below it
	Addr  uint64 // object header address, relative to the superblock
	Attrs []*Attribute
	// IsGroup is set for groups (objects that can have links).
	IsGroup bool

	links []link
}

// Attr returns the attribute with the given name, or nil.
func (o *Object) Attr(name string) *Attribute {
	for _, a := range o.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

type link struct {
	name string
	addr uint64
}

// Root reads the root group and its attributes.
func (f *File) Root() (*Object, error) {
	return f.object("/", f.rootAddr, f.rootBTree, f.rootHeap)
}

// object reads the object header at addr: its attributes, and for a group
// its hard links. btree and heap are a cached symbol table (or undef).
func (f *File) object(path string, addr, btree, heap uint64) (*Object, error) {
	msgs, err := f.objectHeader(addr)
	if err != nil {
		return nil, err
	}
	o := &Object{Path: path, Addr: addr}
	for _, m := range msgs {
		switch m.typ {
		case msgAttribute:
			a, err := f.parseAttribute(m)
			if err != nil {
				return nil, err
			}
			o.Attrs = append(o.Attrs, a)
		case msgAttrInfo:
			as, err := f.denseAttributes(m)
			if err != nil {
				return nil, err
			}
			o.Attrs = append(o.Attrs, as...)
		case msgSymbolTable:
			c := f.cursor(m.data, m.addr)
			btree, heap = c.addr(), c.addr()
			if c.err != nil {
				return nil, c.err
			}
			o.IsGroup = true
		case msgLink:
			l, err := f.parseLink(m.data, m.addr)
			if err != nil {
				return nil, err
			}
			o.IsGroup = true
			if l.addr != undef {
				o.links = append(o.links, l)
			}
		case msgLinkInfo:
			o.IsGroup = true
			ls, err := f.denseLinks(m)
			if err != nil {
				return nil, err
			}
			o.links = append(o.links, ls...)
		}
	}
	if o.IsGroup && btree != undef && len(o.links) == 0 {
		ls, err := f.symbolTable(btree, heap)
		if err != nil {
			return nil, err
		}
		o.links = ls
	}
	return o, nil
}

// Walk calls fn for the root group and every object reachable from it by
// hard links, parents first. Each object header is visited once, so hard
// link cycles end; nesting deeper than 64 groups is an error.
func (f *File) Walk(fn func(*Object) error) error {
	root, err := f.Root()
	if err != nil {
		return err
	}
	seen := map[uint64]bool{f.rootAddr: true}
	var visit func(o *Object, depth int) error
	visit = func(o *Object, depth int) error {
		if err := fn(o); err != nil {
			return err
		}
		if len(o.links) > 0 && depth >= maxDepth {
			return errAt(f.abs(o.Addr), "groups nested deeper than %d levels", maxDepth)
		}
		for _, l := range o.links {
			if seen[l.addr] {
				continue
			}
			seen[l.addr] = true
			p := o.Path + "/" + l.name
			if o.Path == "/" {
				p = "/" + l.name
			}
			child, err := f.object(p, l.addr, undef, undef)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if err := visit(child, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(root, 0)
}

// parseLink decodes a link message; soft and external links get addr undef.
func (f *File) parseLink(b []byte, at uint64) (link, error) {
	c := f.cursor(b, at)
	if v := c.u8(); v != 1 {
		return link{}, errAt(f.abs(at), "link message version %d: %w", v, ErrUnsupported)
	}
	flags := c.u8()
	typ := uint8(0)
	if flags&0x08 != 0 {
		typ = c.u8()
	}
	if flags&0x04 != 0 {
		c.skip(8) // creation order
	}
	if flags&0x10 != 0 {
		c.u8() // character set
	}
	n := c.uint(1 << (flags & 3))
	if n == 0 || n > uint64(c.rest()) {
		c.fail("link name of %d bytes", n)
	}
	name := c.bytes(int(n))
	l := link{name: string(name), addr: undef}
	if typ == 0 {
		l.addr = c.addr()
	}
	if c.err != nil {
		return link{}, c.err
	}
	if bytes.IndexByte(name, '/') >= 0 || bytes.IndexByte(name, 0) >= 0 {
		return link{}, errAt(f.abs(at), "link name %q contains '/' or NUL", name)
	}
	return l, nil
}

// symbolTable lists the links of a version 1 group: a v1 B-tree of symbol
// table nodes whose names live in a local heap.
func (f *File) symbolTable(btree, heapAddr uint64) ([]link, error) {
	heap, err := f.localHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	var out []link
	seen := map[uint64]bool{}
	var node func(addr uint64, depth int, wantLevel int) error
	node = func(addr uint64, depth int, wantLevel int) error {
		if seen[addr] {
			return errAt(f.abs(addr), "B-tree node visited twice")
		}
		seen[addr] = true
		if depth > maxDepth {
			return errAt(f.abs(addr), "B-tree deeper than %d levels", maxDepth)
		}
		h, err := f.read(addr, uint64(8+2*f.offSize))
		if err != nil {
			return err
		}
		if !bytes.Equal(h[:4], []byte("TREE")) {
			return errAt(f.abs(addr), "no B-tree node at address %#x", addr)
		}
		if h[4] != 0 {
			return errAt(f.abs(addr), "group B-tree node of type %d", h[4])
		}
		level := int(h[5])
		if wantLevel >= 0 && level != wantLevel {
			return errAt(f.abs(addr), "B-tree node at level %d under a level %d node", level, wantLevel+1)
		}
		used := uint64(le16(h[6:8]))
		size := uint64(8+2*f.offSize) + used*uint64(f.offSize+f.lenSize) + uint64(f.lenSize)
		b, err := f.read(addr, size)
		if err != nil {
			return err
		}
		c := f.cursor(b, addr)
		c.skip(8 + 2*f.offSize)
		for i := uint64(0); i < used; i++ {
			c.length() // key
			child := c.addr()
			if c.err != nil {
				return c.err
			}
			if level > 0 {
				if err := node(child, depth+1, level-1); err != nil {
					return err
				}
				continue
			}
			if seen[child] {
				return errAt(f.abs(addr), "symbol table node listed twice")
			}
			seen[child] = true
			ls, err := f.symbolNode(child, heap)
			if err != nil {
				return err
			}
			out = append(out, ls...)
			if len(out) > maxObjects {
				return errAt(f.abs(addr), "more than %d links in a group", maxObjects)
			}
		}
		return nil
	}
	if err := node(btree, 0, -1); err != nil {
		return nil, err
	}
	return out, nil
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

func (f *File) localHeap(addr uint64) ([]byte, error) {
	h, err := f.read(addr, uint64(8+2*f.lenSize+f.offSize))
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(h[:4], []byte("HEAP")) || h[4] != 0 {
		return nil, errAt(f.abs(addr), "no local heap at address %#x", addr)
	}
	c := f.cursor(h, addr)
	c.skip(8)
	size := c.length()
	c.length() // free list
	data := c.addr()
	if c.err != nil {
		return nil, c.err
	}
	if size > maxHeaderBlock {
		return nil, errAt(f.abs(addr), "local heap of %d bytes too large", size)
	}
	return f.read(data, size)
}

// symbolNode reads the entries of a symbol table node (SNOD).
func (f *File) symbolNode(addr uint64, heap []byte) ([]link, error) {
	h, err := f.read(addr, 8)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(h[:4], []byte("SNOD")) || h[4] != 1 {
		return nil, errAt(f.abs(addr), "no symbol table node at address %#x", addr)
	}
	n := uint64(le16(h[6:8]))
	entry := uint64(2*f.offSize + 24)
	b, err := f.read(addr, 8+n*entry)
	if err != nil {
		return nil, err
	}
	c := f.cursor(b, addr)
	c.skip(8)
	var out []link
	for i := uint64(0); i < n; i++ {
		nameOff := c.length()
		obj := c.addr()
		cache := c.u32()
		c.skip(20)
		if c.err != nil {
			return nil, c.err
		}
		name, err := heapString(heap, nameOff)
		if err != nil {
			return nil, errAt(f.abs(addr), "%v", err)
		}
		if cache == 2 || obj == undef {
			continue // soft link
		}
		out = append(out, link{name, obj})
	}
	return out, nil
}

func heapString(heap []byte, off uint64) (string, error) {
	if off >= uint64(len(heap)) {
		return "", fmt.Errorf("name offset %d outside the local heap (%d bytes)", off, len(heap))
	}
	s := heap[off:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", fmt.Errorf("unterminated name in the local heap")
	}
	if bytes.IndexByte(s[:i], '/') >= 0 || i == 0 {
		return "", fmt.Errorf("invalid link name %q", s[:i])
	}
	return string(s[:i]), nil
}
