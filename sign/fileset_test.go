package sign

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/testfs"
	"github.com/mlsec/mlsec/manifest"
)

// writeFiles creates files (slash paths → content) under a fresh temp dir.
func writeFiles(t testing.TB, files map[string]string) string { return testfs.Tree(t, files) }

const (
	testBOM    = `{"bomFormat": "CycloneDX", "specVersion": "1.6"}`
	testPickle = "\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
)

func signerAndVerifier(t *testing.T) (*Signer, VerifyOptions) {
	key, _, _, err := GenerateKey("")
	must(t, err)
	s, err := NewKeySigner(key)
	must(t, err)
	return s, VerifyOptions{Verifier: KeyVerifier{Key: &key.PublicKey}}
}

func diffOf(t *testing.T, err error) manifest.Diff {
	t.Helper()
	var me *MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("want a MismatchError, got %v", err)
	}
	return me.Diff
}

// TestAttachmentsAtVerification: attachments are never model files at
// signing or verification, but only real attachments: a pickle dropped
// under an attachment name, even one the signature recorded, is an extra
// file; a file the signature lists stays covered.
func TestAttachmentsAtVerification(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, vo := signerAndVerifier(t)
	dir := writeFiles(t, map[string]string{"w.bin": "w", "bom.cdx.json": testBOM})
	b, m, err := s.Sign(ctx, dir, SignOptions{})
	must(t, err)
	bundle, _ := b.Marshal()
	if slices.Contains(names(m), "bom.cdx.json") || !slices.Contains(m.IgnorePaths, "bom.cdx.json") || !slices.Contains(m.IgnorePaths, "model.sig") {
		t.Fatalf("signed %q, recorded %q", names(m), m.IgnorePaths)
	}
	// The signature and more attachments arrive: still verified.
	must(t, os.WriteFile(filepath.Join(dir, "model.sig"), bundle, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "scan.evidence.json"), []byte(`{"type": "scan"}`), 0o644))
	if _, err := Verify(ctx, dir, bundle, vo); err != nil {
		t.Fatalf("with attachments: %v", err)
	}
	// A pickle where the recorded BOM was, and one named like evidence.
	must(t, os.WriteFile(filepath.Join(dir, "bom.cdx.json"), []byte(testPickle), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "x.evidence.json"), []byte(testPickle), 0o644))
	_, err = Verify(ctx, dir, bundle, vo)
	if d := diffOf(t, err); !slices.Equal(d.Extra, []string{"bom.cdx.json", "x.evidence.json"}) {
		t.Errorf("disguised pickles: extra %q", d.Extra)
	}
}

// TestListedAttachmentStaysCovered: a bundle that lists a file with an
// attachment name (made before the rule, or a model file named model.sig)
// keeps covering it.
func TestListedAttachmentStaysCovered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, vo := signerAndVerifier(t)
	dir := writeFiles(t, map[string]string{"w.bin": "w", "bom.cdx.json": testBOM})
	m, err := manifest.Hash(ctx, dir, manifest.Options{Listed: func(p string) bool { return p == "bom.cdx.json" }})
	must(t, err)
	b, err := s.SignManifest("m", m, CompatSpec)
	must(t, err)
	bundle, _ := b.Marshal()
	if _, err := Verify(ctx, dir, bundle, vo); err != nil {
		t.Fatalf("listed attachment: %v", err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "bom.cdx.json"), []byte(`{"bomFormat": "CycloneDX", "x": 1}`), 0o644))
	if d := diffOf(t, func() error { _, err := Verify(ctx, dir, bundle, vo); return err }()); len(d.Changed) != 1 || d.Changed[0].Name != "bom.cdx.json" {
		t.Errorf("changed listed attachment: %+v", d)
	}
}

// TestVerifyKeepGitPaths: a bundle whose signer included .git verifies
// with KeepGitPaths; the default still leaves .git out.
func TestVerifyKeepGitPaths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, vo := signerAndVerifier(t)
	dir := writeFiles(t, map[string]string{"w.bin": "w", ".git/HEAD": "ref", ".gitattributes": "lfs"})
	b, _, err := s.Sign(ctx, dir, SignOptions{Hash: manifest.Options{KeepGitPaths: true}})
	must(t, err)
	bundle, _ := b.Marshal()
	_, err = Verify(ctx, dir, bundle, vo)
	if d := diffOf(t, err); !slices.Equal(d.Missing, []string{".git/HEAD", ".gitattributes"}) {
		t.Errorf("default verify: %+v", d)
	}
	keep := vo
	keep.KeepGitPaths = true
	if _, err := Verify(ctx, dir, bundle, keep); err != nil {
		t.Errorf("KeepGitPaths: %v", err)
	}
	must(t, os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte("other"), 0o644))
	if d := diffOf(t, func() error { _, err := Verify(ctx, dir, bundle, keep); return err }()); len(d.Changed) != 1 {
		t.Errorf("changed .git/HEAD: %+v", d)
	}
}

