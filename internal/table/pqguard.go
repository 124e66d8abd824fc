package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// parquet-go sizes allocations from lengths in the file: a list count in
// the footer (up to 2^31 elements), a page's compressed and uncompressed
// sizes, a page's value count. A small hostile file can therefore make it
// allocate gigabytes, and Go cannot recover from running out of memory. So
// before parquet-go sees the footer or a column chunk, we walk their Thrift
// encoding ourselves with lengths checked against the bytes that are
// actually there and against the limits below.

const (
	maxFooterBytes    = 64 << 20
	maxFooterElements = 250_000 // list, set and map elements in the whole footer
	maxPageBytes      = 256 << 20
	maxPageValues     = 1 << 26
	thriftMaxDepth    = 32
	pageWindow        = 64 << 10 // bytes read at once to decode page headers
	maxHeaderBytes    = 16 << 20
)

var errThrift = errors.New("malformed Thrift metadata")

// thriftWalk checks one compact-protocol struct in b and returns its length.
// Every length and count must fit in the bytes left; elements counts the
// list, set and map elements seen. field, when not nil, sees every integer
// field with its path of field ids (outermost first).
type thriftWalk struct {
	b        []byte
	pos      int
	elements int
	maxElems int
	field    func(path []int16, v int64)
	path     []int16
}

func (w *thriftWalk) byte1() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, io.ErrUnexpectedEOF
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

func (w *thriftWalk) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	if n <= 0 {
		if n == 0 {
			return 0, io.ErrUnexpectedEOF
		}
		return 0, errThrift
	}
	w.pos += n
	return v, nil
}

func (w *thriftWalk) varint() (int64, error) {
	u, err := w.uvarint()
	return int64(u>>1) ^ -int64(u&1), err // zigzag
}

// count checks a declared element or byte count against what is left.
func (w *thriftWalk) count(n uint64, elems bool) (int, error) {
	if n > uint64(len(w.b)-w.pos) {
		return 0, fmt.Errorf("%w: a length of %d with %d bytes left", errThrift, n, len(w.b)-w.pos)
	}
	if elems {
		w.elements += int(n)
		if w.maxElems > 0 && w.elements > w.maxElems {
			return 0, fmt.Errorf("%w: more than %d list elements", errThrift, w.maxElems)
		}
	}
	return int(n), nil
}

func (w *thriftWalk) structure(depth int) error {
	if depth > thriftMaxDepth {
		return fmt.Errorf("%w: nested too deeply", errThrift)
	}
	var id int16
	for {
		h, err := w.byte1()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil
		}
		if d := h >> 4; d != 0 {
			id += int16(d)
		} else {
			v, err := w.varint()
			if err != nil {
				return err
			}
			id = int16(v)
		}
		w.path = append(w.path, id)
		err = w.value(h&0x0f, depth)
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
	}
}

func (w *thriftWalk) value(t byte, depth int) error {
	switch t {
	case 1, 2: // bool in a field header
		return nil
	case 3:
		_, err := w.byte1()
		return err
	case 4, 5, 6:
		v, err := w.varint()
		if err == nil && w.field != nil {
			w.field(w.path, v)
		}
		return err
	case 7:
		_, err := w.count(8, false)
		w.pos += 8
		return err
	case 8:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		k, err := w.count(n, false)
		w.pos += k
		return err
	case 9, 10:
		h, err := w.byte1()
		if err != nil {
			return err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return err
			}
		}
		k, err := w.count(n, true)
		if err != nil {
			return err
		}
		et := h & 0x0f
		for range k {
			if et == 1 || et == 2 { // bools in a list take a byte each
				if _, err := w.byte1(); err != nil {
					return err
				}
				continue
			}
			if err := w.value(et, depth+1); err != nil {
				return err
			}
		}
		return nil
	case 11:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		k, err := w.count(n, true)
		if err != nil || k == 0 {
			return err
		}
		kv, err := w.byte1()
		if err != nil {
			return err
		}
		for range k {
			if err := w.value(kv>>4, depth+1); err != nil {
				return err
			}
			if err := w.value(kv&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case 12:
		return w.structure(depth + 1)
	}
	return fmt.Errorf("%w: unknown type %d", errThrift, t)
}

// checkFooter validates the footer of the Parquet file r of size bytes.
// An encrypted footer (PARE) is left to parquet-go, which refuses it
// without a key.
func checkFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too small for a Parquet file", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(tail[4:]) != "PAR1" {
		return nil // parquet-go reports the bad magic
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return fmt.Errorf("footer of %d bytes does not fit in a file of %d bytes", n, size)
	}
	if n > maxFooterBytes {
		return fmt.Errorf("footer of %d bytes is larger than the %d this reader accepts", n, maxFooterBytes)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-8-n); err != nil {
		return err
	}
	w := thriftWalk{b: buf, maxElems: maxFooterElements}
	if err := w.structure(0); err != nil {
		return fmt.Errorf("footer: %w", err)
	}
	return nil
}

// checkChunk walks the page headers of the column chunk at [off, off+n) of
// r: each must decode within its bytes, its page must lie inside the
// chunk, and its sizes and value count must be within this reader's
// limits.
func checkChunk(r io.ReaderAt, size, off, n int64) error {
	if off < 4 || n < 0 || off > size || n > size-off {
		return fmt.Errorf("column chunk at %d (%d bytes) is outside the file", off, n)
	}
	end := off + n
	var win []byte
	winOff := int64(-1)
	for off < end {
		// Decode from the window while at least a full header's worth of
		// it is left; refill otherwise. Many tiny pages share one read.
		if winOff < 0 || off < winOff || off+pageWindow/2 > winOff+int64(len(win)) && winOff+int64(len(win)) < end {
			win = make([]byte, min(pageWindow, end-off))
			if _, err := r.ReadAt(win, off); err != nil {
				return err
			}
			winOff = off
		}
		var comp, uncomp, values int64
		w := thriftWalk{b: win[off-winOff:], maxElems: 1 << 16, field: func(path []int16, v int64) {
			switch {
			case len(path) == 1 && path[0] == 2:
				uncomp = v
			case len(path) == 1 && path[0] == 3:
				comp = v
			case len(path) == 2 && (path[0] == 5 || path[0] == 7 || path[0] == 8) && path[1] == 1:
				values = max(values, v)
			}
		}}
		if err := w.structure(0); err != nil {
			// A header with large statistics may not fit the window: read
			// more, up to maxHeaderBytes, and try again.
			if errors.Is(err, io.ErrUnexpectedEOF) && winOff+int64(len(win)) < end && int64(len(win)) < maxHeaderBytes {
				win = make([]byte, min(2*int64(len(win)), end-off, maxHeaderBytes))
				if _, err := r.ReadAt(win, off); err != nil {
					return err
				}
				winOff = off
				continue
			}
			return fmt.Errorf("page header at %d: %w", off, err)
		}
		off += int64(w.pos)
		switch {
		case comp < 0 || comp > end-off:
			return fmt.Errorf("page at %d claims %d bytes, the column chunk has %d left", off, comp, end-off)
		case uncomp < 0 || uncomp > maxPageBytes:
			return fmt.Errorf("page at %d claims %d bytes uncompressed (limit %d)", off, uncomp, maxPageBytes)
		case values < 0 || values > maxPageValues:
			return fmt.Errorf("page at %d claims %d values (limit %d)", off, values, maxPageValues)
		}
		off += comp
	}
	return nil
}
