package zipx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

const (
	sigLocal      = 0x04034b50
	sigCentral    = 0x02014b50
	sigEOCD       = 0x06054b50
	sigZip64EOCD  = 0x06064b50
	sigZip64Loc   = 0x07064b50
	eocdLen       = 22
	zip64LocLen   = 20
	zip64EOCDLen  = 56
	centralLen    = 46
	localLen      = 30
	maxCommentLen = 65535
	// maxEOCDCandidates bounds the work on a tail stuffed with signatures.
	maxEOCDCandidates = 64
	// maxAnomalies bounds the report on an archive built to be noisy.
	maxAnomalies = 256
)

// Compression methods read by Reader.Open; others are unsupported.
const (
	Store   uint16 = 0
	Deflate uint16 = 8
)

// General-purpose flag bits that loaders disagree on.
const (
	FlagEncrypted        uint16 = 0x1
	FlagDataDescriptor   uint16 = 0x8
	FlagPatched          uint16 = 0x20
	FlagStrongEncryption uint16 = 0x40
	FlagUTF8             uint16 = 0x800
	// ignoredFlags are refused by Python's zipfile and ignored by PyTorch.
	ignoredFlags = FlagEncrypted | FlagPatched | FlagStrongEncryption
)

// Defaults for Options fields left zero.
const (
	DefaultMaxEntries        = 100_000
	DefaultMaxDirectoryBytes = 256 << 20
)

// Options bound the work Open does.
type Options struct {
	MaxEntries        int   // entries read; more set Reader.Truncated
	MaxDirectoryBytes int64 // central directory size; larger is an error
}

// An Entry is one member as listed in the central directory.
type Entry struct {
	Name             string // raw bytes of the central name (CP437 or UTF-8)
	Method           uint16
	Flags            uint16 // central directory flags
	CompressedSize   uint64
	UncompressedSize uint64
	CRC32            uint32
	HeaderOffset     int64 // absolute offset of the local header in the reader
	DataOffset       int64 // absolute offset of the data; meaningful when Err is nil
	CreatorOS        uint8 // high byte of "version made by" (3 = Unix)
	ExternalAttrs    uint32
	Mode             fs.FileMode // Unix mode bits when CreatorOS is Unix
	IsSymlink        bool
	IsDir            bool
	// Err says why the member's data cannot be located (missing local
	// header, data past the end). Other members are unaffected.
	Err error
}

// AnomalyKind names an inconsistency between what different ZIP readers see.
type AnomalyKind string

// Anomaly kinds.
const (
	LocalNameMismatch   AnomalyKind = "local-name-mismatch"   // CVE-2025-1944
	FlagBits            AnomalyKind = "flag-bits"             // CVE-2025-1945
	CRCMismatch         AnomalyKind = "crc-mismatch"          // CVE-2025-10156
	SizeMismatch        AnomalyKind = "size-mismatch"         // data length differs from the declared size
	LocalHeaderMismatch AnomalyKind = "local-header-mismatch" // method or sizes differ
	MultipleEOCD        AnomalyKind = "multiple-eocd"
	TrailingData        AnomalyKind = "trailing-data"
	PrependedData       AnomalyKind = "prepended-data"
	DuplicateName       AnomalyKind = "duplicate-name"
	OverlappingEntries  AnomalyKind = "overlapping-entries"
	EntryCountMismatch  AnomalyKind = "entry-count-mismatch"
	TooManyAnomalies    AnomalyKind = "too-many-anomalies"
)

// An Anomaly is an inconsistency that PyTorch ignores and other readers
// reject or resolve differently.
type Anomaly struct {
	Kind   AnomalyKind
	Name   string // entry name; "" for the archive as a whole
	Offset int64  // absolute offset of the record concerned
	Detail string
}

