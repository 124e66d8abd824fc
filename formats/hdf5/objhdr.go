package hdf5

import "bytes"

// Header message types used here.
const (
	msgNIL          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgLink         = 0x06
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

// Message flag bits.
const (
	mflagShared = 0x02
)

// A message is one object header message.
type message struct {
	typ   uint16
	flags uint8
	data  []byte
	addr  uint64 // relative address of data, for errors
}

// objectHeader reads the messages of the object header at addr, following
// continuation blocks.
func (f *File) objectHeader(addr uint64) ([]message, error) {
	f.objects++
	if f.objects > maxObjects {
		return nil, errAt(f.abs(addr), "more than %d object headers", maxObjects)
	}
	sig, err := f.read(addr, 4)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(sig, []byte("OHDR")) {
		return f.objectHeaderV2(addr)
	}
	return f.objectHeaderV1(addr)
}

type chunk struct{ addr, size uint64 }

// walkChunks parses a first chunk, then every continuation it or a later
// chunk names, each at most once.
func (f *File) walkChunks(first chunk, parse func(chunk, bool) ([]message, error)) ([]message, error) {
	var out []message
	queue := []chunk{first}
	seen := map[uint64]bool{}
	for i := 0; i < len(queue); i++ {
		ck := queue[i]
		if seen[ck.addr] {
			return nil, errAt(f.abs(ck.addr), "object header continuation loop")
		}
		seen[ck.addr] = true
		msgs, err := parse(ck, i == 0)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.typ == msgContinuation {
				c := f.cursor(m.data, m.addr)
				next := chunk{c.addr(), c.length()}
				if c.err != nil {
					return nil, c.err
				}
				if next.size > maxHeaderBlock {
					return nil, errAt(f.abs(m.addr), "continuation block of %d bytes too large", next.size)
				}
				queue = append(queue, next)
				continue
			}
			out = append(out, m)
		}
		if len(out) > maxMessages || len(queue) > maxMessages {
			return nil, errAt(f.abs(ck.addr), "more than %d header messages", maxMessages)
		}
	}
	return out, nil
}

func (f *File) objectHeaderV1(addr uint64) ([]message, error) {
	b, err := f.read(addr, 16)
	if err != nil {
		return nil, err
	}
	c := f.cursor(b, addr)
	if v := c.u8(); v != 1 {
		return nil, errAt(f.abs(addr), "object header version %d: %w", v, ErrUnsupported)
	}
	c.skip(1)
	c.u16() // message count: not trusted, the blocks are parsed to their ends
	c.u32() // reference count
	size := uint64(c.u32())
	if size > maxHeaderBlock {
		return nil, errAt(f.abs(addr), "object header of %d bytes too large", size)
	}
	return f.walkChunks(chunk{addr + 16, size}, func(ck chunk, _ bool) ([]message, error) {
		blk, err := f.read(ck.addr, ck.size)
		if err != nil {
			return nil, err
		}
		var msgs []message
		c := f.cursor(blk, ck.addr)
		for c.rest() >= 8 {
			typ := c.u16()
			n := int(c.u16())
			flags := c.u8()
			c.skip(3)
			at := ck.addr + uint64(c.p)
			data := c.bytes(n)
			if c.err != nil {
				return nil, c.err
			}
			// Version 1 messages are padded to 8 bytes; a continuation
			// block's last message may end unpadded.
			if pad := (8 - n%8) % 8; pad <= c.rest() {
				c.skip(pad)
			}
			msgs = append(msgs, message{typ, flags, data, at})
		}
		return msgs, nil
	})
}

func (f *File) objectHeaderV2(addr uint64) ([]message, error) {
	b, err := f.read(addr, 6)
	if err != nil {
		return nil, err
	}
	if b[4] != 2 {
		return nil, errAt(f.abs(addr), "OHDR version %d: %w", b[4], ErrUnsupported)
	}
	flags := b[5]
	pre := uint64(6)
	if flags&0x20 != 0 {
		pre += 16 // times
	}
	if flags&0x10 != 0 {
		pre += 4 // attribute phase change values
	}
	sizeLen := uint64(1) << (flags & 3)
	b, err = f.read(addr, pre+sizeLen)
	if err != nil {
		return nil, err
	}
	c := f.cursor(b, addr)
	c.skip(int(pre))
	size := c.uint(int(sizeLen))
	if size > maxHeaderBlock {
		return nil, errAt(f.abs(addr), "object header of %d bytes too large", size)
	}
	order := flags&0x04 != 0
	first := chunk{addr, pre + sizeLen + size + 4}
	return f.walkChunks(first, func(ck chunk, isFirst bool) ([]message, error) {
		blk, err := f.read(ck.addr, ck.size)
		if err != nil {
			return nil, err
		}
		if !checksum(blk) {
			return nil, errAt(f.abs(ck.addr), "object header checksum mismatch")
		}
		start := int(pre + sizeLen)
		if !isFirst {
			if len(blk) < 8 || !bytes.Equal(blk[:4], []byte("OCHK")) {
				return nil, errAt(f.abs(ck.addr), "continuation block without OCHK signature")
			}
			start = 4
		}
		c := f.cursor(blk[:len(blk)-4], ck.addr)
		c.skip(start)
		hl := 4
		if order {
			hl = 6
		}
		var msgs []message
		// Fewer bytes than a message header left over are a gap.
		for c.rest() >= hl && c.err == nil {
			typ := uint16(c.u8())
			n := int(c.u16())
			mf := c.u8()
			if order {
				c.skip(2)
			}
			at := ck.addr + uint64(c.p)
			data := c.bytes(n)
			if c.err != nil {
				return nil, c.err
			}
			msgs = append(msgs, message{typ, mf, data, at})
		}
		return msgs, c.err
	})
}
