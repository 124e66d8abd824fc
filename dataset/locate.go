package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gocloud.dev/blob"

	"github.com/mlsec/mlsec/manifest"
)

// Classifications of a dataset, from least to most restricted.
var Classifications = []string{"public", "internal", "confidential", "restricted"}

// PrefixBytes is how much of a file the second step of the cascade hashes.
const PrefixBytes = 64 << 10

// Descriptor is what mlsec records about one dataset version: who owns it,
// how sensitive it is, where copies may live, and its files. Its Digest is
// the OMS root digest (files mode, SHA-256) of the files, the digest
// 'mlsec sign' signs and a model version's trained_on edge names.
type Descriptor struct {
	Name           string `json:"name"`
	Digest         string `json:"digest"` // sha256:HEX
	Owner          string `json:"owner,omitempty"`
	Classification string `json:"classification,omitempty"`
	// Allowed are the URI prefixes where copies may be stored, e.g.
	// "s3://ml-data/adult/" or "file:///srv/data/adult/".
	Allowed []string `json:"allowed_locations,omitempty"`
	Files   []DFile  `json:"files"`
}

// DFile is one file of a dataset.
type DFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// PrefixSHA256 is the SHA-256 of the first PrefixBytes bytes (the whole
	// file if shorter): the cascade's second step.
	PrefixSHA256 string `json:"prefix_sha256"`
}

// Describe hashes the dataset at root (a file or folder) as OMS model
// signing does and returns its descriptor.
func Describe(ctx context.Context, root, name string) (*Descriptor, error) {
	if name == "" {
		return nil, errors.New("a dataset needs a name")
	}
	m, err := manifest.Hash(ctx, root, manifest.Options{})
	if err != nil {
		return nil, err
	}
	d := &Descriptor{Name: name, Digest: "sha256:" + hex.EncodeToString(m.RootDigest())}
	for _, it := range m.Items {
		p := filepath.Join(root, filepath.FromSlash(it.Name))
		if m.SingleFile {
			p = root
		}
		pre, err := prefixDigest(p)
		if err != nil {
			return nil, err
		}
		d.Files = append(d.Files, DFile{Path: it.Name, Size: it.Size, SHA256: hex.EncodeToString(it.Digest), PrefixSHA256: pre})
	}
	return d, nil
}

func prefixDigest(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, PrefixBytes)); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Validate checks a descriptor read from a file.
func (d *Descriptor) Validate() error {
	if d.Name == "" {
		return errors.New("descriptor: no name")
	}
	if d.Classification != "" && !slices.Contains(Classifications, d.Classification) {
		return fmt.Errorf("descriptor %s: classification %q is not one of %s", d.Name, d.Classification, strings.Join(Classifications, ", "))
	}
	for _, f := range d.Files {
		if len(f.SHA256) != 64 || len(f.PrefixSHA256) != 64 || f.Size < 0 {
			return fmt.Errorf("descriptor %s: file %q needs a size, sha256 and prefix_sha256", d.Name, f.Path)
		}
	}
	return nil
}

// ReadDescriptor reads a descriptor written by 'mlsec data manifest'.
func ReadDescriptor(path string) (*Descriptor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d Descriptor
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: not a dataset descriptor: %w", path, err)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &d, nil
}

// Index finds dataset files by size, prefix digest and digest.
type Index struct {
	bySize map[int64][]ref
}

type ref struct {
	d *Descriptor
	f DFile
}

// NewIndex indexes the files of the given descriptors.
func NewIndex(ds ...*Descriptor) *Index {
	ix := &Index{bySize: map[int64][]ref{}}
	for _, d := range ds {
		for _, f := range d.Files {
			ix.bySize[f.Size] = append(ix.bySize[f.Size], ref{d, f})
		}
	}
	return ix
}

// Copy is one object whose content equals a dataset file.
type Copy struct {
	// Location is the object's URI (the bucket URL's scheme and bucket or
	// folder, then its key).
	Location       string `json:"location"`
	Dataset        string `json:"dataset"`
	DatasetDigest  string `json:"dataset_digest"`
	File           string `json:"file"`
	Size           int64  `json:"size"`
	Owner          string `json:"owner,omitempty"`
	Classification string `json:"classification,omitempty"`
	// Allowed is true when Location starts with one of the dataset's
	// allowed locations; a copy that is not allowed is a stray.
	Allowed bool `json:"allowed"`
}

// LocateStats counts the work of the cascade.
type LocateStats struct {
	Objects      int64  `json:"objects"`       // listed
	Bytes        int64  `json:"bytes"`         // total size listed
	PrefixHashed int64  `json:"prefix_hashed"` // objects whose size matched
	FullHashed   int64  `json:"full_hashed"`   // objects whose prefix matched
	BytesRead    int64  `json:"bytes_read"`    // bytes actually read
	Errors       int64  `json:"errors"`        // objects that could not be read
	FirstError   string `json:"first_error,omitempty"`
}

// Locate lists every object of b under prefix and returns the copies of
// indexed dataset files, with where each is (base + key, base being the
// URI the bucket was opened with, e.g. "s3://bucket/" or "file:///srv/").
// An object that cannot be read is counted in the stats (and named in
// FirstError); the search goes on.
func Locate(ctx context.Context, b *blob.Bucket, prefix, base string, ix *Index, onError func(key string, err error)) ([]Copy, LocateStats, error) {
	var st LocateStats
	var out []Copy
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, st, fmt.Errorf("listing %s%s: %w", base, prefix, err)
		}
		if obj.IsDir {
			continue
		}
		st.Objects++
		st.Bytes += obj.Size
		cands := ix.bySize[obj.Size]
		if len(cands) == 0 {
			continue
		}
		fail := func(err error) {
			st.Errors++
			if st.FirstError == "" {
				st.FirstError = obj.Key + ": " + err.Error()
			}
			if onError != nil {
				onError(obj.Key, err)
			}
		}
		st.PrefixHashed++
		pre, n, err := hashObject(ctx, b, obj.Key, PrefixBytes)
		st.BytesRead += n
		if err != nil {
			fail(err)
			continue
		}
		var next []ref
		for _, c := range cands {
			if c.f.PrefixSHA256 == pre {
				next = append(next, c)
			}
		}
		if len(next) == 0 {
			continue
		}
		full := pre
		if obj.Size > PrefixBytes {
			st.FullHashed++
			full, n, err = hashObject(ctx, b, obj.Key, -1)
			st.BytesRead += n
			if err != nil {
				fail(err)
				continue
			}
		}
		loc := base + obj.Key
		for _, c := range next {
			if c.f.SHA256 != full {
				continue
			}
			out = append(out, Copy{Location: loc, Dataset: c.d.Name, DatasetDigest: c.d.Digest, File: c.f.Path, Size: obj.Size,
				Owner: c.d.Owner, Classification: c.d.Classification, Allowed: allowed(loc, c.d.Allowed)})
		}
	}
	return out, st, nil
}

func hashObject(ctx context.Context, b *blob.Bucket, key string, limit int64) (string, int64, error) {
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	h := sha256.New()
	var src io.Reader = r
	if limit >= 0 {
		src = io.LimitReader(r, limit)
	}
	n, err := io.Copy(h, src)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// allowed reports whether loc lies under one of the prefixes. A prefix
// matches at a path boundary only: "s3://b/data" allows "s3://b/data/x"
// and "s3://b/data" but not "s3://b/data-copy/x".
func allowed(loc string, prefixes []string) bool {
	for _, p := range prefixes {
		if p == "" {
			continue
		}
		if loc == p || strings.HasPrefix(loc, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}