// A Reader lists the members of a ZIP archive. It is not safe for
// concurrent use by several goroutines.
type Reader struct {
	Entries   []Entry
	Anomalies []Anomaly
	// Base is the number of bytes before the archive proper (a stub or a
	// pickle in a polyglot); member offsets have been adjusted for it.
	Base int64
	// EOCDOffset is the offset of the end-of-central-directory record used.
	EOCDOffset int64
	// Declared is the entry count the directory declares.
	Declared uint64
	// Truncated is set when the directory holds more than MaxEntries
	// entries; only the first MaxEntries are listed.
	Truncated bool
	// Damaged is set when the central directory breaks off before its
	// end; the entries before the damage are listed.
	Damaged error

	r       io.ReaderAt
	size    int64
	opts    Options
	dropped int               // anomalies past maxAnomalies
	known   map[entryKey]bool // entries listed, so another directory adds only new ones
}

type entryKey struct {
	off  int64
	name string
}

// ErrNotZip is returned when no usable end-of-central-directory record exists.
var ErrNotZip = errors.New("zipx: no end of central directory record")

// ErrUnsupportedMethod is returned (wrapped) by Open for methods other than
// store and deflate.
var ErrUnsupportedMethod = errors.New("zipx: unsupported compression method")

// Open reads the archive's directory with default options.
func Open(r io.ReaderAt, size int64) (*Reader, error) {
	return OpenWith(r, size, Options{})
}

// directory is a located central directory.
type directory struct {
	eocd   int64
	start  int64 // absolute
	size   int64
	count  uint64
	base   int64
	zip64  bool
	endRec int64 // end of the EOCD record and its declared comment
}

// OpenWith reads the archive's directory with the given bounds.
func OpenWith(r io.ReaderAt, size int64, opts Options) (*Reader, error) {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.MaxDirectoryBytes <= 0 {
		opts.MaxDirectoryBytes = DefaultMaxDirectoryBytes
	}
	if size < eocdLen {
		return nil, ErrNotZip
	}
	z := &Reader{r: r, size: size, opts: opts, known: map[entryKey]bool{}}
	tailLen := int64(eocdLen + maxCommentLen + zip64LocLen)
	if tailLen > size {
		tailLen = size
	}
	tail := make([]byte, tailLen)
	if _, err := r.ReadAt(tail, size-tailLen); err != nil && err != io.EOF {
		return nil, fmt.Errorf("zipx: reading tail: %w", err)
	}
	tailStart := size - tailLen
	var dirs []directory
	var lastErr error
	seen := 0
	for i := len(tail) - eocdLen; i >= 0 && seen < maxEOCDCandidates; i-- {
		if binary.LittleEndian.Uint32(tail[i:]) != sigEOCD {
			continue
		}
		seen++
		d, err := z.locate(tailStart+int64(i), tail[i:i+eocdLen])
		if err != nil {
			lastErr = err
			continue
		}
		dirs = append(dirs, d)
	}
	if len(dirs) == 0 {
		if lastErr != nil {
			return nil, lastErr
		}
		return nil, ErrNotZip
	}
	primary := dirs[0]
	z.EOCDOffset, z.Base, z.Declared = primary.eocd, primary.base, primary.count
	if primary.base > 0 {
		z.anomaly(PrependedData, "", 0, fmt.Sprintf("%d bytes precede the archive", primary.base))
	}
	if primary.endRec != size {
		z.anomaly(TrailingData, "", primary.eocd, fmt.Sprintf("end record's comment ends at %d but the file has %d bytes", primary.endRec, size))
	}
	if err := z.readDirectory(primary, false); err != nil {
		return nil, err
	}
	// Read every other directory too (what one reader misses, another
	// loads), except end records that are member content, such as a stored
	// ZIP nested as the last member.
	done := map[int64]bool{primary.start: true}
	extra := 0
	for _, d := range dirs[1:] {
		if done[d.start] || z.inData(d.eocd) {
			continue
		}
		done[d.start] = true
		extra++
		if err := z.readDirectory(d, true); err != nil {
			return nil, err
		}
	}
	if extra > 0 {
		z.anomaly(MultipleEOCD, "", primary.eocd, fmt.Sprintf("%d end-of-central-directory records point to different directories; readers may pick different ones", extra+1))
	}
	z.check()
	return z, nil
}

