package manifest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const (
	bundleDoc = `{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "dsseEnvelope": {"payload": "e30="}}`
	bomDoc    = `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"bomFormat": "nested"}]}`
	pickle    = "\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
)

// TestAttachmentRule pins the one definition of the model's files: an mlsec
// attachment (name AND content) is left out and recorded; the same name with
// other content is a model file, so nothing leaves the signature by its
// name alone.
func TestAttachmentRule(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{
		"w.bin":                   "weights",
		"model.sig":               bundleDoc,
		"bom.cdx.json":            bomDoc,
		"sub/scan.evidence.json":  `[{"type": "scan"}]`,
		"att/x.dsse.json":         `{"payloadType": "application/vnd.in-toto+json"}`,
		"keep/model.sig":          bundleDoc,               // only the top-level one is the signature
		"evil.cdx.json":           pickle,                  // a pickle named like a BOM
		"notbom.cdx.json":         `{"bomFormat": "SPDX"}`, // another document
		"nested.cdx.json":         `{"x": {"bomFormat": "CycloneDX"}}`,
		"two.evidence.json":       `{}{}`,
		"scalar.intoto.json":      `"just a string"`,
		"trunc.att.json":          `{"type": `,
		"UPPER.CDX.JSON":          bomDoc,
		"model.sig.pkl":           pickle,
		"tokenizer/x.evidence.js": `{}`,
	})
	m, err := Hash(context.Background(), root, Options{})
	must(t, err)
	wantFiles := []string{"evil.cdx.json", "keep/model.sig", "model.sig.pkl", "nested.cdx.json", "notbom.cdx.json",
		"scalar.intoto.json", "tokenizer/x.evidence.js", "trunc.att.json", "two.evidence.json", "w.bin"}
	if got := names(m); !reflect.DeepEqual(got, wantFiles) {
		t.Errorf("model files =\n%q\nwant\n%q", got, wantFiles)
	}
	wantAtt := []Attachment{{"UPPER.CDX.JSON", KindBOM}, {"att/x.dsse.json", KindEvidence}, {"bom.cdx.json", KindBOM},
		{"model.sig", KindSignature}, {"sub/scan.evidence.json", KindEvidence}}
	got := slices.Clone(m.Attachments)
	slices.SortFunc(got, func(a, b Attachment) int { return strings.Compare(a.Path, b.Path) })
	if !reflect.DeepEqual(got, wantAtt) {
		t.Errorf("attachments = %v", got)
	}
	wantIgn := []string{".git", ".gitattributes", ".github", ".gitignore", "UPPER.CDX.JSON", "att/x.dsse.json", "bom.cdx.json",
		"model.sig", "sub/scan.evidence.json"}
	if !reflect.DeepEqual(m.IgnorePaths, wantIgn) {
		t.Errorf("recorded ignore_paths = %q", m.IgnorePaths)
	}
	// Listed files are hashed whatever they are: a signature that lists
	// bom.cdx.json keeps covering it.
	ml, err := Hash(context.Background(), root, Options{Listed: func(p string) bool { return p == "bom.cdx.json" }})
	must(t, err)
	if !slices.Contains(names(ml), "bom.cdx.json") || len(ml.Attachments) != 4 {
		t.Errorf("listed attachment: %q %v", names(ml), ml.Attachments)
	}
	// The identity ignores attachments: adding one keeps it, adding a
	// pickle under an attachment name changes it.
	id1, err := Identity(context.Background(), root, nil)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(root, "more.evidence.json"), []byte(`{"type": "x"}`), 0o644))
	id2, err := Identity(context.Background(), root, nil)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(root, "more.evidence.json"), []byte(pickle), 0o644))
	id3, err := Identity(context.Background(), root, nil)
	must(t, err)
	if !bytes.Equal(id1, id2) || bytes.Equal(id2, id3) {
		t.Errorf("identity: attachment changed it %v, disguised pickle left it %v", !bytes.Equal(id1, id2), bytes.Equal(id2, id3))
	}
}

// TestModelSigIsReservedUnlessSigned: model.sig is recorded as ignored
// (the signature's place) unless a model file of that name was signed.
func TestModelSigIsReservedUnlessSigned(t *testing.T) {
	t.Parallel()
	m, err := Hash(context.Background(), writeTree(t, map[string]string{"w": "x"}), Options{})
	must(t, err)
	if !slices.Contains(m.IgnorePaths, SignatureFile) {
		t.Errorf("model.sig not reserved: %q", m.IgnorePaths)
	}
	m, err = Hash(context.Background(), writeTree(t, map[string]string{"w": "x", "model.sig": "real data"}), Options{})
	must(t, err)
	if slices.Contains(m.IgnorePaths, SignatureFile) || !slices.Contains(names(m), SignatureFile) {
		t.Errorf("a model file named model.sig: ignores %q files %q", m.IgnorePaths, names(m))
	}
}

