package keyfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadOrCreate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys", "k")
	gen := func() ([]byte, error) { return []byte("secret\n"), nil }
	k, created, err := ReadOrCreate(path, gen)
	if err != nil || !created || string(k) != "secret" {
		t.Fatalf("create: %q %v %v", k, created, err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, _ := os.Stat(p); fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	k, created, err = ReadOrCreate(path, func() ([]byte, error) { t.Fatal("regenerated an existing key"); return nil, nil })
	if err != nil || created || string(k) != "secret" {
		t.Fatalf("read: %q %v %v", k, created, err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604} { // readable by the group, by others
		os.Chmod(path, mode)
		if _, _, err := ReadOrCreate(path, gen); err == nil {
			t.Errorf("a key file with mode %v was accepted", mode)
		}
	}
}
