package scan

import (
	"archive/tar"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"strings"

	"github.com/bodgit/sevenzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

func init() {
	registerHandler(FormatTar, scanTar)
	registerHandler(Format7z, scan7z)
	for f, open := range map[Format]func(io.Reader) (io.Reader, func(), error){
		FormatGzip:  func(r io.Reader) (io.Reader, func(), error) { return closing(gzip.NewReader(r)) },
		FormatZlib:  func(r io.Reader) (io.Reader, func(), error) { return closing(zlib.NewReader(r)) },
		FormatBzip2: func(r io.Reader) (io.Reader, func(), error) { return bzip2.NewReader(r), func() {}, nil },
		FormatXz: func(r io.Reader) (io.Reader, func(), error) {
			x, err := xz.NewReader(r)
			return x, func() {}, err
		},
		// Legacy .lzma ("alone"), what joblib writes for 'lzma'. The
		// dictionary cap bounds the allocation a forged header causes.
		FormatLzma: func(r io.Reader) (io.Reader, func(), error) {
			x, err := lzma.ReaderConfig{DictCap: 64 << 20}.NewReader(r)
			return x, func() {}, err
		},
		FormatLz4: func(r io.Reader) (io.Reader, func(), error) { return lz4.NewReader(r), func() {}, nil },
		FormatZstd: func(r io.Reader) (io.Reader, func(), error) {
			d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(128<<20))
			if err != nil {
				return nil, nil, err
			}
			return d, d.Close, nil
		},
	} {
		registerHandler(f, streamHandler(f, open))
	}
}

func closing[R io.ReadCloser](r R, err error) (io.Reader, func(), error) {
	if err != nil {
		return nil, nil, err
	}
	return r, func() { r.Close() }, nil
}

// streamHandler decompresses a single-stream wrapper (gzip, joblib's zlib,
// ...) into a child blob named "<format>" that the engine analyses: a
// compressed joblib is a pickle underneath.
func streamHandler(f Format, open func(io.Reader) (io.Reader, func(), error)) handler {
	return func(fs *fileScan, b *blob) error {
		in := &countReader{r: io.NewSectionReader(b.r, 0, b.size)}
		dr, closeFn, err := open(in)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		defer closeFn()
		r, size, cleanup, err := spool(fs, metered{dr, func() int64 { return in.n }}, 0)
		defer cleanup()
		c := fs.child(b, "<"+string(f)+">", r, size)
		if size > 0 || err == nil {
			// Analyse what was decoded even when the stream breaks off
			// later: the loader has decoded (and run) it too.
			fs.analyze(c)
		}
		fs.noteRatio(c, size, in.n)
		if err != nil {
			if isLimit(err) {
				return err
			}
			return fmt.Errorf("%s stream broken after %d decompressed bytes: %w", f, size, err)
		}
		return nil
	}
}

// scanTar sends every regular member of a TAR to the engine, in place
// when its bytes are contiguous in the archive, and reports links and
// names that escape the extraction folder.
func scanTar(fs *fileScan, b *blob) error {
	sr := io.NewSectionReader(b.r, 0, b.size)
	tr := tar.NewReader(sr)
	for n := 1; ; n++ {
		if fs.ctx.Err() != nil {
			return fs.ctx.Err()
		}
		if fs.stopped {
			return nil
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: entry %d: %w", n, err)
		}
		if n > fs.s.opts.Limits.MaxEntries {
			return &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("MaxEntries: the archive has more than %d entries", fs.s.opts.Limits.MaxEntries)}
		}
		pos, _ := sr.Seek(0, io.SeekCurrent)
		c := fs.child(b, hdr.Name, nil, 0)
		c.format = FormatUnknown
		if why := unsafeMemberName(hdr.Name); why != "" {
			fs.emit(c, Finding{RuleID: "ARC001", Offset: pos, Message: fmt.Sprintf("member name %q %s", hdr.Name, why)})
		}
		switch hdr.Typeflag {
		case tar.TypeSymlink, tar.TypeLink:
			kind := "symbolic"
			if hdr.Typeflag == tar.TypeLink {
				kind = "hard"
			}
			fs.emit(c, Finding{RuleID: "ARC002", Offset: pos, Argument: hdr.Linkname, Message: fmt.Sprintf("member %q is a %s link to %q", hdr.Name, kind, hdr.Linkname)})
			if why := unsafeMemberName(hdr.Linkname); why != "" {
				fs.emit(c, Finding{RuleID: "ARC001", Offset: pos, Argument: hdr.Linkname, Message: fmt.Sprintf("link %q points to %q, which %s", hdr.Name, hdr.Linkname, why)})
			}
			continue
		case tar.TypeReg, tar.TypeGNUSparse, '\x00':
		default:
			continue // folders, devices, FIFOs: no content
		}
		if hdr.Typeflag != tar.TypeGNUSparse && !isPAXSparse(hdr) && hdr.Size <= b.size-pos {
			c.r, c.size = io.NewSectionReader(b.r, pos, hdr.Size), hdr.Size
			fs.analyze(c)
			continue
		}
		// Sparse or truncated: decode through archive/tar.
		r, size, cleanup, err := spool(fs, tr, 0)
		if size > 0 || err == nil {
			c.r, c.size = r, size
			fs.analyze(c)
		}
		cleanup()
		if err != nil {
			return fmt.Errorf("tar member %q: %w", hdr.Name, err)
		}
	}
}

