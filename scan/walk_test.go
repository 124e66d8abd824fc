package scan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const evilP2 = "\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."

func TestEmptyFolder(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	onlyDirs := t.TempDir()
	if err := os.MkdirAll(filepath.Join(onlyDirs, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{empty, onlyDirs} {
		s, _ := New(Options{})
		if _, err := s.Scan(context.Background(), dir); !errors.Is(err, ErrNothingToScan) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: err %v, want ErrNothingToScan naming the folder", dir, err)
		}
		s, _ = New(Options{AllowEmpty: true})
		rep, err := s.Scan(context.Background(), dir)
		if err != nil || len(rep.Files) != 0 {
			t.Errorf("%s with AllowEmpty: %v %+v", dir, err, rep)
		}
	}
	// A folder whose only file is excluded is not empty: the file is listed.
	dir := t.TempDir()
	writeFile(t, dir, "x.pkl", []byte(evilP2))
	s, _ := New(Options{Exclude: []string{"*.pkl"}})
	if rep, err := s.Scan(context.Background(), dir); err != nil || len(rep.Files) != 1 {
		t.Errorf("excluded-only folder: %v %+v", err, rep)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// hfCache lays out a Hugging Face hub cache repository the way
// huggingface_hub does: blobs named by hash, snapshot files linking to them.
func hfCache(t *testing.T) (snapshot, outside string) {
	t.Helper()
	base := t.TempDir()
	repo := filepath.Join(base, "hub", "models--org--name")
	writeFile(t, filepath.Join(repo, "blobs"), "3f2a9c", []byte(evilP2))
	writeFile(t, filepath.Join(repo, "blobs"), "77aa01", []byte(`{"architectures": ["BertModel"]}`))
	writeFile(t, filepath.Join(repo, "refs"), "main", []byte("0123abcd"))
	snapshot = filepath.Join(repo, "snapshots", "0123abcd")
	symlink(t, "../../blobs/3f2a9c", filepath.Join(snapshot, "pytorch_model.bin"))
	symlink(t, "../../blobs/77aa01", filepath.Join(snapshot, "config.json"))
	outside = filepath.Join(base, "elsewhere")
	writeFile(t, outside, "secret.bin", []byte(evilP2))
	symlink(t, filepath.Join(outside, "secret.bin"), filepath.Join(snapshot, "extra.bin"))
	return snapshot, outside
}

func TestHuggingFaceCacheSnapshot(t *testing.T) {
	t.Parallel()
	snapshot, outside := hfCache(t)
	rep := scanPaths(t, snapshot)
	// The blob is analysed under the snapshot's name.
	var got *Finding
	for i, f := range rep.Findings {
		if f.RuleID == "PKL001" && filepath.Base(f.Path) == "pytorch_model.bin" {
			got = &rep.Findings[i]
		}
	}
	if got == nil {
		t.Fatalf("no PKL001 on snapshots/…/pytorch_model.bin:%s", dump(rep))
	}
	// A link leaving the repository's cache folder is still ARC007.
	arc := findRule(rep, "ARC007", "")
	if arc == nil || filepath.Base(arc.Path) != "extra.bin" || !strings.Contains(arc.Message, outside) {
		t.Fatalf("no ARC007 for extra.bin:%s", dump(rep))
	}
	// With the outside folder declared a link root, it is followed.
	s, _ := New(Options{SymlinkRoots: []string{outside}})
	rep, err := s.Scan(context.Background(), snapshot)
	if err != nil {
		t.Fatal(err)
	}
	if findRule(rep, "ARC007", "") != nil || len(rep.Findings) < 2 {
		t.Fatalf("--symlink-root: %s", dump(rep))
	}
}

func TestFollowSymlinks(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "shared"), "model.pkl", []byte(evilP2))
	symlink(t, "../shared", filepath.Join(root, "model", "weights"))
	symlink(t, "..", filepath.Join(root, "shared", "loop")) // a cycle back to root
	out := t.TempDir()
	writeFile(t, out, "x.pkl", []byte(evilP2))
	symlink(t, out, filepath.Join(root, "model", "away"))

	// Without the flag, the folder link is listed, not entered.
	rep := scanPaths(t, filepath.Join(root, "model"))
	if findRule(rep, "PKL001", "") != nil {
		t.Fatalf("folder link followed without --follow-symlinks:%s", dump(rep))
	}
	s, _ := New(Options{FollowSymlinks: true})
	rep, err := s.Scan(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range rep.Findings {
		if f.RuleID == "PKL001" {
			n++
		}
	}
	// shared/model.pkl directly and through model/weights: the cycle adds nothing.
	if n != 2 {
		t.Fatalf("want the pickle scanned twice (own name and link name), got %d:%s", n, dump(rep))
	}
	if f := findRule(rep, "ARC007", ""); f == nil || filepath.Base(f.Path) != "away" {
		t.Fatalf("link out of the root not reported:%s", dump(rep))
	}
}
