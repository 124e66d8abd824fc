package hdf5

import (
	"bytes"
	"math/bits"
)

// btree2 calls fn with every record of the version 2 B-tree at addr, whose
// records must be of type recType.
func (f *File) btree2(addr uint64, recType uint8, fn func([]byte) error) error {
	n := uint64(4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + f.offSize + 2 + f.lenSize + 4)
	b, err := f.read(addr, n)
	if err != nil {
		return err
	}
	if !bytes.Equal(b[:4], []byte("BTHD")) || b[4] != 0 {
		return errAt(f.abs(addr), "no v2 B-tree header at address %#x", addr)
	}
	if !checksum(b) {
		return errAt(f.abs(addr), "v2 B-tree header checksum mismatch")
	}
	c := f.cursor(b, addr)
	c.skip(5)
	if t := c.u8(); t != recType {
		return errAt(f.abs(addr), "v2 B-tree of record type %d, want %d", t, recType)
	}
	nodeSize := uint64(c.u32())
	recSize := uint64(c.u16())
	depth := int(c.u16())
	c.skip(2)
	root := c.addr()
	rootRecs := uint64(c.u16())
	c.length()
	if c.err != nil {
		return c.err
	}
	minRec := uint64(11)
	if recType == 8 {
		minRec = 17
	}
	if nodeSize < 16 || nodeSize > maxHeaderBlock || recSize < minRec || recSize > nodeSize || depth > maxDepth {
		return errAt(f.abs(addr), "invalid v2 B-tree geometry")
	}
	if root == undef {
		return nil
	}
	// Per-level sizes of the child pointer fields, as libhdf5 derives them
	// from the node size.
	type level struct {
		maxRec, cumMax     uint64
		recBytes, cumBytes int
	}
	lv := make([]level, depth+1)
	encSize := func(x uint64) int { return bits.Len64(x)/8 + 1 }
	const overhead = 4 + 1 + 1 + 4
	lv[0].maxRec = (nodeSize - overhead) / recSize
	lv[0].cumMax = lv[0].maxRec
	lv[0].recBytes = encSize(lv[0].maxRec)
	lv[0].cumBytes = lv[0].recBytes
	for i := 1; i <= depth; i++ {
		ptr := uint64(f.offSize + lv[i-1].recBytes)
		if i > 1 {
			ptr += uint64(lv[i-1].cumBytes)
		}
		if nodeSize < overhead+ptr {
			return errAt(f.abs(addr), "invalid v2 B-tree geometry")
		}
		lv[i].maxRec = (nodeSize - overhead - ptr) / (recSize + ptr)
		hi, lo := bits.Mul64(lv[i].maxRec+1, lv[i-1].cumMax)
		if hi != 0 || lo+lv[i].maxRec < lo {
			return errAt(f.abs(addr), "invalid v2 B-tree geometry")
		}
		lv[i].cumMax = lo + lv[i].maxRec
		lv[i].recBytes = encSize(lv[i].maxRec)
		lv[i].cumBytes = encSize(lv[i].cumMax)
	}
	seen := map[uint64]bool{}
	var node func(addr uint64, d int, nrec uint64) error
	node = func(addr uint64, d int, nrec uint64) error {
		if seen[addr] {
			return errAt(f.abs(addr), "v2 B-tree node visited twice")
		}
		seen[addr] = true
		if nrec > lv[d].maxRec {
			return errAt(f.abs(addr), "v2 B-tree node with %d records, at most %d fit", nrec, lv[d].maxRec)
		}
		b, err := f.read(addr, nodeSize)
		if err != nil {
			return err
		}
		sig := []byte("BTLF")
		if d > 0 {
			sig = []byte("BTIN")
		}
		if !bytes.Equal(b[:4], sig) || b[4] != 0 || b[5] != recType {
			return errAt(f.abs(addr), "no v2 B-tree node (%s) at address %#x", sig, addr)
		}
		c := f.cursor(b, addr)
		c.skip(6)
		recs := c.bytes(int(nrec * recSize))
		type child struct{ addr, nrec uint64 }
		var kids []child
		if d > 0 {
			for i := uint64(0); i <= nrec; i++ {
				k := child{c.addr(), c.uint(lv[d-1].recBytes)}
				if d > 1 {
					c.uint(lv[d-1].cumBytes)
				}
				kids = append(kids, k)
			}
		}
		end := c.p
		if c.err != nil {
			return c.err
		}
		if end+4 > len(b) || !checksum(b[:end+4]) {
			return errAt(f.abs(addr), "v2 B-tree node checksum mismatch")
		}
		for i := uint64(0); i < nrec; i++ {
			if err := fn(recs[i*recSize : (i+1)*recSize]); err != nil {
				return err
			}
		}
		for _, k := range kids {
			if err := node(k.addr, d-1, k.nrec); err != nil {
				return err
			}
		}
		return nil
	}
	return node(root, depth, rootRecs)
}
