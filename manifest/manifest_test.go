package manifest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/crypto/blake2b"
	"lukechampine.com/blake3"

	"github.com/mlsec/mlsec/internal/testfs"
)

// writeTree creates files (slash paths → content) under a fresh temp dir.
func writeTree(t testing.TB, files map[string]string) string { return testfs.Tree(t, files) }

// sampleModel is the reference test fixture "sample_model_folder"
// (model-transparency tests/conftest.py).
func sampleModel(t testing.TB) string {
	files := map[string]string{}
	for i := range 2 {
		for j := range 3 {
			files[fmtName("d%d/f%d%d", i, i, j)] = fmtName("This is file f%d%d in d%d.", i, j, i)
		}
	}
	for i := range 4 {
		files[fmtName("f%d", i)] = fmtName("This is file f%d in root.", i)
	}
	return writeTree(t, files)
}

func names(m *Manifest) []string {
	var out []string
	for _, it := range m.Items {
		out = append(out, it.Name)
	}
	return out
}

// pythonOrderRoot recomputes the root digest in the reference's order
// (path, then numeric shard start) to compare with its goldens.
func pythonOrderRoot(t *testing.T, m *Manifest) string {
	items := append([]Item(nil), m.Items...)
	sort.Slice(items, func(i, j int) bool {
		pi, si, _, err1 := ParseShardName(items[i].Name)
		pj, sj, _, err2 := ParseShardName(items[j].Name)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if pi != pj {
			return pi < pj
		}
		return si < sj
	})
	return hex.EncodeToString((&Manifest{Items: items}).RootDigest())
}