func isPAXSparse(h *tar.Header) bool {
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// scan7z decompresses every member of a 7z archive into the engine. A
// PyTorch checkpoint packed as 7z instead of ZIP was nullifAI's way past
// scanners that only open ZIPs.
func scan7z(fs *fileScan, b *blob) (err error) {
	defer func() {
		// The decoder is third-party code fed hostile bytes: a panic in it
		// must fail this blob closed, not the whole scan.
		if p := recover(); p != nil {
			err = fmt.Errorf("7z: decoder failed: %v", p)
		}
	}()
	zr, err := sevenzip.NewReader(b.r, b.size)
	if err != nil {
		if encrypted7z(err) {
			fs.emitf(b, "ARC004", 0, "7z archive has an encrypted header; its members could not be listed or analysed")
			fs.res.Status = StatusError
			return nil
		}
		return fmt.Errorf("7z: %w", err)
	}
	for i, f := range zr.File {
		if fs.ctx.Err() != nil {
			return fs.ctx.Err()
		}
		if fs.stopped {
			return nil
		}
		if i >= fs.s.opts.Limits.MaxEntries {
			return &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("MaxEntries: the archive has %d entries, more than %d", len(zr.File), fs.s.opts.Limits.MaxEntries)}
		}
		c := fs.child(b, f.Name, nil, 0)
		c.format = FormatUnknown
		if why := unsafeMemberName(f.Name); why != "" {
			fs.emit(c, Finding{RuleID: "ARC001", Offset: -1, Message: fmt.Sprintf("member name %q %s", f.Name, why)})
		}
		mode := f.Mode()
		if mode&iofs.ModeSymlink != 0 {
			fs.emit(c, Finding{RuleID: "ARC002", Offset: -1, Message: fmt.Sprintf("member %q is a symbolic link", f.Name)})
			continue
		}
		if !mode.IsRegular() {
			continue // folders and special files: no content
		}
		scan7zMember(fs, b, c, f)
	}
	return nil
}

// scan7zMember analyses one member.
func scan7zMember(fs *fileScan, b, c *blob, f *sevenzip.File) {
	rc, err := f.Open()
	if err != nil {
		fail7z(fs, c, err)
		return
	}
	defer rc.Close()
	r, size, cleanup, err := spool(fs, metered{rc, func() int64 { return b.size }}, 0)
	defer cleanup()
	if size > 0 || err == nil {
		c.r, c.size = r, size
		fs.analyze(c)
	}
	if err != nil {
		fail7z(fs, c, err)
	}
}

func fail7z(fs *fileScan, c *blob, err error) {
	if encrypted7z(err) {
		fs.emitf(c, "ARC004", -1, "7z member %q is encrypted and could not be analysed", c.member)
		fs.res.Status = StatusError
		return
	}
	fs.failBlob(c, fmt.Errorf("7z member: %w", err))
}

func encrypted7z(err error) bool {
	var re sevenzip.ReadError
	if errors.As(err, &re) && re.Encrypted {
		return true
	}
	var rp *sevenzip.ReadError
	return errors.As(err, &rp) && rp.Encrypted
}
