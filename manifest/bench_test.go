package manifest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func fmtName(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// benchFile writes a size-byte pseudo-random file into b.TempDir.
func benchFile(b *testing.B, size int64) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "weights.bin")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i*131 + i>>8)
	}
	for w := int64(0); w < size; w += int64(len(chunk)) {
		if _, err := f.Write(chunk[:min(int64(len(chunk)), size-w)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

func benchHash(b *testing.B, size int64, opts Options) {
	p := benchFile(b, size)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Hash(context.Background(), p, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashFilesSHA256(b *testing.B)  { benchHash(b, 256<<20, Options{}) }
func BenchmarkHashShardsSHA256(b *testing.B) { benchHash(b, 256<<20, Options{ShardSize: 32 << 20}) }
func BenchmarkHashFilesBLAKE2b(b *testing.B) { benchHash(b, 256<<20, Options{Algorithm: BLAKE2b}) }
func BenchmarkHashFilesBLAKE3(b *testing.B)  { benchHash(b, 256<<20, Options{Algorithm: BLAKE3}) }

// BenchmarkHashManySmallFiles measures per-file overhead (open, stat, walk).
func BenchmarkHashManySmallFiles(b *testing.B) {
	root := b.TempDir()
	for i := range 2000 {
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("f%04d", i)), make([]byte, 4096), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(2000 * 4096)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Hash(context.Background(), root, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
