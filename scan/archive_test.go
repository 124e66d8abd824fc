package scan

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// arcBzip2Evil is `bzip2 -9` of arcEvilP2 (Go has no bzip2 writer).
var arcBzip2Evil = []byte{0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0xf3, 0x2e, 0x34, 0xf9, 0x00, 0x00, 0x12, 0xd3, 0xc0, 0x78, 0x90, 0x40, 0x01, 0x10, 0x40, 0x0a, 0x62, 0xec, 0x60, 0x42, 0x00, 0x20, 0x00, 0x31, 0x41, 0xa3, 0x46, 0x83, 0x20, 0x34, 0x31, 0xfa, 0x53, 0x11, 0xb4, 0x98, 0x35, 0x37, 0xa9, 0xa9, 0x01, 0x90, 0x38, 0xd8, 0xa6, 0x0b, 0x2a, 0xf9, 0x84, 0x43, 0x6c, 0xb1, 0xed, 0x0c, 0x18, 0xbe, 0xec, 0xf1, 0x59, 0x07, 0x7f, 0xc5, 0xdc, 0x91, 0x4e, 0x14, 0x24, 0x3c, 0xcb, 0x8d, 0x3e, 0x40}

// arcCompress wraps p in the named compression format.
func arcCompress(t testing.TB, format string, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch format {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "xz":
		w, err = xz.NewWriter(&buf)
	case "lzma":
		w, err = lzma.NewWriter(&buf)
	case "lz4":
		w = lz4.NewWriter(&buf)
	case "zstd":
		w, err = zstd.NewWriter(&buf)
	case "bzip2":
		if string(p) != arcEvilP2 {
			t.Fatal("only arcEvilP2 is available as bzip2")
		}
		return arcBzip2Evil
	}
	if err != nil {
		t.Fatal(err)
	}
	w.Write(p)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCompressedJoblib(t *testing.T) { // picklescan misses evil_zlib.joblib
	for _, f := range []Format{FormatZlib, FormatGzip, FormatBzip2, FormatXz, FormatLzma, FormatLz4, FormatZstd} {
		rep := arcScan(t, nil, "evil_"+string(f)+".joblib", arcCompress(t, string(f), []byte(arcEvilP2)))
		if rep.Files[0].Format != f {
			t.Errorf("%s: detected as %s", f, rep.Files[0].Format)
		}
		arcMust(t, rep, "PKL001", "<"+string(f)+">")
	}
}

func TestGzipMultiMember(t *testing.T) {
	half := len(arcEvilP2) / 2
	b := append(arcCompress(t, "gzip", []byte(arcEvilP2[:half])), arcCompress(t, "gzip", []byte(arcEvilP2[half:]))...)
	rep := arcScan(t, nil, "multi.gz", b)
	arcMust(t, rep, "PKL001", "<gzip>")
	if len(rep.Findings) != 1 {
		t.Errorf("findings:\n%s", arcDump(rep))
	}
}

func TestTruncatedStream(t *testing.T) {
	// The payload is flushed, then random-looking padding follows; the
	// stream is cut inside the padding. What was decoded is still analysed.
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write([]byte(arcEvilP2))
	w.Flush()
	cut := buf.Len()
	pad := make([]byte, 1<<16)
	for i := range pad {
		pad[i] = byte(i*7919 + i>>3)
	}
	w.Write(pad)
	w.Close()
	rep := arcScan(t, nil, "cut.joblib", buf.Bytes()[:cut+100])
	arcMust(t, rep, "PKL001", "<gzip>")
	arcMust(t, rep, "FMT001", "", "gzip stream broken")
	if rep.Files[0].Status != StatusError {
		t.Errorf("status %s", rep.Files[0].Status)
	}
}

func TestCompressionBombs(t *testing.T) {
	zeros := make([]byte, 16<<20)
	lim := DefaultLimits()
	lim.RatioGrace, lim.MaxRatio = 1<<20, 100
	for _, f := range []string{"gzip", "zstd", "xz"} {
		rep := arcScan(t, &lim, "bomb."+f, arcCompress(t, f, zeros[:4<<20]))
		arcMust(t, rep, "ARC003", "", "MaxRatio")
	}
	lim = DefaultLimits()
	lim.MaxExpandedBytes = 4 << 20
	rep := arcScan(t, &lim, "big.gz", arcCompress(t, "gzip", zeros))
	f := arcMust(t, rep, "ARC003", "", "MaxExpandedBytes")
	if f.Offset != 4<<20 {
		t.Errorf("offset %d", f.Offset)
	}
	// Spilled to a temp file past InMemoryBytes, and still analysed.
	lim = DefaultLimits()
	lim.InMemoryBytes = 1024
	big := append([]byte(arcEvilP2), bytes.Repeat([]byte{'N'}, 4096)...)
	rep = arcScan(t, &lim, "spilled.gz", arcCompress(t, "gzip", big))
	arcMust(t, rep, "PKL001", "<gzip>")
}

func TestNestedCompressionDepth(t *testing.T) {
	b := []byte(arcEvilP2)
	for i := 0; i < 12; i++ {
		b = arcCompress(t, "gzip", b)
	}
	rep := arcScan(t, nil, "deep.gz", b)
	arcMust(t, rep, "ARC003", strings.TrimSuffix(strings.Repeat("<gzip>!/", 9), "!/"), "nesting deeper than 8")
}

type arcTarEntry struct {
	name, data, link string
	flag             byte
}

func arcTar(t testing.TB, es ...arcTarEntry) []byte {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: e.flag, Linkname: e.link, Format: tar.FormatPAX}
		if e.flag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if e.flag == tar.TypeSymlink || e.flag == tar.TypeLink {
			h.Size = 0
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, e.data)
	}
	w.Close()
	return buf.Bytes()
}

