package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// Pickles from the team preamble.
const (
	arcEvilP2  = "\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."
	arcEvilP0  = "cos\nsystem\n(S'echo hi'\ntR."
	arcBenign2 = "\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."
)

type arcMember struct {
	name   string
	data   string
	method uint16
	mode   fs.FileMode
}

func arcZip(t testing.TB, ms ...arcMember) []byte {
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
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// arcCentral returns the offset of name's central directory entry.
func arcCentral(t testing.TB, b []byte, name string) int {
	t.Helper()
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("PK\x01\x02"))
		if j < 0 {
			t.Fatalf("no central entry %q", name)
		}
		i += j
		nl := int(binary.LittleEndian.Uint16(b[i+28:]))
		if i+46+nl <= len(b) && string(b[i+46:i+46+nl]) == name {
			return i
		}
		i += 4
	}
}

func arcLocal(t testing.TB, b []byte, name string) int {
	return int(binary.LittleEndian.Uint32(b[arcCentral(t, b, name)+42:]))
}

func arcScanFile(t testing.TB, lim *Limits, path string) *Report {
	t.Helper()
	opts := Options{Workers: 1}
	if lim != nil {
		opts.Limits = *lim
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func arcScan(t testing.TB, lim *Limits, name string, data []byte) *Report {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return arcScanFile(t, lim, p)
}

// arcFind returns the first finding with the rule whose member is member
// and whose message contains all of msg.
func arcFind(rep *Report, rule, member string, msg ...string) *Finding {
next:
	for i, f := range rep.Findings {
		if f.RuleID != rule || f.Member != member {
			continue
		}
		for _, m := range msg {
			if !strings.Contains(f.Message, m) {
				continue next
			}
		}
		return &rep.Findings[i]
	}
	return nil
}

func arcMust(t testing.TB, rep *Report, rule, member string, msg ...string) *Finding {
	t.Helper()
	f := arcFind(rep, rule, member, msg...)
	if f == nil {
		t.Fatalf("no %s finding on member %q containing %q; findings:\n%s", rule, member, msg, arcDump(rep))
	}
	return f
}

func arcDump(rep *Report) string {
	var sb strings.Builder
	for _, f := range rep.Findings {
		sb.WriteString("  " + f.RuleID + " [" + f.Severity.String() + "] " + f.Member + " @" + strconv.FormatInt(f.Offset, 10) + ": " + f.Message + "\n")
	}
	return sb.String()
}

// arc7z builds a 7z archive whose members are stored with the Copy coder,
// one folder per member, as the 7z format specification describes.
func arc7z(names []string, datas [][]byte) []byte {
	num := func(v uint64) []byte {
		for n := 0; n < 8; n++ {
			if v < 1<<(8*n+7-n) {
				out := []byte{byte(uint(0xFF)<<(8-n)) | byte(v>>(8*n))}
				for i := 0; i < n; i++ {
					out = append(out, byte(v>>(8*i)))
				}
				return out
			}
		}
		return append([]byte{0xFF}, binary.LittleEndian.AppendUint64(nil, v)...)
	}
	var packed []byte
	for _, d := range datas {
		packed = append(packed, d...)
	}
	n := uint64(len(datas))
	h := []byte{0x01, 0x04, 0x06}
	h = append(h, num(0)...)
	h = append(h, num(n)...)
	h = append(h, 0x09)
	for _, d := range datas {
		h = append(h, num(uint64(len(d)))...)
	}
	h = append(h, 0x00, 0x07, 0x0B)
	h = append(h, num(n)...)
	h = append(h, 0x00)
	for range datas {
		h = append(h, 0x01, 0x01, 0x00) // one coder, 1-byte id, Copy
	}
	h = append(h, 0x0C)
	for _, d := range datas {
		h = append(h, num(uint64(len(d)))...)
	}
	h = append(h, 0x00)       // end of unpack info
	h = append(h, 0x08, 0x00) // substreams info: one file per folder
	h = append(h, 0x00, 0x05)
	h = append(h, num(n)...)
	var nm []byte
	nm = append(nm, 0x00)
	for _, s := range names {
		for _, u := range utf16.Encode([]rune(s)) {
			nm = binary.LittleEndian.AppendUint16(nm, u)
		}
		nm = append(nm, 0, 0)
	}
	h = append(h, 0x11)
	h = append(h, num(uint64(len(nm)))...)
	h = append(h, nm...)
	h = append(h, 0x00, 0x00)

	start := make([]byte, 20)
	binary.LittleEndian.PutUint64(start, uint64(len(packed)))
	binary.LittleEndian.PutUint64(start[8:], uint64(len(h)))
	binary.LittleEndian.PutUint32(start[16:], crc32.ChecksumIEEE(h))
	out := []byte("7z\xbc\xaf\x27\x1c\x00\x04")
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(start))
	out = append(out, start...)
	out = append(out, packed...)
	return append(out, h...)
}
