package zipx

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type member struct {
	name   string
	data   string
	method uint16
	mode   fs.FileMode
}

func build(t testing.TB, comment string, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range ms {
		h := &zip.FileHeader{Name: m.name, Method: m.method}
		if m.mode != 0 {
			h.SetMode(m.mode)
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, m.data)
	}
	if comment != "" {
		w.SetComment(comment)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(t testing.TB, b []byte) *Reader {
	t.Helper()
	z, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return z
}

func content(t *testing.T, z *Reader, e *Entry) (string, error) {
	t.Helper()
	rc, err := z.Open(e)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

func kinds(z *Reader) map[AnomalyKind]Anomaly {
	m := map[AnomalyKind]Anomaly{}
	for _, a := range z.Anomalies {
		m[a.Kind] = a
	}
	return m
}

// centralAt returns the offset of the central entry for name.
func centralAt(t *testing.T, b []byte, name string) int {
	t.Helper()
	i := bytes.Index(b, append([]byte("PK\x01\x02"), []byte{}...))
	for i >= 0 && i+46 <= len(b) {
		nl := int(binary.LittleEndian.Uint16(b[i+28:]))
		if string(b[i+46:i+46+nl]) == name {
			return i
		}
		j := bytes.Index(b[i+4:], []byte("PK\x01\x02"))
		if j < 0 {
			break
		}
		i += 4 + j
	}
	t.Fatalf("no central entry %q", name)
	return 0
}

func localAt(t *testing.T, b []byte, name string) int {
	return int(binary.LittleEndian.Uint32(b[centralAt(t, b, name)+42:]))
}

func TestReadStoredAndDeflated(t *testing.T) {
	t.Parallel()
	b := build(t, "a comment", member{name: "a/data.pkl", data: "stored", method: zip.Store},
		member{name: "b.txt", data: strings.Repeat("deflate me ", 100), method: zip.Deflate})
	z := open(t, b)
	if len(z.Entries) != 2 || len(z.Anomalies) != 0 {
		t.Fatalf("entries %d anomalies %v", len(z.Entries), z.Anomalies)
	}
	e := &z.Entries[0]
	if e.Name != "a/data.pkl" || e.Method != Store || e.UncompressedSize != 6 {
		t.Fatalf("entry %+v", e)
	}
	sr, _ := z.Section(e)
	got := make([]byte, 6)
	sr.ReadAt(got, 0)
	if string(got) != "stored" || e.DataOffset != int64(30+len(e.Name)) {
		t.Fatalf("section %q at %d", got, e.DataOffset)
	}
	if s, err := content(t, z, &z.Entries[1]); err != nil || s != strings.Repeat("deflate me ", 100) {
		t.Fatalf("deflate: %v %q", err, s)
	}
}

func TestLocalNameMismatch(t *testing.T) { // CVE-2025-1944
	b := build(t, "", member{name: "archive/data.pkl", data: "payload"})
	l := localAt(t, b, "archive/data.pkl")
	copy(b[l+30:], "archive/datap.kl")
	z := open(t, b)
	a, ok := kinds(z)[LocalNameMismatch]
	if !ok || a.Name != "archive/data.pkl" || a.Offset != int64(l) {
		t.Fatalf("anomalies %v", z.Anomalies)
	}
	if s, err := content(t, z, &z.Entries[0]); err != nil || s != "payload" {
		t.Fatalf("content %q %v", s, err)
	}
}

func TestFlagBits(t *testing.T) { // CVE-2025-1945
	for _, bit := range []uint16{0x1, 0x20, 0x40} {
		b := build(t, "", member{name: "archive/data.pkl", data: "payload"})
		l := localAt(t, b, "archive/data.pkl")
		c := centralAt(t, b, "archive/data.pkl")
		binary.LittleEndian.PutUint16(b[l+6:], binary.LittleEndian.Uint16(b[l+6:])|bit)
		binary.LittleEndian.PutUint16(b[c+8:], binary.LittleEndian.Uint16(b[c+8:])|bit)
		z := open(t, b)
		if a, ok := kinds(z)[FlagBits]; !ok || !strings.Contains(a.Detail, "0x") {
			t.Fatalf("bit %x: anomalies %v", bit, z.Anomalies)
		}
		if s, err := content(t, z, &z.Entries[0]); err != nil || s != "payload" {
			t.Fatalf("bit %x: content %q %v", bit, s, err)
		}
	}
}

func TestCRCMismatch(t *testing.T) { // CVE-2025-10156
	b := build(t, "", member{name: "archive/data.pkl", data: "payload"})
	l := localAt(t, b, "archive/data.pkl")
	b[l+30+len("archive/data.pkl")] = 'P'
	z := open(t, b)
	s, err := content(t, z, &z.Entries[0])
	a, ok := AsAnomaly(err)
	if s != "Payload" || !ok || a.Kind != CRCMismatch {
		t.Fatalf("content %q err %v", s, err)
	}
	if err := z.VerifyCRC(&z.Entries[0]); err == nil {
		t.Fatal("VerifyCRC passed a bad CRC")
	}
}

func TestPrependedData(t *testing.T) {
	t.Parallel()
	junk := "\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."
	for _, comment := range []string{"", "with a comment"} {
		b := append([]byte(junk), build(t, comment, member{name: "x/data.pkl", data: "inner", method: zip.Deflate})...)
		z := open(t, b)
		if z.Base != int64(len(junk)) {
			t.Fatalf("base %d", z.Base)
		}
		if _, ok := kinds(z)[PrependedData]; !ok {
			t.Fatalf("anomalies %v", z.Anomalies)
		}
		if s, err := content(t, z, &z.Entries[0]); err != nil || s != "inner" {
			t.Fatalf("content %q %v", s, err)
		}
	}
}

func TestTrailingData(t *testing.T) {
	t.Parallel()
	b := append(build(t, "", member{name: "a", data: "x"}), "trailing"...)
	z := open(t, b)
	if _, ok := kinds(z)[TrailingData]; !ok || len(z.Entries) != 1 {
		t.Fatalf("anomalies %v entries %d", z.Anomalies, len(z.Entries))
	}
}

func TestDuplicateEOCD(t *testing.T) {
	t.Parallel()
	// A second end record appended after the real one points to an empty
	// directory: readers that take the last record see nothing.
	b := build(t, "", member{name: "archive/data.pkl", data: "payload"})
	fake := make([]byte, 22)
	binary.LittleEndian.PutUint32(fake, sigEOCD)
	b = append(b, fake...)
	z := open(t, b)
	if len(z.Entries) != 1 || z.Entries[0].Name != "archive/data.pkl" {
		t.Fatalf("entries %+v", z.Entries)
	}
	if _, ok := kinds(z)[MultipleEOCD]; !ok {
		t.Fatalf("anomalies %v", z.Anomalies)
	}
}

func TestNestedZipIsNotASecondDirectory(t *testing.T) {
	t.Parallel()
	inner := build(t, "", member{name: "in.txt", data: "hello"})
	b := build(t, "", member{name: "a.txt", data: "x"}, member{name: "inner.zip", data: string(inner), method: zip.Store})
	z := open(t, b)
	if len(z.Entries) != 2 || len(z.Anomalies) != 0 {
		t.Fatalf("entries %d anomalies %v", len(z.Entries), z.Anomalies)
	}
}

func TestDuplicateNamesAndSymlinks(t *testing.T) {
	t.Parallel()
	b := build(t, "", member{name: "a", data: "1"}, member{name: "a", data: "2"},
		member{name: "link", data: "/etc/passwd", mode: fs.ModeSymlink | 0o777})
	z := open(t, b)
	if _, ok := kinds(z)[DuplicateName]; !ok {
		t.Fatalf("anomalies %v", z.Anomalies)
	}
	if !z.Entries[2].IsSymlink || z.Entries[0].IsSymlink {
		t.Fatalf("symlink flags wrong: %+v", z.Entries)
	}
}

func TestCorruptMemberDoesNotHideOthers(t *testing.T) {
	t.Parallel()
	b := build(t, "", member{name: "archive/bad", data: "zzz"}, member{name: "archive/data.pkl", data: "payload"})
	l := localAt(t, b, "archive/bad")
	copy(b[l:], "XXXX") // destroy the local header signature
	z := open(t, b)
	if z.Entries[0].Err == nil || z.Entries[1].Err != nil {
		t.Fatalf("errs %v %v", z.Entries[0].Err, z.Entries[1].Err)
	}
	if s, err := content(t, z, &z.Entries[1]); err != nil || s != "payload" {
		t.Fatalf("content %q %v", s, err)
	}
	if _, err := z.Open(&z.Entries[0]); err == nil {
		t.Fatal("opened a member with no local header")
	}
}

func TestUnsupportedMethod(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.CreateRaw(&zip.FileHeader{Name: "x", Method: 12, CompressedSize64: 3, UncompressedSize64: 3})
	f.Write([]byte("abc"))
	w.Close()
	z := open(t, buf.Bytes())
	if _, err := z.Open(&z.Entries[0]); !errors.Is(err, ErrUnsupportedMethod) {
		t.Fatalf("err %v", err)
	}
}

func TestZip64AndLimits(t *testing.T) {
	t.Parallel()
	// More than 65535 entries makes archive/zip write ZIP64 end records.
	var buf bytes.Buffer
	buf.WriteString("stub before the archive")
	w := zip.NewWriter(&buf)
	w.SetOffset(0)
	const n = 70000
	for i := 0; i < n; i++ {
		w.CreateHeader(&zip.FileHeader{Name: "f", Method: zip.Store})
	}
	w.Close()
	b := buf.Bytes()
	if !bytes.Contains(b[len(b)-200:], []byte("PK\x06\x06")) {
		t.Fatal("no zip64 record written")
	}
	z := open(t, b)
	if len(z.Entries) != n || z.Declared != n || z.Base != int64(len("stub before the archive")) {
		t.Fatalf("entries %d declared %d base %d", len(z.Entries), z.Declared, z.Base)
	}
	z, err := OpenWith(bytes.NewReader(b), int64(len(b)), Options{MaxEntries: 1000})
	if err != nil || !z.Truncated || len(z.Entries) != 1000 {
		t.Fatalf("limit: %v truncated %v entries %d", err, z.Truncated, len(z.Entries))
	}
	if _, err := OpenWith(bytes.NewReader(b), int64(len(b)), Options{MaxDirectoryBytes: 1000}); err == nil {
		t.Fatal("directory size limit not enforced")
	}
}

func TestNotZip(t *testing.T) {
	t.Parallel()
	for _, b := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte("PK\x05\x06"), 100)} {
		if _, err := Open(bytes.NewReader(b), int64(len(b))); err == nil {
			t.Fatalf("accepted %q", b)
		}
	}
}

func FuzzZipx(f *testing.F) {
	f.Add(build(f, "c", member{name: "a/data.pkl", data: "x"}, member{name: "b", data: "yyyy", method: zip.Deflate}))
	f.Add(append([]byte("junk"), build(f, "", member{name: "a", data: "x"})...))
	if ms, _ := filepath.Glob("testdata/*.zip"); len(ms) > 0 {
		for _, m := range ms {
			if b, err := os.ReadFile(m); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		z, err := OpenWith(bytes.NewReader(b), int64(len(b)), Options{MaxEntries: 1000, MaxDirectoryBytes: 1 << 20})
		if err != nil {
			return
		}
		for i := range z.Entries {
			rc, err := z.Open(&z.Entries[i])
			if err != nil {
				continue
			}
			io.Copy(io.Discard, io.LimitReader(rc, 1<<20))
			rc.Close()
		}
	})
}
