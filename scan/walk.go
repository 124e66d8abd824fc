package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// collect expands a path argument into files to scan. Symlinks met during a
// folder walk are followed only when their target stays inside a link root:
// the folder itself, the repository's cache folder when the folder is a
// Hugging Face cache snapshot, and Options.SymlinkRoots.
func (s *Scanner) collect(p string) ([]target, []FileResult, []Finding, error) {
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil, fmt.Errorf("%s: %w", p, ErrNotFound)
		}
		return nil, nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			// A FIFO or device would block or never end: not a model file.
			reason := fmt.Sprintf("not a regular file (%s); not read", fi.Mode().Type())
			return nil, []FileResult{{Path: p, Format: FormatUnknown, Status: StatusSkipped, Reason: reason}}, nil, nil
		}
		return []target{{path: p}}, nil, nil, nil
	}
	top := p
	if li, err := os.Lstat(p); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		// The argument itself is a link to a folder: the user named it, so
		// walk its target (a trailing separator makes WalkDir follow it).
		top = p + string(filepath.Separator)
	}
	root, err := realPath(p)
	if err != nil {
		return nil, nil, nil, err
	}
	w := &walker{s: s, arg: p, top: top, roots: s.linkRoots(root), visited: map[string]bool{root: true}}
	if err := w.walk(top); err != nil {
		return nil, nil, nil, err
	}
	return w.ts, w.res, w.finds, nil
}

func realPath(p string) (string, error) {
	a, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(a); err == nil {
		return r, nil
	}
	return a, nil
}

// hfRepo matches a Hugging Face hub cache repository folder name.
var hfRepo = regexp.MustCompile(`^(models|datasets|spaces)--.+`)

// hfCacheRepo returns the repository cache folder (…/models--org--name)
// when dir is inside one of its snapshots, or "". A snapshot holds links
// into ../../blobs/, which are part of the same download.
func hfCacheRepo(dir string) string {
	parts := strings.Split(filepath.ToSlash(dir), "/")
	for i := len(parts) - 2; i >= 1; i-- {
		if parts[i] == "snapshots" && hfRepo.MatchString(parts[i-1]) {
			return filepath.FromSlash(strings.Join(parts[:i], "/"))
		}
	}
	return ""
}

// linkRoots lists the folders links met under root may point into.
func (s *Scanner) linkRoots(root string) []string {
	roots := []string{root}
	if repo := hfCacheRepo(root); repo != "" {
		roots = append(roots, repo)
	}
	for _, r := range s.opts.SymlinkRoots {
		if rp, err := realPath(r); err == nil {
			roots = append(roots, rp)
		}
	}
	return roots
}

// A walker collects the files of one folder argument.
type walker struct {
	s       *Scanner
	arg     string // the argument, recorded as each target's root
	top     string // the path the walk started from, for --exclude
	roots   []string
	visited map[string]bool // real folders walked, against link cycles
	ts      []target
	res     []FileResult
	finds   []Finding
}

func (w *walker) walk(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			w.res = append(w.res, FileResult{Path: path, Format: FormatUnknown, Status: StatusError, Reason: err.Error()})
			w.finds = w.s.keep(w.finds, newFinding(path, "", FormatUnknown, "FMT002", -1, err.Error()))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if rel, err := filepath.Rel(w.top, path); err == nil && rel != "." && w.s.excluded(filepath.ToSlash(rel)) {
			if d.IsDir() {
				w.res = append(w.res, FileResult{Path: path, Format: FormatDirectory, Status: StatusSkipped, Reason: "excluded by --exclude (folder not entered)"})
				return fs.SkipDir
			}
			w.res = append(w.res, FileResult{Path: path, Format: FormatUnknown, Status: StatusSkipped, Reason: "excluded by --exclude"})
			return nil
		}
		switch {
		case d.IsDir():
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			return w.link(path)
		case !d.Type().IsRegular():
			w.res = append(w.res, FileResult{Path: path, Format: FormatUnknown, Status: StatusSkipped, Reason: "not a regular file"})
			return nil
		}
		w.ts = append(w.ts, target{path: path, root: w.arg})
		return nil
	})
}

// link handles a symbolic link met in the walk.
func (w *walker) link(path string) error {
	t, inside, reason := resolveLink(w.roots, path)
	if !inside {
		w.res = append(w.res, FileResult{Path: path, Format: FormatSymlink, Status: StatusError, Reason: reason})
		w.finds = w.s.keep(w.finds, newFinding(path, "", FormatSymlink, "ARC007", -1, reason))
		return nil
	}
	fi, err := os.Stat(t)
	switch {
	case err == nil && fi.Mode().IsRegular():
		// Scanned under the link's name, as loaders open it (a Hugging
		// Face snapshot's model.safetensors is a link into blobs/).
		w.ts = append(w.ts, target{path: path, root: w.arg})
	case err == nil && fi.IsDir() && w.s.opts.FollowSymlinks:
		if w.visited[t] {
			w.res = append(w.res, FileResult{Path: path, Format: FormatSymlink, Status: StatusSkipped, Reason: "link to a folder already scanned (" + t + ")"})
			return nil
		}
		w.visited[t] = true
		return w.walk(path + string(filepath.Separator))
	case err == nil && fi.IsDir():
		w.res = append(w.res, FileResult{Path: path, Format: FormatSymlink, Status: StatusSkipped, Reason: "link to a folder inside the link roots; pass --follow-symlinks to scan it"})
	default:
		w.res = append(w.res, FileResult{Path: path, Format: FormatSymlink, Status: StatusSkipped, Reason: "link to a special file"})
	}
	return nil
}

// resolveLink reports the link's target and whether it stays inside one of
// the roots.
func resolveLink(roots []string, link string) (string, bool, string) {
	t, err := filepath.EvalSymlinks(link)
	if err != nil {
		return "", false, fmt.Sprintf("broken symbolic link: %v", err)
	}
	t, _ = filepath.Abs(t)
	for _, root := range roots {
		rel, err := filepath.Rel(root, t)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return t, true, ""
		}
	}
	return t, false, fmt.Sprintf("symbolic link to %s, outside the scanned folder; not followed (scan the target, or allow its folder with --symlink-root)", t)
}
