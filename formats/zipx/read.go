package zipx

import (
	"compress/flate"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// A MismatchError reports, at the end of a member's data, that the data
// disagrees with the central directory (CRC or size). PyTorch does not
// check either, so callers record it as an anomaly and keep the data.
type MismatchError struct {
	Anomaly Anomaly
}

func (e *MismatchError) Error() string { return "zipx: " + e.Anomaly.Name + ": " + e.Anomaly.Detail }

// AsAnomaly returns the anomaly carried by err, if err is a *MismatchError.
func AsAnomaly(err error) (Anomaly, bool) {
	var me *MismatchError
	if errors.As(err, &me) {
		return me.Anomaly, true
	}
	return Anomaly{}, false
}

// Section returns the raw (still compressed) bytes of e's data. For a
// stored member these are its content, readable at random without a copy.
func (z *Reader) Section(e *Entry) (*io.SectionReader, error) {
	if e.Err != nil {
		return nil, e.Err
	}
	return io.NewSectionReader(z.r, e.DataOffset, int64(e.CompressedSize)), nil
}

// Open returns a reader of e's decompressed content. When the content has
// been read to its end and disagrees with the declared CRC or size, the
// final Read returns a *MismatchError instead of io.EOF. Callers bound
// the bytes they read: a deflate stream can expand without limit.
func (z *Reader) Open(e *Entry) (io.ReadCloser, error) {
	rc, _, err := z.OpenMetered(e)
	return rc, err
}

// OpenMetered is Open, and also returns how many compressed bytes the
// reader has consumed so far, so callers can bound the expansion ratio as
// the data streams rather than against the declared sizes.
func (z *Reader) OpenMetered(e *Entry) (io.ReadCloser, func() int64, error) {
	sr, err := z.Section(e)
	if err != nil {
		return nil, nil, err
	}
	cr := &countReader{r: sr}
	var rc io.ReadCloser
	switch e.Method {
	case Store:
		rc = io.NopCloser(cr)
	case Deflate:
		rc = flate.NewReader(cr)
	default:
		return nil, nil, fmt.Errorf("%w %d for %q", ErrUnsupportedMethod, e.Method, e.Name)
	}
	return &checkReader{rc: rc, e: e, h: crc32.NewIEEE()}, func() int64 { return cr.n }, nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// VerifyCRC reads a stored member's data and checks it against the
// declared CRC; it returns a *MismatchError when they differ. Use it only
// on members small enough to read in full.
func (z *Reader) VerifyCRC(e *Entry) error {
	rc, err := z.Open(e)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

type checkReader struct {
	rc io.ReadCloser
	e  *Entry
	h  hash.Hash32
	n  uint64
}

func (c *checkReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.h.Write(p[:n])
	c.n += uint64(n)
	if err != io.EOF {
		return n, err
	}
	a := Anomaly{Name: c.e.Name, Offset: c.e.HeaderOffset}
	switch got := c.h.Sum32(); {
	case c.n != c.e.UncompressedSize:
		a.Kind = SizeMismatch
		a.Detail = fmt.Sprintf("content is %d bytes, the central directory declares %d", c.n, c.e.UncompressedSize)
	case got != c.e.CRC32:
		a.Kind = CRCMismatch
		a.Detail = fmt.Sprintf("CRC-32 of the content is %08x, the central directory declares %08x; PyTorch does not check it", got, c.e.CRC32)
	default:
		return n, io.EOF
	}
	return n, &MismatchError{a}
}

func (c *checkReader) Close() error { return c.rc.Close() }
