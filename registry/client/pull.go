package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/registry"
)

// IntegrityError reports a downloaded file whose bytes do not match what
// the registry recorded, or a version whose files do not hash to its root
// digest. Nothing of a pull that hits one is moved into place.
type IntegrityError struct {
	Path       string // artifact path, or "" for the root digest
	Want, Got  string
	WantSize   int64
	GotSize    int64
	sizeWrong  bool
	cut        bool // the transfer ended early
	rootDigest bool
}

func (e *IntegrityError) Error() string {
	switch {
	case e.rootDigest:
		return fmt.Sprintf("version root digest mismatch: files hash to %s, the registry recorded %s", e.Got, e.Want)
	case e.cut:
		return fmt.Sprintf("%s: incomplete: the transfer stopped after %d of %d bytes (the server cuts a download whose stored copy does not match its digest; otherwise the connection failed: pull again)",
			e.Path, e.GotSize, e.WantSize)
	case e.sizeWrong:
		return fmt.Sprintf("%s: size mismatch: got %d bytes, the registry recorded %d", e.Path, e.GotSize, e.WantSize)
	}
	return fmt.Sprintf("%s: sha256 mismatch: got %s, the registry recorded %s", e.Path, e.Got, e.Want)
}

// PullResult says what a pull wrote.
type PullResult struct {
	Version VersionView
	Files   int
	Bytes   int64
}

// Resolve turns a version reference into a number: "" or "latest" is the
// newest ready version, "sha256:HEX" (or 64 hex digits) a root digest, and
// anything else a version number.
func (c *Client) Resolve(ctx context.Context, model, ref string) (int, error) {
	switch {
	case ref == "" || ref == "latest":
		vs, err := All(ctx, 0, func(ctx context.Context, cur string) (List[registry.Version], error) {
			return c.ListVersions(ctx, model, VersionQuery{Page: registry.Page{Limit: registry.MaxLimit, Cursor: cur}, State: registry.StateReady})
		})
		if err != nil {
			return 0, err
		}
		if len(vs) == 0 {
			return 0, fmt.Errorf("model %s has no ready version: %w", model, registry.ErrNotFound)
		}
		return vs[len(vs)-1].Number, nil
	case registry.ValidDigest(strings.TrimPrefix(ref, "sha256:")):
		v, err := c.VersionByDigest(ctx, model, strings.TrimPrefix(ref, "sha256:"))
		return v.Number, err
	}
	n, err := strconv.Atoi(ref)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("version %q: want a number, latest or sha256:DIGEST: %w", ref, registry.ErrInvalid)
	}
	return n, nil
}

// Pull downloads every artifact of a ready version into dir. Each file is
// streamed to a temporary file next to its destination while being hashed
// and checked against the recorded size and sha256; the model files'
// digests must also give the version's root digest. Only when everything
// matches are the files renamed into place.
func (c *Client) Pull(ctx context.Context, model string, number int, dir string) (res *PullResult, err error) {
	v, err := c.GetVersion(ctx, model, number)
	if err != nil {
		return nil, err
	}
	res = &PullResult{Version: v}
	if v.State != registry.StateReady {
		return res, fmt.Errorf("%s version %d is %s, not ready: %w", model, number, v.State, registry.ErrConflict)
	}
	if v.SourceURI != "" {
		return res, fmt.Errorf("%s version %d was registered by reference: its files live at %s", model, number, v.SourceURI)
	}
	if root, err := registry.RootDigest(v.Artifacts); err != nil || root != v.Digest {
		return res, &IntegrityError{Want: v.Digest, Got: root, rootDigest: true}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	type staged struct{ tmp, dst string }
	var done []staged
	defer func() {
		if err != nil {
			for _, s := range done {
				os.Remove(s.tmp)
			}
		}
	}()
	got := make([]registry.Artifact, 0, len(v.Artifacts))
	for _, a := range v.Artifacts {
		if err := registry.ValidatePath(a.Path); err != nil {
			return res, fmt.Errorf("refusing artifact path from the server: %w", err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(a.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return res, err
		}
		tmp, sum, n, err := c.download(ctx, model, number, a, filepath.Dir(dst))
		if tmp != "" {
			done = append(done, staged{tmp, dst})
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return res, &IntegrityError{Path: a.Path, WantSize: a.Size, GotSize: n, cut: true}
		}
		if err != nil {
			return res, err
		}
		if n != a.Size {
			return res, &IntegrityError{Path: a.Path, WantSize: a.Size, GotSize: n, sizeWrong: true}
		}
		if sum != a.SHA256 {
			return res, &IntegrityError{Path: a.Path, Want: a.SHA256, Got: sum}
		}
		b := a
		b.SHA256 = sum
		got = append(got, b)
		res.Bytes += n
	}
	if root, err := registry.RootDigest(got); err != nil || root != v.Digest {
		return res, &IntegrityError{Want: v.Digest, Got: root, rootDigest: true}
	}
	for _, s := range done {
		if err := os.Rename(s.tmp, s.dst); err != nil {
			return res, err
		}
		res.Files++
	}
	done = nil
	return res, nil
}

// download streams one artifact into a temp file in dir, hashing it; it
// reads at most one byte more than recorded, so a lying server cannot
// fill the disk.
func (c *Client) download(ctx context.Context, model string, number int, a registry.Artifact, dir string) (tmp, sum string, n int64, err error) {
	body, _, claimed, err := c.OpenFile(ctx, model, number, a.Path)
	if err != nil {
		return "", "", 0, fmt.Errorf("download %s: %w", a.Path, err)
	}
	defer body.Close()
	if claimed != "" && claimed != a.SHA256 {
		return "", "", 0, &IntegrityError{Path: a.Path, Want: a.SHA256, Got: claimed}
	}
	f, err := os.CreateTemp(dir, ".mlsec-pull-*")
	if err != nil {
		return "", "", 0, err
	}
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(f, h), io.LimitReader(body, a.Size+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return f.Name(), "", n, fmt.Errorf("download %s: %w", a.Path, err)
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), n, nil
}