// TestIgnoreMatchesExactOrDirectory kills the prefix-matching mutant (issue
// 11): a sibling that shares a prefix with an ignore path is a model file.
func TestIgnoreMatchesExactOrDirectory(t *testing.T) {
	t.Parallel()
	siblings := []string{".gitx.pkl", ".git.pkl", ".gitattributes.pkl", ".githubx/a.pkl", ".gitignore.pkl",
		"model.sig.pkl", "model.sigx/a.pkl", "ignore-me.pkl", "ignore-mex/a.pkl"}
	for _, sib := range siblings {
		t.Run(sib, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"w.bin": "w", ".git/HEAD": "ref", ".gitattributes": "a", ".github/x": "g",
				".gitignore": "i", "model.sig": bundleDoc, "ignore-me/x": "x"}
			root := writeTree(t, files)
			before, err := Identity(context.Background(), root, []string{"ignore-me"})
			must(t, err)
			p := filepath.Join(root, filepath.FromSlash(sib))
			must(t, os.MkdirAll(filepath.Dir(p), 0o755))
			must(t, os.WriteFile(p, []byte(pickle), 0o644))
			m, err := Hash(context.Background(), root, Options{IgnorePaths: []string{"ignore-me", "model.sig"}})
			must(t, err)
			if !slices.Contains(names(m), sib) {
				t.Errorf("%s is hidden by a prefix match: %q", sib, names(m))
			}
			after, err := Identity(context.Background(), root, []string{"ignore-me"})
			must(t, err)
			if bytes.Equal(before, after) {
				t.Errorf("adding %s left the identity unchanged", sib)
			}
		})
	}
}

func TestNonUTF8NamesRefused(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"ok.bin": "x"})
	must(t, os.WriteFile(filepath.Join(root, "bad\xff.bin"), []byte("a"), 0o644))
	_, err := Hash(context.Background(), root, Options{})
	if !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), `"bad\xff.bin"`) {
		t.Errorf("non-UTF-8 name: %v", err)
	}
	// A second such name would have collided after U+FFFD replacement.
	must(t, os.WriteFile(filepath.Join(root, "bad\xfe.bin"), []byte("b"), 0o644))
	if _, err := Hash(context.Background(), root, Options{ShardSize: 4}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("shards: %v", err)
	}
	// Ignored paths are never looked at, and a non-UTF-8 single file is refused.
	git := writeTree(t, map[string]string{"ok.bin": "x"})
	must(t, os.MkdirAll(filepath.Join(git, ".git"), 0o755))
	must(t, os.WriteFile(filepath.Join(git, ".git", "\xff"), []byte("a"), 0o644))
	if _, err := Hash(context.Background(), git, Options{}); err != nil {
		t.Errorf("ignored non-UTF-8 name: %v", err)
	}
	if _, err := Hash(context.Background(), filepath.Join(root, "bad\xff.bin"), Options{}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("single file: %v", err)
	}
}

func TestSymlinkedRootIsFollowed(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"w.bin": "w", "d/c.json": "{}"})
	link := filepath.Join(t.TempDir(), "link")
	must(t, os.Symlink(root, link))
	direct, err := Hash(context.Background(), root, Options{})
	must(t, err)
	via, err := Hash(context.Background(), link, Options{})
	must(t, err)
	if !reflect.DeepEqual(names(direct), names(via)) || !bytes.Equal(direct.RootDigest(), via.RootDigest()) || len(via.Items) != 2 {
		t.Errorf("through the link: %q, direct %q", names(via), names(direct))
	}
	flink := filepath.Join(t.TempDir(), "wlink.bin")
	must(t, os.Symlink(filepath.Join(root, "w.bin"), flink))
	if m, err := Hash(context.Background(), flink, Options{}); err != nil || names(m)[0] != "w.bin" {
		t.Errorf("single-file link: %v", err)
	}
}

// TestOutsideLinkWarnings: OMS §6.1.1 asks for a warning per followed link
// whose target lies outside the model.
func TestOutsideLinkWarnings(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"target.bin": "data", "d/x": "y"})
	outside := filepath.Join(t.TempDir(), "outside.bin")
	must(t, os.WriteFile(outside, []byte("o"), 0o644))
	must(t, os.Symlink("target.bin", filepath.Join(root, "in.bin")))
	must(t, os.Symlink("../target.bin", filepath.Join(root, "d", "up.bin")))
	must(t, os.Symlink(outside, filepath.Join(root, "out.bin")))
	must(t, os.Symlink("../../"+filepath.Base(filepath.Dir(outside))+"/outside.bin", filepath.Join(root, "d", "rel-out.bin")))
	m, err := Hash(context.Background(), root, Options{AllowSymlinks: true})
	must(t, err)
	if len(m.Warnings) != 2 || !strings.HasPrefix(m.Warnings[0], "d/rel-out.bin: ") || !strings.HasPrefix(m.Warnings[1], "out.bin: ") ||
		!strings.Contains(m.Warnings[1], outside) {
		t.Errorf("warnings = %q", m.Warnings)
	}
}

