package client

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/manifest"
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
	kindWrong  bool
}

func (e *IntegrityError) Error() string {
	switch {
	case e.kindWrong:
		return fmt.Sprintf("%s: the registry lists it as %s, but by its name and content it is %s: the checkout would not hash to the version digest", e.Path, e.Want, e.Got)
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

// Pull downloads every artifact of a ready version into dir. Everything
// is downloaded into a staging folder first (next to dir, or inside it if
// it exists), each file hashed as it streams and checked against the
// recorded size and sha256, and the model files must give the version's
// root digest. Only then is the staging folder renamed to dir (or, into an
// existing dir, each file moved in). On any failure nothing is left: no
// dir, no partial file. Paths are checked before anything is written
// (registry.ValidatePaths; on Windows also registry.WindowsName).
func (c *Client) Pull(ctx context.Context, model string, number int, dir string) (*PullResult, error) {
	return c.PullWith(ctx, model, number, dir, PullOptions{})
}

// PullOptions tune a pull.
type PullOptions struct {
	// Progress, if set, receives the download's progress: files and bytes
	// of the version.
	Progress Progress
}

// PullWith is Pull with options.
func (c *Client) PullWith(ctx context.Context, model string, number int, dir string, o PullOptions) (res *PullResult, err error) {
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
	open := func(ctx context.Context, path string) (io.ReadCloser, int64, string, error) {
		return c.OpenFile(ctx, model, number, path)
	}
	res.Files, res.Bytes, err = pullFiles(ctx, v.Digest, v.Artifacts, dir, o, open, true)
	if errors.Is(err, errWindowsName) {
		err = fmt.Errorf("%s version %d cannot be pulled on Windows: %w", model, number, err)
	}
	return res, err
}

// errWindowsName marks a path Windows cannot hold.
var errWindowsName = errors.New("a file name Windows cannot hold")

// fileOpener streams one file of what is pulled: its body, size and the
// digest the server claims.
type fileOpener func(ctx context.Context, path string) (io.ReadCloser, int64, string, error)

// pullFiles downloads arts (whose OMS root digest is digest) into dir as
// Pull describes, through open; checkKind also checks each file's kind
// (model file or attachment) against the registry's. It returns the files
// and bytes written.
func pullFiles(ctx context.Context, digest string, arts []registry.Artifact, dir string, o PullOptions, open fileOpener, checkKind bool) (files int, bytes int64, err error) {
	if root, err := registry.RootDigest(arts); err != nil || root != digest {
		return 0, 0, &IntegrityError{Want: digest, Got: root, rootDigest: true}
	}
	paths := make([]string, len(arts))
	for i, a := range arts {
		paths[i] = a.Path
		if runtime.GOOS == "windows" {
			if why := registry.WindowsName(a.Path); why != "" {
				return 0, 0, fmt.Errorf("%w: %s", errWindowsName, why)
			}
		}
	}
	if err := registry.ValidatePaths(paths); err != nil {
		return files, bytes, fmt.Errorf("refusing the version's file list from the server: %w", err)
	}
	into, err := existingDir(dir)
	if err != nil {
		return files, bytes, err
	}
	if into {
		if err := checkTargets(dir, paths); err != nil {
			return files, bytes, err
		}
	}
	stage, err := stagingDir(dir, into)
	if err != nil {
		return files, bytes, err
	}
	defer func() {
		if stage != "" {
			os.RemoveAll(stage)
		}
	}()
	tr := &transfer{report: o.Progress, totalFiles: len(arts)}
	for _, a := range arts {
		tr.total += a.Size
	}
	got := make([]registry.Artifact, 0, len(arts))
	for _, a := range arts {
		dst := filepath.Join(stage, filepath.FromSlash(a.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
			return files, bytes, err
		}
		sum, n, err := download(ctx, open, a, dst, tr)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return files, bytes, &IntegrityError{Path: a.Path, WantSize: a.Size, GotSize: n, cut: true}
		}
		if err != nil {
			return files, bytes, err
		}
		if n != a.Size {
			return files, bytes, &IntegrityError{Path: a.Path, WantSize: a.Size, GotSize: n, sizeWrong: true}
		}
		if sum != a.SHA256 {
			return files, bytes, &IntegrityError{Path: a.Path, Want: a.SHA256, Got: sum}
		}
		// The checkout must hold the same model files as the version: a
		// file is an attachment here exactly when the registry says so.
		if checkKind {
			kind, err := manifest.IsAttachment(a.Path, dst)
			if err != nil {
				return files, bytes, err
			}
			if kind == "" {
				kind = registry.KindFile
			}
			if want := cmp.Or(a.Kind, registry.KindFile); kind != want {
				return files, bytes, &IntegrityError{Path: a.Path, Want: want, Got: kind, kindWrong: true}
			}
		}
		tr.add(1, 0)
		b := a
		b.SHA256 = sum
		got = append(got, b)
		bytes += n
	}
	if root, err := registry.RootDigest(got); err != nil || root != digest {
		return files, bytes, &IntegrityError{Want: digest, Got: root, rootDigest: true}
	}
	if !into {
		if err := os.MkdirAll(filepath.Dir(dir), 0o777); err != nil {
			return files, bytes, err
		}
		if err := os.Rename(stage, dir); err != nil {
			return files, bytes, err
		}
		stage = ""
		return len(got), bytes, nil
	}
	for _, p := range paths {
		to := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(to), 0o777); err != nil {
			return files, bytes, err
		}
		if err := os.Rename(filepath.Join(stage, filepath.FromSlash(p)), to); err != nil {
			return files, bytes, err
		}
		files++
	}
	return files, bytes, nil
}

// existingDir reports whether dir exists (and is a folder).
func existingDir(dir string) (bool, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case !fi.IsDir():
		return false, fmt.Errorf("%s exists and is not a folder", dir)
	}
	return true, nil
}

