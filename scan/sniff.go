package scan

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mlsec/mlsec/formats/xmlx"
)

const (
	headSize = 4096
	// tailSize covers the ZIP end-of-central-directory record plus the
	// longest comment, so an appended ZIP is found wherever it starts.
	tailSize = 22 + 65535 + 20
)

// A prober recognises a format that has no fixed magic bytes, by a bounded
// trial parse. Probers are registered by the per-format files.
type prober struct {
	format Format
	probe  func(b *blob, head []byte) bool
}

var probers []prober

func registerProber(f Format, p func(b *blob, head []byte) bool) {
	probers = append(probers, prober{f, p})
}

// readHead reads up to n bytes from the start of b.
func readHead(b *blob, n int) ([]byte, error) {
	if int64(n) > b.size {
		n = int(b.size)
	}
	buf := make([]byte, n)
	k, err := b.r.ReadAt(buf, 0)
	if err == io.EOF && k == n {
		err = nil
	}
	return buf[:k], err
}

// sniff returns the formats b's content matches, most specific first. A
// blob can match several (a pickle with a ZIP appended).
func sniff(b *blob) ([]Format, error) {
	if b.size == 0 {
		return []Format{FormatEmpty}, nil
	}
	head, err := readHead(b, headSize)
	if err != nil {
		return nil, err
	}
	var out []Format
	add := func(f Format) {
		for _, g := range out {
			if g == f {
				return
			}
		}
		out = append(out, f)
	}
	if f := magic(head, b.size, b.lite); f != "" {
		add(f)
	}
	if len(out) == 0 && hdf5At(b) {
		add(FormatHDF5)
	}
	if !b.lite {
		if len(out) == 0 || out[0] != FormatZip {
			if zipTrailer(b) {
				add(FormatZip)
			}
		}
	}
	if len(out) == 0 {
		for _, p := range probers {
			if b.lite && p.format != FormatPickle {
				continue
			}
			if p.probe(b, head) {
				add(p.format)
				break
			}
		}
	}
	if len(out) == 0 && !b.lite {
		add(textFormat(b, head))
	}
	if len(out) == 0 {
		add(FormatUnknown)
	}
	return out, nil
}

// magic matches fixed signatures at the start of the content.
//
// Lite blobs (raw tensor data) are matched only against signatures of four
// bytes or more, so random weights do not pass for a two-byte zlib header.
func magic(h []byte, size int64, lite bool) Format {
	if lite {
		switch {
		case bytes.HasPrefix(h, []byte("PK\x03\x04")):
			return FormatZip
		case len(h) >= 2 && h[0] == 0x80 && h[1] >= 2 && h[1] <= 5:
			return FormatPickle // the pickle handler drops it if it does not parse
		case bytes.HasPrefix(h, []byte("\x93NUMPY")), bytes.HasPrefix(h, []byte("GGUF")),
			bytes.HasPrefix(h, []byte("\xfd7zXZ\x00")), bytes.HasPrefix(h, []byte("\x04\x22\x4d\x18")),
			bytes.HasPrefix(h, []byte("\x28\xb5\x2f\xfd")), bytes.HasPrefix(h, []byte("7z\xbc\xaf\x27\x1c")),
			bytes.HasPrefix(h, []byte("\x89HDF\r\n\x1a\n")):
			return magic(h, size, false)
		}
		return ""
	}
	switch {
	case bytes.HasPrefix(h, []byte("PK\x03\x04")), bytes.HasPrefix(h, []byte("PK\x05\x06")):
		return FormatZip
	case len(h) >= 2 && h[0] == 0x80 && h[1] >= 2 && h[1] <= 5:
		return FormatPickle
	case bytes.HasPrefix(h, []byte("\x93NUMPY")):
		return FormatNumPy
	case bytes.HasPrefix(h, []byte("GGUF")):
		return FormatGGUF
	case bytes.HasPrefix(h, []byte("\x1f\x8b")):
		return FormatGzip
	case bytes.HasPrefix(h, []byte("BZh")) && len(h) >= 10 && h[3] >= '1' && h[3] <= '9' && bytes.Equal(h[4:10], []byte("1AY&SY")):
		return FormatBzip2
	case bytes.HasPrefix(h, []byte("\xfd7zXZ\x00")):
		return FormatXz
	case bytes.HasPrefix(h, []byte("\x04\x22\x4d\x18")):
		return FormatLz4
	case bytes.HasPrefix(h, []byte("\x28\xb5\x2f\xfd")):
		return FormatZstd
	case bytes.HasPrefix(h, []byte("7z\xbc\xaf\x27\x1c")):
		return Format7z
	case bytes.HasPrefix(h, []byte("\x89HDF\r\n\x1a\n")):
		return FormatHDF5
	case len(h) >= 262 && bytes.Equal(h[257:262], []byte("ustar")):
		return FormatTar
	case isZlib(h) && inflates(h[2:]):
		return FormatZlib
	case isLzmaAlone(h):
		return FormatLzma
	case isSafetensors(h, size):
		return FormatSafetensors
	case len(h) >= 8 && string(h[4:8]) == "TFL3":
		return FormatTFLite
	case bytes.HasPrefix(h, []byte("lmgg")), bytes.HasPrefix(h, []byte("fmgg")), bytes.HasPrefix(h, []byte("tjgg")), bytes.HasPrefix(h, []byte("algg")):
		return FormatGGML // llama.cpp's and whisper.cpp's formats before GGUF
	case bytes.HasPrefix(h, []byte("\xba\x16\x4f\x2f")):
		return FormatFastText
	}
	return ""
}

