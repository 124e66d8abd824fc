package scan

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
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
// in memory while the file's spools hold less than Limits.InMemoryBytes
// together, then in a temp file. Every byte it reads counts against the
// top-level file's expansion budget, shared by all the archives and
// streams nested in it (see fileScan.expand); r's own ratio is checked too
// when r is a compressedCounter. A limit returns a *LimitError (ARC003),
// which stops the whole file.
//
// Whatever was read before a limit or a read error is returned with the
// error, so callers analyse it: a truncated stream still had its prefix
// decoded by the loader. cleanup is never nil and must always be called.
//
// The temp file is unlinked as soon as it is created (on systems that
// allow it), so no spool file outlives the process, whether it ends
// normally, on SIGINT/SIGTERM, or by kill -9.
func spool(fs *fileScan, r io.Reader, limit int64) (io.ReaderAt, int64, func(), error) {
	lim := fs.s.opts.Limits
	if limit <= 0 || limit > lim.MaxExpandedBytes {
		limit = lim.MaxExpandedBytes
	}
	cc, _ := r.(compressedCounter)
	var (
		mem   []byte
		f     *os.File
		named string // a temp file that could not be unlinked while open
		total int64
		err   error
	)
	cleanup := func() {
		fs.memHeld -= int64(len(mem))
		mem = nil
		if f != nil {
			f.Close()
			if named != "" {
				os.Remove(named)
			}
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
			if f == nil && fs.memHeld+int64(n) > lim.InMemoryBytes {
				if f, named, err = spillFile(fs.s.opts.TempDir); err != nil {
					break
				}
				if _, werr := f.Write(mem); werr != nil {
					err = fmt.Errorf("spooling a decompressed stream: %w", werr)
					break
				}
				fs.memHeld -= int64(len(mem))
				mem = nil
			}
			if f != nil {
				if _, werr := f.Write(chunk[:n]); werr != nil {
					err = fmt.Errorf("spooling a decompressed stream: %w", werr)
					break
				}
			} else {
				mem = append(mem, chunk[:n]...)
				fs.memHeld += int64(n)
			}
			total += int64(n)
			if err == nil {
				err = fs.expand(int64(n))
			}
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

// spillFile creates a spool file and unlinks it at once where the system
// allows removing an open file; named is set when it could not be.
func spillFile(dir string) (*os.File, string, error) {
	f, err := os.CreateTemp(dir, "mlsec-spool-*")
	if err != nil {
		return nil, "", fmt.Errorf("spooling a decompressed stream: %w", err)
	}
	if runtime.GOOS == "windows" || os.Remove(f.Name()) != nil {
		return f, f.Name(), nil
	}
	return f, "", nil
}

// expand accounts for n more bytes decompressed anywhere in the top-level
// file, and reports when the file as a whole went over MaxExpandedBytes,
// or over MaxRatio times its own size past RatioGrace: one budget for
// every nested archive, so 16 archives of 16 members of 1 GiB each stop
// after the first tens of megabytes, not after 256 GiB.
func (fs *fileScan) expand(n int64) error {
	lim := fs.s.opts.Limits
	fs.expanded += n
	if fs.expanded > lim.MaxExpandedBytes {
		return &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("MaxExpandedBytes: the file's archives and compressed streams expand past %d bytes in all", lim.MaxExpandedBytes)}
	}
	if lim.MaxRatio > 0 && fs.expanded > lim.RatioGrace && float64(fs.expanded) > lim.MaxRatio*float64(max(fs.res.Size, 1)) {
		return &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("MaxRatio: the file's archives and compressed streams expand to %d bytes from a %d-byte file (ratio over %g, counted across nested archives)", fs.expanded, fs.res.Size, lim.MaxRatio)}
	}
	return nil
}

// noteRatio reports a member or stream that expands more than real model
// data does (ARC008, a note): zeros and padding, or filler around a payload.
func (fs *fileScan) noteRatio(b *blob, size, packed int64) {
	const ratio = 100
	if size < 1<<20 || packed <= 0 || size/packed < ratio {
		return
	}
	fs.emit(b, Finding{RuleID: "ARC008", Offset: -1, Message: fmt.Sprintf(
		"%s expands %d:1 (%d bytes from %d compressed); real weights compress 1.1 to 3 times", b.name, size/packed, size, packed)})
}
