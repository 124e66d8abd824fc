package testfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/internal/testfs"
)

func TestTree(t *testing.T) {
	t.Parallel()
	root := testfs.Tree(t, map[string]string{"a/b.txt": "x", "c": ""})
	if b, err := os.ReadFile(filepath.Join(root, "a", "b.txt")); err != nil || string(b) != "x" {
		t.Errorf("a/b.txt: %q %v", b, err)
	}
	if st, err := os.Stat(filepath.Join(root, "c")); err != nil || st.Size() != 0 {
		t.Errorf("c: %v", err)
	}
}
