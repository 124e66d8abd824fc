package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/mlsec/mlsec/formats/zipx"
	"github.com/mlsec/mlsec/pickle"
)

func init() { registerHandler(FormatZip, scanZip) }

// scanZip reads a ZIP as PyTorch does (central directory first, local
// headers for data offsets, flags and CRCs ignored), reports every place
// where other readers would see something else, and sends every member
// back to the engine. One bad member never stops the others.
func scanZip(fs *fileScan, b *blob) error {
	lim := fs.s.opts.Limits
	zr, err := zipx.OpenWith(b.r, b.size, zipx.Options{MaxEntries: lim.MaxEntries})
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	b.format = classifyZip(fs, zr)
	torch := b.format == FormatPyTorchZip || b.format == FormatTorchScript
	for i := range zr.Entries {
		if fs.ctx.Err() != nil {
			return fs.ctx.Err()
		}
		if fs.stopped {
			break
		}
		scanZipEntry(fs, b, zr, &zr.Entries[i], torch)
	}
	if zr.Truncated && !fs.stopped {
		fs.emit(b, Finding{RuleID: "ARC003", Offset: zr.EOCDOffset, Message: fmt.Sprintf(
			"limit reached: MaxEntries: the archive declares %d entries, only the first %d were analysed", zr.Declared, lim.MaxEntries)})
	}
	for _, a := range zr.Anomalies {
		msg := a.Detail
		if a.Name != "" {
			msg = fmt.Sprintf("%s: %s", a.Name, a.Detail)
		}
		fs.emit(b, Finding{RuleID: "ARC005", Offset: a.Offset, Message: fmt.Sprintf("ZIP %s: %s", a.Kind, msg)})
	}
	if zr.Damaged != nil {
		return zr.Damaged
	}
	return nil
}

// scanZipEntry analyses one member. Expansion limits are the top-level
// file's (see spool); hitting one stops the file.
func scanZipEntry(fs *fileScan, b *blob, zr *zipx.Reader, e *zipx.Entry, torch bool) {
	c := fs.child(b, e.Name, nil, 0)
	c.format = FormatUnknown
	if why := unsafeMemberName(e.Name); why != "" {
		fs.emit(c, Finding{RuleID: "ARC001", Offset: e.HeaderOffset, Message: fmt.Sprintf("member name %q %s", e.Name, why)})
	}
	if e.IsSymlink {
		target := ""
		if sr, err := zr.Section(e); err == nil && e.Method == zipx.Store {
			buf := make([]byte, min(e.CompressedSize, 1024))
			n, _ := sr.ReadAt(buf, 0)
			target = string(buf[:n])
		}
		fs.emit(c, Finding{RuleID: "ARC002", Offset: e.HeaderOffset, Argument: target, Message: fmt.Sprintf("member %q is a symbolic link to %q", e.Name, target)})
		return
	}
	if e.IsDir && e.UncompressedSize == 0 {
		return
	}
	if e.Err != nil {
		fs.failBlob(c, fmt.Errorf("zip member %q: %w", e.Name, e.Err))
		return
	}
	if e.Method != zipx.Store && e.Method != zipx.Deflate {
		fs.emit(c, Finding{RuleID: "ARC004", Offset: e.HeaderOffset, Message: fmt.Sprintf("member %q uses compression method %d, which is not supported; not analysed", e.Name, e.Method)})
		fs.res.Status = StatusError
		return
	}
	c.lite = torch && isTensorMember(e.Name)
	if !c.lite && e.Method == zipx.Deflate && deadOnArrival(fs, zr, e, c, torch) {
		return
	}
	r, size, cleanup, err := zipMember(fs, zr, e, c.lite)
	defer cleanup()
	if a, ok := zipx.AsAnomaly(err); ok {
		fs.emit(b, Finding{RuleID: "ARC005", Offset: a.Offset, Message: fmt.Sprintf("ZIP %s: %s: %s", a.Kind, a.Name, a.Detail)})
		err = nil
	}
	if r != nil && size > 0 || err == nil {
		c.r, c.size = r, size
		if isTorchScriptCode(e.Name) && b.format == FormatTorchScript {
			checkTorchScriptCode(fs, c)
			// TorchScript source is compiled by torch.jit, never imported
			// as Python, so it is not analysed as a repository's .py file;
			// anything else hiding under that name still is.
			if fmts, serr := sniff(c); err == nil && serr == nil && (fmts[0] == FormatPython || fmts[0] == FormatText) {
				fs.res.Members++
				return
			}
		}
		if torch && isUnpickledMember(e.Name) {
			c.force = FormatPickle
		}
		fs.analyze(c)
	}
	if err != nil {
		if e.Flags&zipx.FlagEncrypted != 0 && !isLimit(err) {
			fs.emit(c, Finding{RuleID: "ARC004", Offset: e.HeaderOffset, Message: fmt.Sprintf("member %q is encrypted and could not be decoded: %v", e.Name, err)})
			fs.res.Status = StatusError
			return
		}
		fs.failBlob(c, fmt.Errorf("zip member %q: %w", e.Name, err))
	}
	if e.Method != zipx.Store && !c.lite {
		fs.noteRatio(c, size, int64(e.CompressedSize))
	}
}

