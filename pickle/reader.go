package pickle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

const bufSize = 64 << 10

// reader is a buffered reader that knows its offset and can skip large
// payloads without holding them.
type reader struct {
	r    io.Reader
	buf  []byte
	i, n int   // buf[i:n] is unread
	base int64 // offset of buf[0] in the input
	err  error // sticky read error (io.EOF at the end)
}

func newReader(r io.Reader) *reader {
	return &reader{r: r, buf: make([]byte, bufSize)}
}

// bytesReader reads p in place, without copying or allocating a buffer
// (trial parses). p is never written: fill stops at the sticky io.EOF.
func bytesReader(p []byte) *reader {
	return &reader{buf: p, n: len(p), err: io.EOF}
}

func (r *reader) pos() int64 { return r.base + int64(r.i) }

// fill moves unread bytes to the front and reads more. It reports whether
// at least one more byte arrived.
func (r *reader) fill() bool {
	if r.err != nil {
		return false
	}
	if r.i > 0 {
		copy(r.buf, r.buf[r.i:r.n])
		r.base += int64(r.i)
		r.n -= r.i
		r.i = 0
	}
	for tries := 0; tries < 100; tries++ {
		k, err := r.r.Read(r.buf[r.n:])
		r.n += k
		if err != nil {
			r.err = err
			return k > 0
		}
		if k > 0 {
			return true
		}
	}
	r.err = io.ErrNoProgress
	return false
}

// errEOF is returned when the input ends inside an opcode.
var errEOF = errors.New("unexpected end of data")

func (r *reader) eofErr() error {
	if r.err == nil || r.err == io.EOF {
		return errEOF
	}
	return fmt.Errorf("%w: %w", errReadFailed, r.err)
}

// errReadFailed wraps errors of the underlying reader.
var errReadFailed = errors.New("read failed")

func (r *reader) readByte() (byte, error) {
	if r.i >= r.n && !r.fill() {
		return 0, r.eofErr()
	}
	c := r.buf[r.i]
	r.i++
	return c, nil
}

// next returns the next n bytes (n <= bufSize), valid until the next call.
func (r *reader) next(n int) ([]byte, error) {
	for r.n-r.i < n {
		if !r.fill() {
			r.i = r.n
			return nil, r.eofErr()
		}
	}
	p := r.buf[r.i : r.i+n]
	r.i += n
	return p, nil
}

// peek returns up to n buffered bytes without consuming them.
func (r *reader) peek(n int) []byte {
	for r.n-r.i < n && r.fill() {
	}
	if r.n-r.i < n {
		n = r.n - r.i
	}
	return r.buf[r.i : r.i+n]
}

// skip discards n bytes.
func (r *reader) skip(n int64) error {
	for n > 0 {
		if r.i >= r.n && !r.fill() {
			return r.eofErr()
		}
		k := int64(r.n - r.i)
		if k > n {
			k = n
		}
		r.i += int(k)
		n -= k
	}
	return nil
}

// keep reads an n-byte payload, keeping its first max bytes.
func (r *reader) keep(n int64, max int) (string, error) {
	k := n
	if k > int64(max) {
		k = int64(max)
	}
	var s string
	if k > 0 {
		p, err := r.next(int(k))
		if err != nil {
			return "", err
		}
		s = string(p)
	}
	return s, r.skip(n - k)
}

// errLongLine is returned for a text operand longer than the line limit.
var errLongLine = errors.New("text operand too long")

// line reads up to and excluding '\n'. Lines longer than max are an error:
// no legitimate operand (a name, a number, a quoted short string) is that
// long, and protocol 0 long strings are bounded by the same limit.
func (r *reader) line(max int) ([]byte, error) {
	for {
		if j := bytes.IndexByte(r.buf[r.i:r.n], '\n'); j >= 0 {
			if j > max {
				return nil, errLongLine
			}
			p := r.buf[r.i : r.i+j]
			r.i += j + 1
			return p, nil
		}
		if r.n-r.i > max {
			return nil, errLongLine
		}
		if !r.fill() {
			r.i = r.n
			return nil, r.eofErr()
		}
	}
}

// longLine reads a text operand of any length up to '\n', keeping its first
// max bytes (copied) and reporting its full length and last byte, so a
// protocol-0 string of megabytes streams through.
func (r *reader) longLine(max int) (head []byte, last byte, n int64, err error) {
	for {
		j := bytes.IndexByte(r.buf[r.i:r.n], '\n')
		end := r.n
		if j >= 0 {
			end = r.i + j
		}
		chunk := r.buf[r.i:end]
		if room := max - len(head); room > 0 {
			if room > len(chunk) {
				room = len(chunk)
			}
			head = append(head, chunk[:room]...)
		}
		if len(chunk) > 0 {
			last = chunk[len(chunk)-1]
		}
		n += int64(len(chunk))
		r.i = end
		if j >= 0 {
			r.i++
			return head, last, n, nil
		}
		if !r.fill() {
			return nil, 0, 0, r.eofErr()
		}
	}
}