func TestKeepGitPaths(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"w": "x", ".git/HEAD": "ref", ".gitattributes": "lfs"})
	m, err := Hash(context.Background(), root, Options{KeepGitPaths: true})
	must(t, err)
	if !reflect.DeepEqual(names(m), []string{".git/HEAD", ".gitattributes", "w"}) || slices.Contains(m.IgnorePaths, ".git") {
		t.Errorf("kept git paths: %q ignores %q", names(m), m.IgnorePaths)
	}
}

// TestNoFilesNamesTheCause: "no files to hash" says why.
func TestNoFilesNamesTheCause(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	must(t, os.Mkdir(filepath.Join(empty, "sub"), 0o755))
	for _, c := range []struct {
		name, root string
		opts       Options
		want       string
	}{
		{"empty folder", empty, Options{}, "holds no regular file"},
		{"only ignored", writeTree(t, map[string]string{".gitignore": "x", ".git/HEAD": "y", "n.txt": "z"}), Options{IgnorePaths: []string{"n.txt"}},
			"3 path(s) are ignored (.git/, .gitignore, n.txt)"},
		{"empty files in shards", writeTree(t, map[string]string{"a": "", "b": ""}), Options{ShardSize: 8}, "the 2 file(s) left are empty"},
		{"only attachments", writeTree(t, map[string]string{"model.sig": bundleDoc}), Options{}, "1 file(s) are mlsec attachments, not model files (model.sig)"},
	} {
		_, err := Hash(context.Background(), c.root, c.opts)
		if !errors.Is(err, ErrNoFiles) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "after applying") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestReuse: a second hash of the same root reads only what the first did
// not cover, and never trusts another root, algorithm or a changed size.
func TestReuse(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{"a": "aaaa", "b": "bbbbbbbb", "model.sig": bundleDoc})
	first, err := Hash(context.Background(), root, Options{})
	must(t, err)
	var total int64
	progress := func(_, tot int64) { total = tot }
	// b grows: rehashed; a reused; model.sig listed: hashed now.
	must(t, os.WriteFile(filepath.Join(root, "b"), []byte("bbbbbbbbb"), 0o644))
	m, err := Hash(context.Background(), root, Options{Reuse: first, Progress: progress,
		Listed: func(p string) bool { return p == SignatureFile }})
	must(t, err)
	if total != 9+int64(len(bundleDoc)) || len(m.Items) != 3 {
		t.Errorf("hashed %d bytes, items %q", total, names(m))
	}
	full, err := Hash(context.Background(), root, Options{Listed: func(p string) bool { return p == SignatureFile }})
	must(t, err)
	if !reflect.DeepEqual(m.Items, full.Items) {
		t.Error("reused manifest differs from a full hash")
	}
	other := writeTree(t, map[string]string{"a": "AAAA", "b": "bbbbbbbbb"})
	mo, err := Hash(context.Background(), other, Options{Reuse: first})
	must(t, err)
	if bytes.Equal(mo.Items[0].Digest, first.Items[0].Digest) {
		t.Error("digest reused across roots")
	}
	if _, err := Hash(context.Background(), root, Options{Reuse: first, Algorithm: BLAKE2b, Progress: progress}); err != nil || total != 13 {
		t.Errorf("another algorithm reused digests: %v %d", err, total)
	}
}

func TestInside(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	must(t, os.MkdirAll("m/sub", 0o755))
	must(t, os.WriteFile("m/w", []byte("w"), 0o644))
	must(t, os.Symlink("m", "link"))
	abs, _ := filepath.Abs("m/model.sig")
	for _, c := range []struct {
		root, p, want string
		ok            bool
	}{
		{"m", "m/model.sig", "model.sig", true},
		{"m", abs, "model.sig", true},
		{"m", "model.sig", "", false}, // relative to the working directory, not the model
		{"m", "m", "", false},
		{"m", "m/../x.sig", "", false},
		{"link", "m/sub/s.sig", "sub/s.sig", true},
		{"m", "link/s.sig", "s.sig", true},
		{"m/w", "m/w.sig", "", false},
	} {
		rel, ok := Inside(c.root, c.p)
		if rel != c.want || ok != c.ok {
			t.Errorf("Inside(%q, %q) = %q %v, want %q %v", c.root, c.p, rel, ok, c.want, c.ok)
		}
	}
}

func FuzzSniffJSON(f *testing.F) {
	for _, s := range []string{bundleDoc, bomDoc, `[]`, `{}{}`, `"x"`, `{"a": [1, {"mediaType": "x"}], "mediaType": "y"}`, `{"a":`, pickle} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		top, val, err := sniffJSON(bytes.NewReader(data), "mediaType")
		if err != nil {
			return
		}
		// Whatever sniffJSON accepts is one JSON object or array, and the
		// member it reports is the top-level one.
		var v any
		if json.Unmarshal(data, &v) != nil {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		switch x := v.(type) {
		case map[string]any:
			s, _ := x["mediaType"].(string)
			if top != '{' || s != val {
				t.Fatalf("%q: top %c val %q, want %q", data, top, val, s)
			}
		case []any:
			if top != '[' || val != "" {
				t.Fatalf("%q: array sniffed as %c %q", data, top, val)
			}
		default:
			t.Fatalf("accepted a scalar %q", data)
		}
	})
}