func TestTar(t *testing.T) {
	long := strings.Repeat("d/", 60) + "model.pkl" // needs a PAX path record
	b := arcTar(t,
		arcTarEntry{name: "readme.txt", data: "hi"},
		arcTarEntry{name: long, data: arcEvilP2},
		arcTarEntry{name: "../../etc/evil.pkl", data: arcBenign2},
		arcTarEntry{name: "lnk", link: "/etc/passwd", flag: tar.TypeSymlink},
		arcTarEntry{name: "hard", link: "../outside", flag: tar.TypeLink},
	)
	rep := arcScan(t, nil, "model.tar", b)
	f := arcMust(t, rep, "PKL001", long)
	if f.Format != FormatPickle {
		t.Errorf("format %s", f.Format)
	}
	arcMust(t, rep, "ARC001", "../../etc/evil.pkl")
	if g := arcMust(t, rep, "ARC002", "lnk", "symbolic"); g.Argument != "/etc/passwd" {
		t.Errorf("target %q", g.Argument)
	}
	arcMust(t, rep, "ARC001", "lnk", "absolute")
	arcMust(t, rep, "ARC002", "hard", "hard link")
	arcMust(t, rep, "ARC001", "hard", "'..'")
	if rep.Files[0].Format != FormatTar {
		t.Errorf("format %s", rep.Files[0].Format)
	}
	// tar.gz: the tar is found inside the gzip stream.
	rep = arcScan(t, nil, "model.tar.gz", arcCompress(t, "gzip", b))
	arcMust(t, rep, "PKL001", "<gzip>!/"+long)
	// Truncated inside a member: earlier members are still analysed.
	rep = arcScan(t, nil, "cut.tar", b[:1024+512+len(arcEvilP2)+700])
	arcMust(t, rep, "PKL001", long)
	arcMust(t, rep, "FMT001", "")
}

func TestTarEntryLimit(t *testing.T) {
	var es []arcTarEntry
	for i := 0; i < 30; i++ {
		es = append(es, arcTarEntry{name: "f", data: "x"})
	}
	lim := DefaultLimits()
	lim.MaxEntries = 10
	rep := arcScan(t, &lim, "many.tar", arcTar(t, es...))
	arcMust(t, rep, "ARC003", "", "MaxEntries")
	if rep.Files[0].Members != 10 {
		t.Errorf("members %d", rep.Files[0].Members)
	}
}

func TestSevenZip(t *testing.T) { // nullifAI (a): a PyTorch archive packed as 7z
	model := arcZip(t, arcMember{name: "archive/data.pkl", data: arcEvilP2}, arcMember{name: "archive/version", data: "3\n"})
	b := arc7z([]string{"model.pt", "notes.txt", "../up.pkl"}, [][]byte{model, []byte("hello"), []byte(arcEvilP0)})
	rep := arcScan(t, nil, "model.7z", b)
	if rep.Files[0].Format != Format7z {
		t.Fatalf("format %s findings:\n%s", rep.Files[0].Format, arcDump(rep))
	}
	arcMust(t, rep, "PKL001", "model.pt!/archive/data.pkl")
	arcMust(t, rep, "PKL001", "../up.pkl")
	arcMust(t, rep, "ARC001", "../up.pkl")
	// A broken 7z fails closed.
	rep = arcScan(t, nil, "broken.7z", b[:40])
	arcMust(t, rep, "FMT001", "")
}
