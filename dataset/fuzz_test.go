package dataset_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/dataset"
	"github.com/mlsec/mlsec/scan"
)

// FuzzScanArchive: any bytes named as a tar, a tar.gz or a zip archive
// scan without a panic or a hang, and every file reported either was read
// or carries its error (fail closed).
func FuzzScanArchive(f *testing.F) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "a.csv", Mode: 0o644, Size: 8, Typeflag: tar.TypeReg})
	tw.Write([]byte("e\nx@y.z\n"))
	tw.Close()
	f.Add(b.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	lim := scan.DefaultLimits()
	lim.MaxExpandedBytes = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		for _, n := range []string{"x.tar", "x.tgz", "x.zip"} {
			if err := os.WriteFile(filepath.Join(dir, n), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := dataset.Scan(t.Context(), dir, dataset.Options{Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		for _, fl := range rep.Files {
			if fl.Error == "" && fl.Format == "" {
				t.Errorf("%s: neither read nor reported: %+v", fl.Path, fl)
			}
		}
	})
}