// inflates reports whether a deflate stream decodes through the whole of
// p (or ends inside it) without error: a two-byte zlib header alone matches
// one random file in two thousand.
func inflates(p []byte) bool {
	zr := flate.NewReader(bytes.NewReader(p))
	defer zr.Close()
	_, err := io.Copy(io.Discard, zr)
	return err == nil || err == io.ErrUnexpectedEOF
}

func isZlib(h []byte) bool {
	if len(h) < 2 || h[0]&0x0f != 8 || h[0]>>4 > 7 {
		return false
	}
	return (uint16(h[0])<<8|uint16(h[1]))%31 == 0 && h[1]&0x20 == 0
}

// isLzmaAlone matches the legacy .lzma header joblib writes for 'lzma':
// properties byte 0x5d, a power-of-two dictionary size and an unknown or
// plausible uncompressed size.
func isLzmaAlone(h []byte) bool {
	if len(h) < 13 || h[0] != 0x5d {
		return false
	}
	dict := binary.LittleEndian.Uint32(h[1:5])
	return dict >= 1<<12 && dict&(dict-1) == 0
}

func isSafetensors(h []byte, size int64) bool {
	if len(h) < 10 || h[8] != '{' {
		return false
	}
	// A JSON object key right after the length marks the format even when
	// the length itself is hostile: the handler then reports it (ST001)
	// rather than the file passing as unknown data.
	if h[9] == '"' {
		return true
	}
	n := binary.LittleEndian.Uint64(h[:8])
	return n >= 2 && n <= uint64(size-8) && (h[9] == '}' || h[9] == ' ' || h[9] == '\n')
}

// hdf5At looks for an HDF5 superblock behind a user block (at 512, 1024, ...).
func hdf5At(b *blob) bool {
	sig := []byte("\x89HDF\r\n\x1a\n")
	buf := make([]byte, len(sig))
	for off := int64(512); off+int64(len(sig)) <= b.size && off <= 1<<20; off *= 2 {
		if _, err := b.r.ReadAt(buf, off); err == nil && bytes.Equal(buf, sig) {
			return true
		}
	}
	return false
}

// zipTrailer reports whether an end-of-central-directory record sits in the
// tail, as loaders that read ZIPs from the end will find it.
func zipTrailer(b *blob) bool {
	n := int64(tailSize)
	if n > b.size {
		n = b.size
	}
	buf := make([]byte, n)
	if _, err := b.r.ReadAt(buf, b.size-n); err != nil && err != io.EOF {
		return false
	}
	for i := len(buf) - 22; i >= 0; i-- {
		if buf[i] == 'P' && buf[i+1] == 'K' && buf[i+2] == 5 && buf[i+3] == 6 {
			// The comment length must reach exactly the end of the file.
			cl := int(binary.LittleEndian.Uint16(buf[i+20:]))
			if i+22+cl == len(buf) {
				return true
			}
		}
	}
	return false
}

// textFormat classifies text content by a little of its syntax and name.
func textFormat(b *blob, head []byte) Format {
	if !utf8.Valid(trimPartialRune(head)) || bytes.IndexByte(head, 0) >= 0 {
		return FormatUnknown
	}
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	name := strings.ToLower(b.name)
	switch {
	case len(t) > 0 && (t[0] == '{' || t[0] == '['):
		return FormatJSON
	case xmlx.Looks(t):
		return FormatXML
	case b.name == "MLmodel":
		return FormatMLmodel
	case strings.HasSuffix(name, ".yaml"), strings.HasSuffix(name, ".yml"):
		return FormatYAML
	case strings.HasSuffix(name, ".py"), strings.HasSuffix(name, ".pyw"),
		bytes.HasPrefix(t, []byte("#!")) && bytes.Contains(firstLine(t), []byte("python")):
		return FormatPython
	}
	return FormatText
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// trimPartialRune drops an incomplete UTF-8 sequence cut by the head limit.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}
