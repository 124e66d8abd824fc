// Package blob stores registry artifacts by content through gocloud.dev/blob:
// a local folder (fileblob) by default, any S3-compatible bucket for s3://
// URLs, memory for mem:// (tests).
//
// Keys are content addresses, sha256/ab/abcdef... (the first two hex digits
// fan the folder out). Put streams the upload into the final key while
// hashing it and aborts the write (gocloud: cancel the writer's context
// before Close) unless the size and digest match what the client promised,
// so a blob under a key always has that key's digest and nothing is left
// behind by a bad upload. Nothing is ever buffered whole in memory.
// Content that is already stored is verified again on every upload (proof
// of possession) but written once.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets (the default)
	"gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob" // s3:// buckets
	"gocloud.dev/gcerrors"

	"github.com/mlsec/mlsec/registry"
)

// DefaultMaxSize bounds one uploaded blob (a whole model shard) unless the
// server is configured otherwise.
const DefaultMaxSize int64 = 64 << 30

// Store is a content-addressed bucket.
type Store struct {
	b       *blob.Bucket
	maxSize int64
	url     string
	// s3Bucket is the bucket name of an s3:// store (see abortUpload).
	s3Bucket string
	// dir is the folder of a local store ("" otherwise).
	dir string
}

// Open opens the bucket at loc: a local directory path (created if
// missing), a file:// URL, an s3:// URL (gocloud s3blob parameters, e.g.
// ?endpoint=http://127.0.0.1:7070&use_path_style=true&region=us-east-1) or
// mem://. maxSize <= 0 means DefaultMaxSize.
func Open(ctx context.Context, loc string, maxSize int64) (*Store, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	u, dir := loc, ""
	switch {
	case loc == "":
		return nil, errors.New("blob store: empty location")
	case loc == "mem://":
		return &Store{b: memblob.OpenBucket(nil), maxSize: maxSize, url: loc}, nil
	case !strings.Contains(loc, "://"):
		abs, err := filepath.Abs(loc)
		if err != nil {
			return nil, fmt.Errorf("blob store: %w", err)
		}
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return nil, fmt.Errorf("blob store: %w", err)
		}
		dir = abs
		// no_tmp_dir: temp files next to the final path, so the final
		// rename never crosses file systems; dir_file_mode: the fan-out
		// folders are the owner's only, like the files (see Put).
		u = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "no_tmp_dir=1&metadata=skip&dir_file_mode=0700"}).String()
	}
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", redact(loc), err)
	}
	return &Store{b: b, maxSize: maxSize, url: loc, s3Bucket: s3BucketName(loc), dir: dir}, nil
}

// redact drops a URL's query and credentials for messages.
func redact(loc string) string {
	if u, err := url.Parse(loc); err == nil && u.Scheme != "" {
		u.User, u.RawQuery = nil, ""
		return u.String()
	}
	return loc
}

// Close closes the bucket.
func (s *Store) Close() error { return s.b.Close() }

// MaxSize is the largest blob Put accepts.
func (s *Store) MaxSize() int64 { return s.maxSize }

// Key returns the bucket key of a SHA-256 hex digest.
func Key(sha string) string { return "sha256/" + sha[:2] + "/" + sha }

// Exists reports whether the blob with digest sha is stored.
func (s *Store) Exists(ctx context.Context, sha string) (bool, error) {
	if !registry.ValidDigest(sha) {
		return false, fmt.Errorf("%w: sha256 %q", registry.ErrInvalid, sha)
	}
	ok, err := s.b.Exists(ctx, Key(sha))
	if err != nil {
		return false, fmt.Errorf("blob exists: %w", err)
	}
	return ok, nil
}