// inData reports whether off lies inside a listed member's data.
func (z *Reader) inData(off int64) bool {
	for _, e := range z.Entries {
		if e.Err == nil && off >= e.DataOffset && off < e.DataOffset+int64(e.CompressedSize) {
			return true
		}
	}
	return false
}

func (z *Reader) anomaly(k AnomalyKind, name string, off int64, detail string) {
	if len(z.Anomalies) >= maxAnomalies {
		z.dropped++
		return
	}
	z.Anomalies = append(z.Anomalies, Anomaly{Kind: k, Name: name, Offset: off, Detail: detail})
}

func (z *Reader) readAt(n int, off int64) ([]byte, error) {
	if off < 0 || int64(n) > z.size-off {
		return nil, fmt.Errorf("zipx: %d bytes at offset %d are past the end (%d)", n, off, z.size)
	}
	buf := make([]byte, n)
	if _, err := z.r.ReadAt(buf, off); err != nil && err != io.EOF {
		return nil, fmt.Errorf("zipx: read at %d: %w", off, err)
	}
	return buf, nil
}

// locate resolves the central directory an EOCD record points to.
func (z *Reader) locate(pos int64, rec []byte) (directory, error) {
	d := directory{eocd: pos}
	count := uint64(binary.LittleEndian.Uint16(rec[10:]))
	cdSize := uint64(binary.LittleEndian.Uint32(rec[12:]))
	cdOff := uint64(binary.LittleEndian.Uint32(rec[16:]))
	d.endRec = pos + eocdLen + int64(binary.LittleEndian.Uint16(rec[20:]))
	end := pos // the directory ends where the record starts
	if pos >= zip64LocLen {
		if loc, err := z.readAt(zip64LocLen, pos-zip64LocLen); err == nil && binary.LittleEndian.Uint32(loc) == sigZip64Loc {
			recOff := binary.LittleEndian.Uint64(loc[8:])
			rp, r64, err := z.zip64Record(recOff, pos-zip64LocLen)
			if err != nil {
				return d, err
			}
			count = binary.LittleEndian.Uint64(r64[32:])
			cdSize = binary.LittleEndian.Uint64(r64[40:])
			cdOff = binary.LittleEndian.Uint64(r64[48:])
			end = rp
			d.zip64 = true
		}
	}
	if cdSize > uint64(z.opts.MaxDirectoryBytes) {
		return d, fmt.Errorf("zipx: central directory of %d bytes exceeds the %d-byte limit", cdSize, z.opts.MaxDirectoryBytes)
	}
	if cdSize > uint64(end) || cdOff > uint64(z.size) {
		return d, fmt.Errorf("zipx: central directory (%d bytes at %d) does not fit before offset %d", cdSize, cdOff, end)
	}
	if count > cdSize/centralLen {
		return d, fmt.Errorf("zipx: %d entries cannot fit in a %d-byte central directory", count, cdSize)
	}
	d.size, d.count = int64(cdSize), count
	base := end - int64(cdSize) - int64(cdOff)
	try := []int64{0}
	if base > 0 {
		try = []int64{base, 0}
	}
	for _, b := range try {
		start := int64(cdOff) + b
		if start+d.size > z.size {
			continue
		}
		if d.size == 0 {
			d.start, d.base = start, b
			return d, nil
		}
		sig, err := z.readAt(4, start)
		if err == nil && binary.LittleEndian.Uint32(sig) == sigCentral {
			d.start, d.base = start, b
			return d, nil
		}
	}
	return d, fmt.Errorf("zipx: no central directory at offset %d", cdOff)
}

// zip64Record finds the ZIP64 end record: where the locator says, or just
// before the locator when data was prepended to the archive.
func (z *Reader) zip64Record(off uint64, locPos int64) (int64, []byte, error) {
	for _, p := range []int64{int64(off), locPos - zip64EOCDLen} {
		if off > uint64(z.size) || p < 0 {
			continue
		}
		rec, err := z.readAt(zip64EOCDLen, p)
		if err == nil && binary.LittleEndian.Uint32(rec) == sigZip64EOCD {
			return p, rec, nil
		}
	}
	return 0, nil, fmt.Errorf("zipx: ZIP64 locator points to no ZIP64 end record (offset %d)", off)
}

