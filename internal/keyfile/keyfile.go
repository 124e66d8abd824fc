// Package keyfile reads and creates the server's secret key files (the audit
// log signing key, the webhook secret key): created 0600 in a 0700 folder,
// never overwritten, and refused when the group or others can read them,
// since a key others can read is no longer a secret.
package keyfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ReadOrCreate returns the trimmed contents of the key file at path. If it
// does not exist, it writes generate's output there (mode 0600, created
// exclusively, so two processes never overwrite each other's key) and
// reports created. An existing file with any group or other permission bit
// is refused.
func ReadOrCreate(path string, generate func() ([]byte, error)) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err := generate()
		if err != nil {
			return nil, false, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, false, err
		}
		_, werr := f.Write(append(bytes.TrimSpace(key), '\n'))
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, false, err
		}
		return bytes.TrimSpace(key), true, nil
	}
	if err != nil {
		return nil, false, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("%s: mode %v, want 0600 (chmod 600 it)", path, fi.Mode().Perm())
	}
	return bytes.TrimSpace(b), false, nil
}