// checkTargets refuses, before anything is written, to pull into an
// existing dir where a file would land on a folder or a folder on a file.
func checkTargets(dir string, paths []string) error {
	for _, p := range paths {
		segs := strings.Split(p, "/")
		for i := range segs {
			fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(strings.Join(segs[:i+1], "/"))))
			if errors.Is(err, os.ErrNotExist) {
				break
			}
			if err != nil {
				return err
			}
			last := i == len(segs)-1
			if (last && fi.IsDir()) || (!last && !fi.IsDir()) || fi.Mode()&os.ModeSymlink != 0 {
				return fmt.Errorf("cannot pull %s into %s: %s is in the way", p, dir, strings.Join(segs[:i+1], "/"))
			}
		}
	}
	return nil
}

// stagingDir makes the folder a pull downloads into: inside dir if it
// exists, else beside it, in its nearest existing ancestor (so the final
// rename stays on one file system and no missing parent is created before
// everything verified). Mode 0777 less the umask, like any new folder.
func stagingDir(dir string, into bool) (string, error) {
	parent := dir
	if !into {
		parent = filepath.Dir(filepath.Clean(dir))
		for {
			if _, err := os.Stat(parent); err == nil || filepath.Dir(parent) == parent {
				break
			}
			parent = filepath.Dir(parent)
		}
	}
	for range 100 {
		b := make([]byte, 6)
		rand.Read(b)
		name := filepath.Join(parent, ".mlsec-pull-"+hex.EncodeToString(b))
		err := os.Mkdir(name, 0o777)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		return name, err
	}
	return "", fmt.Errorf("cannot create a staging folder in %s", parent)
}

// download streams one artifact into the new file dst, hashing it; it
// reads at most one byte more than recorded, so a lying server cannot fill
// the disk. The file gets the usual mode (0666 less the umask).
func download(ctx context.Context, open fileOpener, a registry.Artifact, dst string, tr *transfer) (sum string, n int64, err error) {
	body, _, claimed, err := open(ctx, a.Path)
	if err != nil {
		return "", 0, fmt.Errorf("download %s: %w", a.Path, err)
	}
	defer body.Close()
	if claimed != "" && claimed != a.SHA256 {
		return "", 0, &IntegrityError{Path: a.Path, Want: a.SHA256, Got: claimed}
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(f, h), tr.reader(io.LimitReader(body, a.Size+1)))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "", n, err
	}
	if err != nil {
		return "", n, fmt.Errorf("download %s: %w", a.Path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