// TestSymlinkedModelPath: a model path that is a link to a folder is
// followed for signing and verification (issue 10: it used to sign nothing
// and verify every file as missing).
func TestSymlinkedModelPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, vo := signerAndVerifier(t)
	dir := writeFiles(t, map[string]string{"w.bin": "w", "d/c.json": "{}"})
	link := filepath.Join(t.TempDir(), "model-link")
	must(t, os.Symlink(dir, link))
	b, m, err := s.Sign(ctx, link, SignOptions{})
	if err != nil || len(m.Items) != 2 {
		t.Fatalf("sign through a link: %v", err)
	}
	bundle, _ := b.Marshal()
	for _, p := range []string{link, dir} {
		if _, err := Verify(ctx, p, bundle, vo); err != nil {
			t.Errorf("verify %s: %v", p, err)
		}
	}
}

func TestVerifyRefusesNonUTF8AndWarnsOutsideLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, vo := signerAndVerifier(t)
	dir := writeFiles(t, map[string]string{"w.bin": "w"})
	outside := filepath.Join(t.TempDir(), "o.bin")
	must(t, os.WriteFile(outside, []byte("o"), 0o644))
	must(t, os.Symlink(outside, filepath.Join(dir, "o.bin")))
	b, m, err := s.Sign(ctx, dir, SignOptions{Hash: manifest.Options{AllowSymlinks: true}})
	must(t, err)
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "o.bin") {
		t.Errorf("signing warnings: %q", m.Warnings)
	}
	bundle, _ := b.Marshal()
	res, err := Verify(ctx, dir, bundle, vo)
	if err != nil || len(res.Warnings) != 1 {
		t.Errorf("verify warnings: %v %+v", err, res)
	}
	must(t, os.WriteFile(filepath.Join(dir, "x\xff.bin"), []byte("x"), 0o644))
	if _, err := Verify(ctx, dir, bundle, vo); !errors.Is(err, ErrModelMismatch) || !errors.Is(err, manifest.ErrInvalidName) {
		t.Errorf("non-UTF-8 name at verification: %v", err)
	}
	if _, _, err := s.Sign(ctx, dir, SignOptions{Hash: manifest.Options{AllowSymlinks: true}}); !errors.Is(err, manifest.ErrInvalidName) {
		t.Errorf("non-UTF-8 name at signing: %v", err)
	}
}

func names(m *manifest.Manifest) []string {
	var out []string
	for _, it := range m.Items {
		out = append(out, it.Name)
	}
	return out
}

// TestVerifySeesPrefixSiblings kills the prefix-matching mutant at the
// verifier (issue 11): files sharing a prefix with a recorded or default
// ignore path are extra files, not ignored ones.
func TestVerifySeesPrefixSiblings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, vo := signerAndVerifier(t)
	dir := writeFiles(t, map[string]string{"w.bin": "w", ".git/HEAD": "ref", "notes/x": "n"})
	b, _, err := s.Sign(ctx, dir, SignOptions{Hash: manifest.Options{IgnorePaths: []string{"notes"}}})
	must(t, err)
	bundle, _ := b.Marshal()
	sibs := []string{"model.sig.pkl", ".gitx.pkl", ".gitignore.pkl", ".gitattributes.pkl", ".github.pkl", "notes.pkl"}
	for _, p := range sibs {
		must(t, os.WriteFile(filepath.Join(dir, p), []byte(testPickle), 0o644))
	}
	_, err = Verify(ctx, dir, bundle, vo)
	got := diffOf(t, err).Extra
	slices.Sort(sibs)
	if !slices.Equal(got, sibs) {
		t.Errorf("extra = %q, want %q", got, sibs)
	}
}

// TestSymlinkedSingleFile: a link to a single-file model signs and verifies
// under the target's name, and a "." bundle (the reference's single-file
// name) verifies through the link too.
func TestSymlinkedSingleFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, vo := signerAndVerifier(t)
	dir := writeFiles(t, map[string]string{"w.bin": "weights"})
	link := filepath.Join(t.TempDir(), "latest.bin")
	must(t, os.Symlink(filepath.Join(dir, "w.bin"), link))
	for _, compat := range []Compat{CompatSpec, CompatPython} {
		bundle := signModel(t, s, link, SignOptions{Compat: compat})
		for _, p := range []string{link, filepath.Join(dir, "w.bin")} {
			if _, err := Verify(ctx, p, bundle, vo); err != nil {
				t.Errorf("%s bundle, verify %s: %v", compat, p, err)
			}
		}
	}
}