// Put streams r into the blob for sha. size is the announced length (-1 if
// unknown). It fails with ErrTooLarge past the size limit, and with
// ErrDigestMismatch if the bytes are not sha or not size long; in both
// cases nothing is stored. Content already stored is still read and
// verified (the upload is the uploader's proof that it holds the bytes; see
// registry.Service.HeadBlob) but not written again, and no error says how
// long the stored copy is.
func (s *Store) Put(ctx context.Context, sha string, size int64, r io.Reader) (registry.Blob, error) {
	if !registry.ValidDigest(sha) {
		return registry.Blob{}, fmt.Errorf("%w: sha256 %q", registry.ErrInvalid, sha)
	}
	if size > s.maxSize {
		return registry.Blob{}, fmt.Errorf("%w: %d bytes, limit %d", registry.ErrTooLarge, size, s.maxSize)
	}
	key := Key(sha)
	if attrs, err := s.b.Attributes(ctx, key); err == nil {
		n, err := s.copyVerified(io.Discard, r, sha, size)
		if err != nil {
			return registry.Blob{}, err
		}
		if attrs.Size != n {
			return registry.Blob{}, fmt.Errorf("blob sha256:%s: the stored copy is %d bytes, the verified upload %d: the store is damaged", sha, attrs.Size, n)
		}
		return registry.Blob{SHA256: sha, Size: n, Key: key}, nil
	}
	wctx, abort := context.WithCancel(ctx)
	defer abort()
	w, err := s.b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/octet-stream", DisableContentTypeDetection: true})
	if err != nil {
		return registry.Blob{}, fmt.Errorf("blob put: %w", err)
	}
	n, err := s.copyVerified(w, r, sha, size)
	if err != nil {
		abort()
		// Aborted: the driver discards the partial write (on S3, abortUpload
		// also releases the parts of a multipart upload).
		if aerr := s.abortUpload(ctx, key, w.Close()); aerr != nil {
			err = errors.Join(err, aerr)
		}
		return registry.Blob{}, err
	}
	if err := w.Close(); err != nil {
		return registry.Blob{}, fmt.Errorf("blob put: %w", err)
	}
	if s.dir != "" {
		// fileblob creates files 0666 (less the umask); blobs are the
		// registry's only, like its database.
		if err := os.Chmod(filepath.Join(s.dir, filepath.FromSlash(key)), 0o600); err != nil {
			return registry.Blob{}, fmt.Errorf("blob put: %w", err)
		}
	}
	return registry.Blob{SHA256: sha, Size: n, Key: key}, nil
}

// copyVerified copies r to w, at most the size limit, and checks that the
// bytes are size long (when size >= 0) and hash to sha.
func (s *Store) copyVerified(w io.Writer, r io.Reader, sha string, size int64) (int64, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, s.maxSize+1))
	switch got := hex.EncodeToString(h.Sum(nil)); {
	case err != nil:
		return n, fmt.Errorf("blob put: %w", err)
	case n > s.maxSize:
		return n, fmt.Errorf("%w: more than %d bytes", registry.ErrTooLarge, s.maxSize)
	case size >= 0 && n != size:
		return n, fmt.Errorf("%w: got %d bytes, announced %d", registry.ErrDigestMismatch, n, size)
	case got != sha:
		return n, fmt.Errorf("%w: content is sha256:%s, not sha256:%s", registry.ErrDigestMismatch, got, sha)
	}
	return n, nil
}

// Reader reads a stored blob; Size is the stored object's whole size.
type Reader interface {
	io.ReadCloser
	Size() int64
}

var _ Reader = (*blob.Reader)(nil)

// Open returns a reader of the blob sha (from offset, length bytes; length
// < 0 reads to the end).
func (s *Store) Open(ctx context.Context, sha string, offset, length int64) (Reader, error) {
	if !registry.ValidDigest(sha) {
		return nil, fmt.Errorf("%w: sha256 %q", registry.ErrInvalid, sha)
	}
	r, err := s.b.NewRangeReader(ctx, Key(sha), offset, length, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("blob sha256:%s: %w", sha, registry.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blob open: %w", err)
	}
	return r, nil
}

// Ping checks that the bucket is reachable.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.b.IsAccessible(ctx)
	return err
}

// SweepOrphans deletes what an interrupted upload can leave behind: blobs
// whose digest known does not report (stored by a request that never
// recorded it: the client went away between the write and the database
// row, or the server was killed) and, in a local store, the temporary
// files of writes cut short. Only entries older than minAge go, so a
// replica starting beside others never removes an upload still in flight
// (a single process can pass 0). It returns how many it removed.
func (s *Store) SweepOrphans(ctx context.Context, known func(ctx context.Context, sha string) (bool, error), minAge time.Duration) (int, error) {
	n := 0
	cutoff := time.Now().Add(-minAge)
	it := s.b.List(&blob.ListOptions{Prefix: "sha256/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("sweep blobs: %w", err)
		}
		if obj.IsDir || obj.ModTime.After(cutoff) {
			continue
		}
		sha := obj.Key[strings.LastIndexByte(obj.Key, '/')+1:]
		if registry.ValidDigest(sha) && obj.Key == Key(sha) {
			ok, err := known(ctx, sha)
			if err != nil {
				return n, err
			}
			if ok {
				continue
			}
		}
		if err := s.b.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return n, fmt.Errorf("sweep blob %s: %w", obj.Key, err)
		}
		n++
	}
	return n, nil
}