func isLimit(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}

// zipMember returns a member's content. Stored members are read in place;
// deflated ones are decompressed under the bomb limits. Lite members only
// get their first bytes decoded.
func zipMember(fs *fileScan, zr *zipx.Reader, e *zipx.Entry, lite bool) (io.ReaderAt, int64, func(), error) {
	nop := func() {}
	if e.Method == zipx.Store {
		sr, err := zr.Section(e)
		if err != nil {
			return nil, 0, nop, err
		}
		if !lite && sr.Size() <= fs.s.opts.Limits.InMemoryBytes {
			// Small members are read whole by their handler anyway; check
			// their CRC as Python's zipfile would (CVE-2025-10156).
			if err := zr.VerifyCRC(e); err != nil {
				return sr, sr.Size(), nop, err
			}
		}
		return sr, sr.Size(), nop, nil
	}
	rc, consumed, err := zr.OpenMetered(e)
	if err != nil {
		return nil, 0, nop, err
	}
	defer rc.Close()
	if lite {
		buf := make([]byte, headSize)
		n, err := io.ReadFull(rc, buf)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = nil
		}
		return bytes.NewReader(buf[:n]), int64(n), nop, err
	}
	return spool(fs, metered{rc, consumed}, 0)
}

// unsafeMemberName says why an archive member name would escape the
// extraction folder, or returns "".
func unsafeMemberName(name string) string {
	switch {
	case strings.ContainsRune(name, 0):
		return "contains a NUL byte"
	case strings.HasPrefix(name, "/"), strings.HasPrefix(name, "\\"):
		return "is an absolute path"
	case len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z'):
		return "starts with a drive letter"
	}
	for _, seg := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return "climbs out of the extraction folder with '..'"
		}
	}
	if strings.ContainsRune(name, '\\') {
		return "contains a backslash, a path separator on Windows"
	}
	return ""
}

// classifyZip names the framework layout of a ZIP.
func classifyZip(fs *fileScan, zr *zipx.Reader) Format {
	var dataPkl, constants, code, meta, config bool
	npz := len(zr.Entries) > 0
	for i := range zr.Entries {
		e := &zr.Entries[i]
		n := e.Name
		_, rest, nested := strings.Cut(n, "/")
		switch {
		case nested && rest == "data.pkl":
			dataPkl = true
		case nested && rest == "constants.pkl":
			constants = true
		case nested && strings.HasPrefix(rest, "code/"):
			code = true
		case n == "config.json":
			config = true
		case n == "metadata.json":
			meta = isKerasMetadata(fs, zr, e)
		}
		if !e.IsDir && !strings.HasSuffix(n, ".npy") {
			npz = false
		}
	}
	switch {
	case constants && code:
		return FormatTorchScript
	case dataPkl:
		return FormatPyTorchZip
	case meta && config:
		return FormatKeras
	case npz:
		return FormatNPZ
	}
	return FormatZip
}

func isKerasMetadata(fs *fileScan, zr *zipx.Reader, e *zipx.Entry) bool {
	if e.Err != nil || e.UncompressedSize > 1<<20 {
		return false
	}
	rc, err := zr.Open(e)
	if err != nil {
		return false
	}
	defer rc.Close()
	buf, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
	return bytes.Contains(buf, []byte(`"keras_version"`))
}

var tensorMember = regexp.MustCompile(`^[^/]+/(?:data|constants)/[0-9]+$|^[^/]+/\.data/`)

// isTensorMember matches PyTorch storages: raw tensor bytes the loader
// never interprets, so only their leading magic is sniffed.
func isTensorMember(name string) bool { return tensorMember.MatchString(name) }

// isUnpickledMember reports whether torch.load / torch.jit.load unpickle the
// member, so it is analysed as a pickle whatever its first bytes look like.
func isUnpickledMember(name string) bool {
	_, rest, nested := strings.Cut(name, "/")
	return nested && (rest == "data.pkl" || rest == "constants.pkl")
}