// readDirectory parses the central directory d and appends its entries.
func (z *Reader) readDirectory(d directory, secondary bool) error {
	buf, err := z.readAt(int(d.size), d.start)
	if err != nil {
		return err
	}
	var n uint64
	for p := 0; p < len(buf); n++ {
		if len(z.Entries) >= z.opts.MaxEntries {
			z.Truncated = true
			return nil
		}
		if len(buf)-p < centralLen || binary.LittleEndian.Uint32(buf[p:]) != sigCentral {
			if n < d.count {
				z.Damaged = fmt.Errorf("zipx: central directory breaks off at entry %d of %d (offset %d)", n, d.count, d.start+int64(p))
			}
			break
		}
		h := buf[p : p+centralLen]
		nl := int(binary.LittleEndian.Uint16(h[28:]))
		xl := int(binary.LittleEndian.Uint16(h[30:]))
		cl := int(binary.LittleEndian.Uint16(h[32:]))
		if centralLen+nl+xl+cl > len(buf)-p {
			z.Damaged = fmt.Errorf("zipx: central entry %d overruns the directory (offset %d)", n, d.start+int64(p))
			break
		}
		e := Entry{
			CreatorOS:        h[5],
			Flags:            binary.LittleEndian.Uint16(h[8:]),
			Method:           binary.LittleEndian.Uint16(h[10:]),
			CRC32:            binary.LittleEndian.Uint32(h[16:]),
			CompressedSize:   uint64(binary.LittleEndian.Uint32(h[20:])),
			UncompressedSize: uint64(binary.LittleEndian.Uint32(h[24:])),
			ExternalAttrs:    binary.LittleEndian.Uint32(h[38:]),
			Name:             string(buf[p+centralLen : p+centralLen+nl]),
		}
		local := uint64(binary.LittleEndian.Uint32(h[42:]))
		extra := buf[p+centralLen+nl : p+centralLen+nl+xl]
		local = zip64Extra(&e, extra, local)
		p += centralLen + nl + xl + cl
		if local > uint64(z.size) {
			e.HeaderOffset = -1
			e.Err = fmt.Errorf("zipx: local header offset %d is past the end", local)
		} else {
			e.HeaderOffset = int64(local) + d.base
		}
		k := entryKey{e.HeaderOffset, e.Name}
		if secondary && z.known[k] {
			continue
		}
		z.known[k] = true
		e.setMode()
		if e.Err == nil {
			z.readLocal(&e)
		}
		z.Entries = append(z.Entries, e)
	}
	if n != d.count && z.Damaged == nil && !z.Truncated {
		z.anomaly(EntryCountMismatch, "", d.eocd, fmt.Sprintf("end record declares %d entries, the directory holds %d", d.count, n))
	}
	return nil
}

// zip64Extra applies the ZIP64 extended-information extra field.
func zip64Extra(e *Entry, extra []byte, local uint64) uint64 {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if n > len(extra)-4 {
			return local
		}
		f := extra[4 : 4+n]
		extra = extra[4+n:]
		if id != 0x0001 {
			continue
		}
		next := func(v *uint64) {
			if *v == 0xFFFFFFFF && len(f) >= 8 {
				*v = binary.LittleEndian.Uint64(f)
				f = f[8:]
			}
		}
		next(&e.UncompressedSize)
		next(&e.CompressedSize)
		next(&local)
	}
	return local
}

func (e *Entry) setMode() {
	e.IsDir = len(e.Name) > 0 && (e.Name[len(e.Name)-1] == '/' || e.Name[len(e.Name)-1] == '\\')
	if e.CreatorOS == 3 { // Unix: st_mode in the high 16 bits
		m := e.ExternalAttrs >> 16
		e.Mode = fs.FileMode(m & 0o777)
		switch m & 0xF000 {
		case 0xA000:
			e.IsSymlink = true
			e.Mode |= fs.ModeSymlink
		case 0x4000:
			e.IsDir = true
		}
	}
	if e.IsDir {
		e.Mode |= fs.ModeDir
	}
}

