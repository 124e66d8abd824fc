package scan

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/internal/benchzip"
)

// BenchmarkScanLargeTorchZip scans a ~1.5 GB PyTorch checkpoint (data.pkl
// plus 300 stored 5 MB storages): only the directory, data.pkl and the
// first bytes of each storage are read.
func BenchmarkScanLargeTorchZip(b *testing.B) {
	p := filepath.Join(b.TempDir(), "model.pt")
	size, err := benchzip.WriteTorchZip(p, 300, 5<<20)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := s.Scan(context.Background(), p)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Files[0].Format != FormatPyTorchZip || rep.Files[0].Members != 302 || len(rep.Findings) != 0 {
			b.Fatalf("unexpected result %+v %v", rep.Files[0], rep.Findings)
		}
	}
}

// BenchmarkBomb42 scans a 42.zip-style nested bomb, 16 zips of 16 members
// of 1 GiB of zeros (256 GiB from about 600 KB): one expansion budget for
// the whole file stops it at its first limit. bench/limits.sh measures the
// wall time and peak RSS of `mlsec scan` on the same sample.
func BenchmarkBomb42(b *testing.B) {
	p := filepath.Join(b.TempDir(), "bomb42.zip")
	data := benchzip.Bomb42(16, 1024)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := s.Scan(context.Background(), p)
		if err != nil {
			b.Fatal(err)
		}
		if findRule(rep, "ARC003", "") == nil {
			b.Fatalf("no ARC003: %s", dump(rep))
		}
	}
}
