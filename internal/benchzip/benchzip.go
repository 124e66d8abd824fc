package benchzip

import (
	"archive/zip"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// DataPkl is a small benign protocol-2 pickle standing in for data.pkl.
const DataPkl = "\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."

// holeWriter turns all-zero writes into seeks, leaving holes in the file.
type holeWriter struct{ f *os.File }

func (h holeWriter) Write(p []byte) (int, error) {
	if len(p) >= 4096 && allZero(p) {
		if _, err := h.f.Seek(int64(len(p)), io.SeekCurrent); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return h.f.Write(p)
}

func allZero(p []byte) bool {
	for _, c := range p {
		if c != 0 {
			return false
		}
	}
	return true
}

// WriteTorchZip writes archive/data.pkl, archive/version and n stored
// storages archive/data/<i> of size bytes each to path, and returns the
// file size.
func WriteTorchZip(path string, n int, size int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := zip.NewWriter(holeWriter{f})
	for _, m := range []struct{ name, data string }{{"archive/data.pkl", DataPkl}, {"archive/version", "3\n"}} {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			return 0, err
		}
		io.WriteString(fw, m.data)
	}
	zeros := make([]byte, size)
	crc := crc32.ChecksumIEEE(zeros)
	for i := 0; i < n; i++ {
		fw, err := w.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("archive/data/%d", i), Method: zip.Store,
			CRC32: crc, CompressedSize64: uint64(size), UncompressedSize64: uint64(size)})
		if err != nil {
			return 0, err
		}
		if _, err := fw.Write(zeros); err != nil {
			return 0, err
		}
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	end, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	return end, f.Truncate(end)
}