// readLocal finds e's data through its local header, as PyTorch does, and
// records where the local header disagrees with the central directory.
func (z *Reader) readLocal(e *Entry) {
	h, err := z.readAt(localLen, e.HeaderOffset)
	if err != nil || binary.LittleEndian.Uint32(h) != sigLocal {
		e.Err = fmt.Errorf("zipx: no local header at offset %d", e.HeaderOffset)
		return
	}
	nl := int64(binary.LittleEndian.Uint16(h[26:]))
	xl := int64(binary.LittleEndian.Uint16(h[28:]))
	e.DataOffset = e.HeaderOffset + localLen + nl + xl
	if e.CompressedSize > uint64(z.size) || e.DataOffset+int64(e.CompressedSize) > z.size {
		e.Err = fmt.Errorf("zipx: %d bytes of data at offset %d run past the end of the file (%d)", e.CompressedSize, e.DataOffset, z.size)
		return
	}
	if name, err := z.readAt(int(nl), e.HeaderOffset+localLen); err == nil && !bytes.Equal(name, []byte(e.Name)) {
		z.anomaly(LocalNameMismatch, e.Name, e.HeaderOffset, fmt.Sprintf("local header names %q, central directory %q", name, e.Name))
	}
	lf := binary.LittleEndian.Uint16(h[6:])
	if bits := (lf | e.Flags) & ignoredFlags; bits != 0 {
		z.anomaly(FlagBits, e.Name, e.HeaderOffset, fmt.Sprintf("flag bits 0x%x set (encryption/patch data); PyTorch ignores them, Python's zipfile refuses the member", bits))
	}
	if m := binary.LittleEndian.Uint16(h[8:]); m != e.Method {
		z.anomaly(LocalHeaderMismatch, e.Name, e.HeaderOffset, fmt.Sprintf("local header method %d, central directory %d", m, e.Method))
	}
	if lf&FlagDataDescriptor == 0 {
		lc := uint64(binary.LittleEndian.Uint32(h[18:]))
		lu := uint64(binary.LittleEndian.Uint32(h[22:]))
		if lc != 0xFFFFFFFF && lu != 0xFFFFFFFF && (lc != e.CompressedSize || lu != e.UncompressedSize) {
			z.anomaly(LocalHeaderMismatch, e.Name, e.HeaderOffset, fmt.Sprintf("local header sizes %d/%d, central directory %d/%d", lc, lu, e.CompressedSize, e.UncompressedSize))
		}
	}
	if e.Method == Store && e.CompressedSize != e.UncompressedSize {
		z.anomaly(SizeMismatch, e.Name, e.HeaderOffset, fmt.Sprintf("stored member declares %d compressed and %d uncompressed bytes", e.CompressedSize, e.UncompressedSize))
	}
}

// check records duplicate names and entries sharing data, once per name
// and once per shared header.
func (z *Reader) check() {
	names := make(map[string]int, len(z.Entries))
	offs := make(map[int64]int, len(z.Entries))
	for _, e := range z.Entries {
		names[e.Name]++
		if e.HeaderOffset >= 0 {
			offs[e.HeaderOffset]++
		}
	}
	for _, e := range z.Entries {
		if n := names[e.Name]; n > 1 {
			z.anomaly(DuplicateName, e.Name, e.HeaderOffset, fmt.Sprintf("%q appears %d times; readers keep different copies", e.Name, n))
			names[e.Name] = 0
		}
		if n := offs[e.HeaderOffset]; n > 1 && e.HeaderOffset >= 0 {
			z.anomaly(OverlappingEntries, e.Name, e.HeaderOffset, fmt.Sprintf("%d entries share the local header at offset %d (overlapping entries, a zip-bomb technique)", n, e.HeaderOffset))
			offs[e.HeaderOffset] = 0
		}
	}
	if z.dropped > 0 {
		z.Anomalies = append(z.Anomalies, Anomaly{Kind: TooManyAnomalies, Offset: z.EOCDOffset, Detail: fmt.Sprintf("%d more anomalies not listed", z.dropped)})
	}
}
