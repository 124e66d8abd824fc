package benchzip

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"io"
	"testing"
)

// TestZerosMemberInflates checks the hand-built deflate stream: Go's zip
// reader inflates it to exactly the declared zeros with a matching CRC.
func TestZerosMemberInflates(t *testing.T) {
	b := ZerosMember("data.pkl", 8, true)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc) // the zip reader checks the CRC at EOF
	if err != nil || len(data) != 8*(1<<20+4096) || bytes.Count(data, []byte{0}) != len(data) {
		t.Fatalf("err %v, %d bytes", err, len(data))
	}
	if crc32.ChecksumIEEE(data) != zr.File[0].CRC32 {
		t.Fatal("CRC")
	}
	if r := len(data) / len(b); r < 150 || r > 300 {
		t.Errorf("padded ratio %d, want about 200", r)
	}
}

func TestBomb42Shape(t *testing.T) {
	b := Bomb42(4, 2)
	if len(b) > 64<<10 {
		t.Fatalf("%d bytes", len(b))
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) != 4 {
		t.Fatalf("outer: %v %d", err, len(zr.File))
	}
	rc, _ := zr.File[0].Open()
	inner, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	izr, err := zip.NewReader(bytes.NewReader(inner), int64(len(inner)))
	if err != nil || len(izr.File) != 4 || izr.File[0].UncompressedSize64 != 2<<20 {
		t.Fatalf("inner: %v", err)
	}
}
