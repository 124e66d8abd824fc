package scan

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// A compressedCounter knows how many compressed bytes produced what has
// been read so far, so spool can enforce the expansion ratio.
type compressedCounter interface{ compressedBytes() int64 }

// countReader counts the bytes read through it (the compressed input of a
// decompressor).
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// metered pairs a decompressed stream with its compressed input count.
type metered struct {
	io.Reader
	in func() int64
}

func (m metered) compressedBytes() int64 { return m.in() }

// spool reads r to its end so the engine can analyse it with random access:
// in memory up to Limits.InMemoryBytes, then in an unlinked-on-cleanup temp
// file. It stops at limit bytes (0 or more than MaxExpandedBytes means
// MaxExpandedBytes) and, when r is a compressedCounter, at MaxRatio past
// RatioGrace, returning a *LimitError.
//
// Whatever was read before a limit or a read error is returned with the
// error, so callers analyse it: a truncated stream still had its prefix
// decoded by the loader. cleanup is never nil and must always be called.
func spool(fs *fileScan, r io.Reader, limit int64) (io.ReaderAt, int64, func(), error) {
	lim := fs.s.opts.Limits
	if limit <= 0 || limit > lim.MaxExpandedBytes {
		limit = lim.MaxExpandedBytes
	}
	cc, _ := r.(compressedCounter)
	var (
		mem   []byte
		f     *os.File
		total int64
		err   error
	)
	cleanup := func() {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
	chunk := make([]byte, 64<<10)
	for err == nil {
		if fs.ctx.Err() != nil {
			err = fs.ctx.Err()
			break
		}
		n, rerr := r.Read(chunk)
		if int64(n) > limit-total {
			n = int(limit - total)
			err = &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("MaxExpandedBytes: a stream expands past %d bytes", limit), Offset: total}
		}
		if n > 0 {
			if f == nil && total+int64(n) > lim.InMemoryBytes {
				var cerr error
				if f, cerr = os.CreateTemp(fs.s.opts.TempDir, "mlsec-spool-*"); cerr != nil {
					f = nil
					err = fmt.Errorf("spooling a decompressed stream: %w", cerr)
					break
				}
				if _, werr := f.Write(mem); werr != nil {
					err = fmt.Errorf("spooling a decompressed stream: %w", werr)
					break
				}
				mem = nil
			}
			if f != nil {
				if _, werr := f.Write(chunk[:n]); werr != nil {
					err = fmt.Errorf("spooling a decompressed stream: %w", werr)
					break
				}
			} else {
				mem = append(mem, chunk[:n]...)
			}
			total += int64(n)
			if cc != nil && err == nil && total > lim.RatioGrace && lim.MaxRatio > 0 {
				if c := cc.compressedBytes(); float64(total) > lim.MaxRatio*float64(max(c, 1)) {
					err = &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("MaxRatio: %d bytes expanded from %d (ratio over %g)", total, c, lim.MaxRatio), Offset: total}
				}
			}
		}
		if err == nil && rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
	}
	if f != nil {
		return f, total, cleanup, err
	}
	return bytes.NewReader(mem), total, cleanup, err
}

// A budget bounds what all the members of one archive expand to together,
// so many small members (or overlapping entries sharing one deflate
// stream) cannot multiply a bomb past the per-stream limits.
type budget struct {
	fs     *fileScan
	packed int64 // size of the archive
	used   int64
}

// left is the expansion still allowed, at least 1 so a spool can detect
// that a member goes over.
func (bu *budget) left() int64 {
	return max(bu.fs.s.opts.Limits.MaxExpandedBytes-bu.used, 1)
}

// add accounts for n more expanded bytes and reports when the archive as a
// whole went over MaxExpandedBytes or MaxRatio.
func (bu *budget) add(n int64) error {
	lim := bu.fs.s.opts.Limits
	bu.used += n
	if bu.used >= lim.MaxExpandedBytes {
		return &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("MaxExpandedBytes: the archive's members expand to %d bytes or more", lim.MaxExpandedBytes)}
	}
	if lim.MaxRatio > 0 && bu.used > lim.RatioGrace && float64(bu.used) > lim.MaxRatio*float64(max(bu.packed, 1)) {
		return &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("MaxRatio: the archive's members expand to %d bytes from %d (ratio over %g)", bu.used, bu.packed, lim.MaxRatio)}
	}
	return nil
}