func TestHashGoldens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	folder := sampleModel(t)
	single := filepath.Join(writeTree(t, map[string]string{"model.bin": "This is a simple model"}), "model.bin")

	m, err := Hash(ctx, folder, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Golden subject digest of TestPayload/sample_model_folder.
	if got := hex.EncodeToString(m.RootDigest()); got != "143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7" {
		t.Errorf("files root = %s", got)
	}
	want := []string{"d0/f00", "d0/f01", "d0/f02", "d1/f10", "d1/f11", "d1/f12", "f0", "f1", "f2", "f3"}
	if !reflect.DeepEqual(names(m), want) {
		t.Errorf("names = %v", names(m))
	}
	if hex.EncodeToString(m.Items[0].Digest) != "fdd8925354242a7fd1515e79534317b800015607a609cd306e0b4dcfe6c92249" {
		t.Errorf("d0/f00 digest = %x", m.Items[0].Digest)
	}

	ms, err := Hash(ctx, folder, Options{ShardSize: 8, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Golden TestPayload/sample_model_folder_small_shards (Python order).
	if got := pythonOrderRoot(t, ms); got != "2139af57fd2a4f324ac7cd0fc04898cce73d0871b363c8eb3fc07ab7da4c8445" {
		t.Errorf("shard root = %s", got)
	}
	if len(ms.Items) != 30 || ms.Items[1].Name != "d0/f00:16:23" {
		t.Errorf("shard items in code-point order: %v", names(ms))
	}

	m1, err := Hash(ctx, single, Options{ShardSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	// Golden TestPayload/sample_model_file_small_shards.
	if got := pythonOrderRoot(t, m1); got != "57d54248751a51781ac2bed647670df0c45d3926e337021585c34a82384b6573" {
		t.Errorf("single-file shard root = %s", got)
	}
	if m1.Items[0].Name != "model.bin:0:8" {
		t.Errorf("single-file shard name = %q", m1.Items[0].Name)
	}
	mf, err := Hash(ctx, single, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(mf.Items) != 1 || mf.Items[0].Name != "model.bin" || mf.Items[0].Size != 22 {
		t.Errorf("single file = %+v", mf.Items)
	}
}

func TestAlgorithms(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"w": "abc"})
	b2 := blake2b.Sum512([]byte("abc"))
	b3 := blake3.Sum256([]byte("abc"))
	s2 := sha256.Sum256([]byte("abc"))
	for _, tc := range []struct {
		alg  string
		want []byte
	}{{"", s2[:]}, {SHA256, s2[:]}, {BLAKE2b, b2[:]}, {BLAKE3, b3[:]}} {
		m, err := Hash(context.Background(), root, Options{Algorithm: tc.alg})
		if err != nil {
			t.Fatal(tc.alg, err)
		}
		if !reflect.DeepEqual(m.Items[0].Digest, tc.want) {
			t.Errorf("%s: digest %x", tc.alg, m.Items[0].Digest)
		}
	}
	if _, err := Hash(context.Background(), root, Options{Algorithm: "md5"}); !errors.Is(err, ErrUnknownHash) {
		t.Errorf("md5: %v", err)
	}
	if _, err := Hash(context.Background(), root, Options{Algorithm: BLAKE3, ShardSize: 2}); !errors.Is(err, ErrUnsupportedMode) {
		t.Errorf("blake3 shards: %v", err)
	}
}

func TestFileHandlingRules(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{
		".git/HEAD":                  "ref",
		".github/workflows/x.yml":    "x",
		".gitignore":                 "*",
		".gitattributes":             "x",
		"sub/.gitignore":             "nested git files are signed",
		".cache/huggingface/x.lock":  "hf download leftovers are signed, like the reference",
		".env.example":               "dotfiles are signed",
		"path with spaces/model.bin": "s",
		"模型.bin":                     "unicode",
		"file (copy).bin":            "p",
		"empty.bin":                  "",
		"ignore-me/deep/x":           "ignored subtree",
		"a:b:c.bin":                  "colons",
		"model.sig":                  "signature",
		"keep/model.sig":             "only the top-level one is ignored",
		"tokenizer/vocab.json":       "v",
		"tokenizer.json":             "t",
	})
	m, err := Hash(context.Background(), root, Options{IgnorePaths: []string{"ignore-me/", "./model.sig"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".cache/huggingface/x.lock", ".env.example", "a:b:c.bin", "empty.bin", "file (copy).bin",
		"keep/model.sig", "path with spaces/model.bin", "sub/.gitignore", "tokenizer.json", "tokenizer/vocab.json", "模型.bin"}
	if !reflect.DeepEqual(names(m), want) {
		t.Errorf("names =\n%q\nwant\n%q", names(m), want)
	}
	wantIgn := []string{".git", ".gitattributes", ".github", ".gitignore", "ignore-me", "model.sig"}
	if !reflect.DeepEqual(m.IgnorePaths, wantIgn) {
		t.Errorf("ignore paths = %q", m.IgnorePaths)
	}
	// Shards: the empty file has no shard; names with colons round-trip.
	ms, err := Hash(context.Background(), root, Options{ShardSize: 4, IgnorePaths: []string{"ignore-me", "model.sig"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range ms.Items {
		p, _, _, err := ParseShardName(it.Name)
		if err != nil {
			t.Fatal(err)
		}
		if p == "empty.bin" {
			t.Error("empty file produced a shard")
		}
		if strings.HasPrefix(it.Name, "a:b:c.bin:") && p != "a:b:c.bin" {
			t.Errorf("parsed %q as %q", it.Name, p)
		}
	}
	// Include restricts the set.
	mi, err := Hash(context.Background(), root, Options{Include: func(p string) bool { return p == "tokenizer.json" }})
	if err != nil || len(mi.Items) != 1 {
		t.Errorf("include: %v %v", err, mi)
	}
}

func TestSymlinksAndSpecialFiles(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"target.bin": "data", "d/x": "y"})
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, os.Symlink("target.bin", filepath.Join(root, "link.bin")))
	must(t, os.Symlink(outside, filepath.Join(root, "out.bin")))

	_, err := Hash(context.Background(), root, Options{})
	if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), "link.bin") {
		t.Errorf("default symlink policy: %v", err)
	}
	m, err := Hash(context.Background(), root, Options{AllowSymlinks: true})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	for _, it := range m.Items {
		byName[it.Name] = it.Digest
	}
	if !reflect.DeepEqual(byName["link.bin"], byName["target.bin"]) || byName["out.bin"] == nil {
		t.Errorf("followed links: %v", names(m))
	}
	// Cycles and links to directories are rejected even when allowed.
	must(t, os.Symlink("loop2", filepath.Join(root, "loop1")))
	must(t, os.Symlink("loop1", filepath.Join(root, "loop2")))
	if _, err := Hash(context.Background(), root, Options{AllowSymlinks: true}); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("cycle: %v", err)
	}
	root2 := writeTree(t, map[string]string{"d/x": "y"})
	must(t, os.Symlink("d", filepath.Join(root2, "dirlink")))
	if _, err := Hash(context.Background(), root2, Options{AllowSymlinks: true}); !errors.Is(err, ErrSpecialFile) {
		t.Errorf("dir link: %v", err)
	}
	root3 := writeTree(t, map[string]string{"a": "b"})
	must(t, syscall.Mkfifo(filepath.Join(root3, "fifo"), 0o644))
	if _, err := Hash(context.Background(), root3, Options{}); !errors.Is(err, ErrSpecialFile) {
		t.Errorf("fifo: %v", err)
	}
}

func TestEmptyAndErrors(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{".gitignore": "only git files"})
	if _, err := Hash(context.Background(), root, Options{}); !errors.Is(err, ErrNoFiles) {
		t.Errorf("empty model: %v", err)
	}
	if _, err := Hash(context.Background(), filepath.Join(root, "nope"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	for _, bad := range []string{"/abs", "a/../b", "*.bin", ""} {
		if _, err := Hash(context.Background(), root, Options{IgnorePaths: []string{bad}}); !errors.Is(err, ErrInvalidIgnore) {
			t.Errorf("ignore %q: %v", bad, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Hash(ctx, sampleModel(t), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	for _, bad := range []string{"x", "x:1", "x:a:2", "x:3:2"} {
		if _, _, _, err := ParseShardName(bad); !errors.Is(err, ErrInvalidShard) {
			t.Errorf("shard %q: %v", bad, err)
		}
	}
}

func TestWorkersAndProgress(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"big": strings.Repeat("x", 10<<20+3), "small": "s"})
	var last, total int64
	calls := 0
	m1, err := Hash(context.Background(), root, Options{ShardSize: 1 << 20, Workers: 1})
	must(t, err)
	m8, err := Hash(context.Background(), root, Options{ShardSize: 1 << 20, Workers: 8, Progress: func(d, tot int64) {
		if d < last {
			t.Errorf("progress went back: %d < %d", d, last)
		}
		last, total = d, tot
		calls++
	}})
	must(t, err)
	if !reflect.DeepEqual(m1, m8) {
		t.Error("worker count changed the manifest")
	}
	if last != total || total != 10<<20+4 || calls == 0 {
		t.Errorf("progress %d/%d after %d calls", last, total, calls)
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	exp := []Item{{Name: "a", Digest: []byte{1}}, {Name: "b", Digest: []byte{2}}, {Name: "c", Digest: []byte{3}}}
	act := []Item{{Name: "d", Digest: []byte{4}}, {Name: "b", Digest: []byte{9}}, {Name: "a", Digest: []byte{1}}}
	d := Compare(exp, act)
	if !reflect.DeepEqual(d.Missing, []string{"c"}) || !reflect.DeepEqual(d.Extra, []string{"d"}) ||
		len(d.Changed) != 1 || d.Changed[0].Name != "b" || d.Empty() {
		t.Errorf("diff = %+v", d)
	}
	if d := Compare(exp, exp); !d.Empty() {
		t.Errorf("self diff = %+v", d)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
