package manifest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// file is one regular file to hash.
type file struct {
	name string // slash path relative to the root, or base name for a file root
	path string // OS path to open
	size int64
}

// listing is what enumerating a model found.
type listing struct {
	root        string // the model root with a symbolic link at the top resolved
	dir         bool
	files       []file
	attachments []Attachment
	warnings    []string
	ignored     []string // entries left out by an ignore path (folders end in /)
	unlisted    int      // regular files left out by Options.Include
}

// effectiveIgnores merges the defaults (unless keepGit) with the caller's
// list, cleaned, de-duplicated and sorted so the recorded list is
// deterministic.
func effectiveIgnores(user []string, keepGit bool) ([]string, error) {
	var all []string
	if !keepGit {
		all = append(all, DefaultIgnorePaths...)
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range append(all, user...) {
		p = strings.TrimSuffix(filepath.ToSlash(p), "/")
		p = strings.TrimPrefix(p, "./")
		if err := ValidateIgnorePath(p); err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ignored matches exact paths and whole directories only: "model.sig"
// ignores model.sig and model.sig/x, never model.sig.pkl.
func ignored(rel string, ignores []string) bool {
	for _, ig := range ignores {
		if rel == ig || strings.HasPrefix(rel, ig+"/") {
			return true
		}
	}
	return false
}

// resolveRoot follows a symbolic link given as the model path itself (the
// user named it; links inside the model follow AllowSymlinks).
func resolveRoot(root string) (string, os.FileInfo, error) {
	st, err := os.Stat(root)
	if err != nil {
		return "", nil, fmt.Errorf("model path: %w", err)
	}
	if li, err := os.Lstat(root); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		if r, err := filepath.EvalSymlinks(root); err == nil {
			root = r
		}
	}
	return root, st, nil
}

// listFiles enumerates the model files of root: every regular file except
// ignored paths and attachments. Directory entries come in lexical order
// from WalkDir; the caller sorts the final items anyway.
func listFiles(root string, ignores []string, opts Options) (*listing, error) {
	root, st, err := resolveRoot(root)
	if err != nil {
		return nil, err
	}
	l := &listing{root: root, dir: st.IsDir()}
	if st.Mode().IsRegular() {
		name := filepath.Base(root)
		if !utf8.ValidString(name) {
			return nil, fmt.Errorf("%q: %w", name, ErrInvalidName)
		}
		l.files = []file{{name: name, path: root, size: st.Size()}}
		return l, nil
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: %w", root, ErrSpecialFile)
	}
	realRoot := root
	if opts.AllowSymlinks {
		// Targets are compared with the fully resolved root.
		if r, err := filepath.EvalSymlinks(root); err == nil {
			realRoot = r
		}
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if ignored(rel, ignores) {
			if d.IsDir() {
				l.ignored = append(l.ignored, rel+"/")
				return filepath.SkipDir
			}
			l.ignored = append(l.ignored, rel)
			return nil
		}
		mode := d.Type()
		if mode.IsDir() {
			return nil
		}
		if opts.Include != nil && !opts.Include(rel) {
			l.unlisted++
			return nil
		}
		// OMS §6.1.2: a name that is not UTF-8 cannot be written into the
		// JSON bundle losslessly (it would become U+FFFD, so the bundle
		// could never verify and two such names would collide).
		if !utf8.ValidString(rel) {
			return fmt.Errorf("%q: %w: rename it (OMS v1.0 §6.1.2)", rel, ErrInvalidName)
		}
		size := int64(0)
		switch {
		case mode&fs.ModeSymlink != 0:
			if !opts.AllowSymlinks {
				return fmt.Errorf("%s: %w (pass --allow-symlinks to follow it, or replace the link by the file)", rel, ErrSymlink)
			}
			// Follow the link: the target's content is hashed under the
			// link's name, as the reference does.
			tst, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("%s: broken or looping symbolic link: %w", rel, err)
			}
			if !tst.Mode().IsRegular() {
				return fmt.Errorf("%s: %w: symbolic link to a directory or special file", rel, ErrSpecialFile)
			}
			if w := outsideWarning(realRoot, p, rel); w != "" {
				l.warnings = append(l.warnings, w)
			}
			size = tst.Size()
		case mode.IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			size = info.Size()
		default:
			return fmt.Errorf("%s: %w (%s)", rel, ErrSpecialFile, mode.Type())
		}
		if opts.Listed == nil || !opts.Listed(rel) {
			kind, err := IsAttachment(rel, p)
			if err != nil {
				return err
			}
			if kind != "" {
				l.attachments = append(l.attachments, Attachment{Path: rel, Kind: kind})
				return nil
			}
		}
		l.files = append(l.files, file{name: rel, path: p, size: size})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// outsideWarning is the OMS §6.1.1 warning for a followed link whose target
// lies outside the model (its content is signed under the link's name, but
// it can change without anything in the model folder changing).
func outsideWarning(realRoot, link, rel string) string {
	target, err := filepath.EvalSymlinks(link)
	if err != nil {
		return ""
	}
	if _, ok := within(realRoot, target); ok {
		return ""
	}
	return fmt.Sprintf("%s: symbolic link to %s, outside the model: its target is signed under the link's name", rel, target)
}

// within returns p relative to root (both absolute, resolved) when p lies
// strictly inside root.
func within(root, p string) (string, bool) {
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// Inside returns the model-relative slash path of p when p lies inside the
// model folder root, after resolving symbolic links in both (p need not
// exist yet; its last element is not resolved). A relative p is taken from the
// working directory, never from the model. ok is false when p is outside,
// is the root itself, or root is not a folder.
func Inside(root, p string) (rel string, ok bool) {
	st, err := os.Stat(root)
	if err != nil || !st.IsDir() {
		return "", false
	}
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", false
	}
	if r, err = filepath.Abs(r); err != nil {
		return "", false
	}
	ap, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	// The entry itself is not resolved: a link at p is what the model
	// folder holds, wherever it points.
	if parent, err := filepath.EvalSymlinks(filepath.Dir(ap)); err == nil {
		ap = filepath.Join(parent, filepath.Base(ap))
	}
	return within(r, ap)
}
