package manifest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// file is one regular file to hash.
type file struct {
	name string // slash path relative to the root, or base name for a file root
	path string // OS path to open
	size int64
}

// effectiveIgnores merges the defaults with the caller's list, cleaned,
// de-duplicated and sorted so the recorded list is deterministic.
func effectiveIgnores(user []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range append(append([]string(nil), DefaultIgnorePaths...), user...) {
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

func ignored(rel string, ignores []string) bool {
	for _, ig := range ignores {
		if rel == ig || strings.HasPrefix(rel, ig+"/") {
			return true
		}
	}
	return false
}

// listFiles enumerates the regular files of root. Directory entries come in
// lexical order from WalkDir; the caller sorts the final items anyway.
func listFiles(root string, ignores []string, opts Options) ([]file, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("model path: %w", err)
	}
	if st.Mode().IsRegular() {
		return []file{{name: filepath.Base(root), path: root, size: st.Size()}}, nil
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: %w", root, ErrSpecialFile)
	}
	var files []file
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
				return filepath.SkipDir
			}
			return nil
		}
		mode := d.Type()
		switch {
		case mode.IsDir():
			return nil
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
			if opts.Include == nil || opts.Include(rel) {
				files = append(files, file{name: rel, path: p, size: tst.Size()})
			}
			return nil
		case mode.IsRegular():
			if opts.Include != nil && !opts.Include(rel) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			files = append(files, file{name: rel, path: p, size: info.Size()})
			return nil
		default:
			return fmt.Errorf("%s: %w (%s)", rel, ErrSpecialFile, mode.Type())
		}
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}