// isTorchScriptCode matches the serialised TorchScript source of an archive.
func isTorchScriptCode(name string) bool {
	_, rest, ok := strings.Cut(name, "/")
	return ok && strings.HasPrefix(rest, "code/") && strings.HasSuffix(name, ".py")
}

var (
	torchOpsCall   = regexp.MustCompile(`(?:^|[^\w.])(?:torch\.)?(ops|classes)\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)`)
	torchLoadLib   = regexp.MustCompile(`(?:torch\.)?(?:ops|classes)\.load_library\b`)
	stdTorchOpsNSs = map[string]bool{
		"aten": true, "prim": true, "prims": true, "quantized": true, "_quantized": true,
		"quantized_decomposed": true, "_caffe2": true, "profiler": true, "c10d": true,
		"_c10d_functional": true, "_c10d_functional_autograd": true, "_dtensor": true,
		"rngprims": true, "higher_order": true, "mkldnn": true, "mkl": true, "xnnpack": true,
		"sparse": true, "_prepacked": true, "cuda": true,
	}
)

// checkTorchScriptCode reports TorchScript code that calls operators or
// classes outside PyTorch's own namespaces (they run native code from a
// custom library) or loads native libraries.
func checkTorchScriptCode(fs *fileScan, c *blob) {
	n := min(c.size, fs.s.opts.Limits.MaxJSONBytes)
	buf := make([]byte, n)
	k, err := c.r.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return // the engine reports unreadable members when it analyses c
	}
	src := buf[:k]
	seen := map[string]bool{}
	report := func(off int, callable, msg string) {
		if seen[callable] {
			return
		}
		seen[callable] = true
		fs.emit(c, Finding{RuleID: "TORCH002", Format: FormatTorchScript, Offset: int64(off), Callable: callable, Message: msg})
	}
	for _, m := range torchLoadLib.FindAllIndex(src, -1) {
		report(m[0], string(src[m[0]:m[1]]), fmt.Sprintf("TorchScript code calls %s, which loads a native library", src[m[0]:m[1]]))
	}
	for _, m := range torchOpsCall.FindAllSubmatchIndex(src, -1) {
		kind, ns, op := string(src[m[2]:m[3]]), string(src[m[4]:m[5]]), string(src[m[6]:m[7]])
		if stdTorchOpsNSs[ns] || ns == "load_library" {
			continue
		}
		report(m[2], "torch."+kind+"."+ns+"."+op, fmt.Sprintf("TorchScript code uses torch.%s.%s.%s from the custom namespace %q, implemented by a native library", kind, ns, op, ns))
	}
}

// deadOnArrival handles a deflated member that pickle.load and torch.load
// refuse at its first byte, without inflating the rest: its name promises a
// pickle (data.pkl, *.pt, *.bin, ...), those loaders decide from the first
// bytes (torch looks for "PK\x03\x04" there, pickle for an opcode), and
// the first byte is neither. A 4 GiB member of zeros named data.pkl is
// then FMT003 in milliseconds instead of 4 GiB of spooling; its ratio note
// uses the declared sizes.
func deadOnArrival(fs *fileScan, zr *zipx.Reader, e *zipx.Entry, c *blob, torch bool) bool {
	if want, ok := promise(e.Name); !ok || want != FormatPickle || torch && isUnpickledMember(e.Name) {
		return false
	}
	rc, err := zr.Open(e)
	if err != nil {
		return false
	}
	defer rc.Close()
	head := make([]byte, headSize)
	n, _ := io.ReadFull(rc, head)
	head = head[:n]
	if n == 0 || pickle.IsOpcode(head[0]) || bytes.HasPrefix(head, []byte("PK")) || magic(head, int64(e.UncompressedSize), false) != "" {
		return false
	}
	c.r, c.size = bytes.NewReader(head), int64(n)
	fs.analyze(c)
	lim := fs.s.opts.Limits
	if size, packed := int64(e.UncompressedSize), int64(e.CompressedSize); lim.MaxRatio > 0 && size > lim.RatioGrace && float64(size) > lim.MaxRatio*float64(max(packed, 1)) {
		fs.emit(c, Finding{RuleID: "ARC003", Offset: e.HeaderOffset, Message: fmt.Sprintf(
			"limit reached: MaxRatio: member %q declares %d bytes from %d compressed (ratio over %g); not inflated", e.Name, size, packed, lim.MaxRatio)})
	} else {
		fs.noteRatio(c, size, packed)
	}
	return true
}
