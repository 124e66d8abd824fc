package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("must not be read") }

func stores(t *testing.T) map[string]*Store {
	out := map[string]*Store{}
	for name, loc := range map[string]string{"file": filepath.Join(t.TempDir(), "blobs"), "mem": "mem://"} {
		s, err := Open(t.Context(), loc, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[name] = s
	}
	if s := s3Store(t, 1<<20); s != nil { // with MLSEC_TEST_S3_URL (s3_test.go)
		out["s3"] = s
	}
	return out
}

func TestPut(t *testing.T) {
	data := []byte("model weights")
	good := sum(data)
	fresh := []byte("never stored")
	big := bytes.Repeat([]byte{1}, 1<<20+1)
	cases := []struct {
		name    string
		sha     string
		size    int64
		body    func() io.Reader
		wantErr error
	}{
		{"ok", good, int64(len(data)), func() io.Reader { return bytes.NewReader(data) }, nil},
		{"ok unknown size", good, -1, func() io.Reader { return bytes.NewReader(data) }, nil},
		{"digest mismatch", sum([]byte("other")), -1, func() io.Reader { return bytes.NewReader(data) }, registry.ErrDigestMismatch},
		{"short body", sum(fresh), int64(len(fresh)) + 1, func() io.Reader { return bytes.NewReader(fresh) }, registry.ErrDigestMismatch},
		{"wrong size of stored content", good, int64(len(data)) + 1, func() io.Reader { return bytes.NewReader(data) }, registry.ErrDigestMismatch},
		{"announced too large", sum(big), int64(len(big)), func() io.Reader { return bytes.NewReader(big) }, registry.ErrTooLarge},
		{"streamed too large", sum(big), -1, func() io.Reader { return bytes.NewReader(big) }, registry.ErrTooLarge},
		{"bad digest", "../../etc/passwd", -1, func() io.Reader { return bytes.NewReader(data) }, registry.ErrInvalid},
		{"uppercase digest", strings.ToUpper(good), -1, func() io.Reader { return bytes.NewReader(data) }, registry.ErrInvalid},
	}
	for sname, s := range stores(t) {
		for _, tc := range cases {
			t.Run(sname+"/"+tc.name, func(t *testing.T) {
				b, err := s.Put(t.Context(), tc.sha, tc.size, tc.body())
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr != nil {
					if registry.ValidDigest(tc.sha) && tc.sha != good {
						if ok, _ := s.Exists(t.Context(), tc.sha); ok {
							t.Fatal("a rejected upload was stored")
						}
					}
					return
				}
				if b.SHA256 != good || b.Size != int64(len(data)) || b.Key != "sha256/"+good[:2]+"/"+good {
					t.Fatalf("blob %+v", b)
				}
				r, err := s.Open(t.Context(), good, 6, 7)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(r)
				r.Close()
				if string(got) != "weights" {
					t.Fatalf("range read %q", got)
				}
			})
		}
		// Stored content is verified again (proof of possession): a second
		// upload that does not carry the bytes fails, and no answer tells
		// the stored copy's size.
		t.Run(sname+"/dedup verifies the upload", func(t *testing.T) {
			if _, err := s.Put(t.Context(), good, -1, failReader{}); err == nil {
				t.Fatal("a second put of stored content succeeded without its bytes")
			}
			_, err := s.Put(t.Context(), good, 3, strings.NewReader("abc"))
			if !errors.Is(err, registry.ErrDigestMismatch) || strings.Contains(err.Error(), strconv.Itoa(len(data))) {
				t.Fatalf("wrong bytes for stored content: %v (must not reveal the stored size)", err)
			}
			if b, err := s.Put(t.Context(), good, int64(len(data)), bytes.NewReader(data)); err != nil || b.Size != int64(len(data)) {
				t.Fatalf("second put with the bytes: %+v %v", b, err)
			}
		})
		t.Run(sname+"/missing", func(t *testing.T) {
			if _, err := s.Open(t.Context(), sum([]byte("nope")), 0, -1); !errors.Is(err, registry.ErrNotFound) {
				t.Fatalf("open missing: %v", err)
			}
		})
	}
}

func TestPutLeavesNoPartialFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	s, err := Open(t.Context(), dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 3 {
		s.Put(t.Context(), sum([]byte("x")), -1, strings.NewReader("not x"))
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("rejected uploads left files: %v", files)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// zeros is an endless stream of zero bytes, generated, never held whole.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

func TestPutStreamsWithBoundedMemory(t *testing.T) {
	const size = 256 << 20
	h := sha256.New()
	io.Copy(h, &zeros{size})
	sha := hex.EncodeToString(h.Sum(nil))
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "blobs"), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b, err := s.Put(t.Context(), sha, size, &zeros{size})
	runtime.ReadMemStats(&after)
	if err != nil || b.Size != size {
		t.Fatalf("%+v %v", b, err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 16<<20 {
		t.Fatalf("uploading %d MiB allocated %d MiB: not streaming", size>>20, grown>>20)
	}
}

// TestSweepOrphans (R6): blobs no upload recorded and temporary files of
// cut writes are removed at start; recorded blobs and, with a grace
// period, recent ones stay.
func TestSweepOrphans(t *testing.T) {
	for sname, s := range stores(t) {
		t.Run(sname, func(t *testing.T) {
			kept, orphan := []byte("recorded"), []byte("orphan")
			for _, b := range [][]byte{kept, orphan} {
				if _, err := s.Put(t.Context(), sum(b), -1, bytes.NewReader(b)); err != nil {
					t.Fatal(err)
				}
			}
			if s.dir != "" { // a write cut by kill -9: fileblob's temp file
				tmp := filepath.Join(s.dir, "sha256", sum(orphan)[:2], sum(orphan)+".17a0c3.tmp")
				if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			known := func(_ context.Context, sha string) (bool, error) { return sha == sum(kept), nil }
			if n, err := s.SweepOrphans(t.Context(), known, time.Hour); err != nil || n != 0 {
				t.Fatalf("with a grace period: removed %d, %v", n, err)
			}
			want := 1
			if s.dir != "" {
				want = 2
			}
			if n, err := s.SweepOrphans(t.Context(), known, 0); err != nil || n != want {
				t.Fatalf("removed %d, want %d: %v", n, want, err)
			}
			if ok, _ := s.Exists(t.Context(), sum(orphan)); ok {
				t.Error("the orphan blob is still stored")
			}
			if ok, _ := s.Exists(t.Context(), sum(kept)); !ok {
				t.Error("a recorded blob was swept")
			}
		})
	}
}

// TestLocalBlobsOwnerOnly (S7): a local store's folders are 0700 and its
// blobs 0600.
func TestLocalBlobsOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	s, err := Open(t.Context(), dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Put(t.Context(), sum([]byte("w")), -1, strings.NewReader("w")); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		fi, _ := d.Info()
		if want := map[bool]fs.FileMode{true: 0o700, false: 0o600}[d.IsDir()]; err == nil && fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
		return nil
	})
}
