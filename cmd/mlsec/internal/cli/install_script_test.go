package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// The archive names scripts/install-mlsec.sh downloads are the names
// .goreleaser.yaml gives the archives.
func TestInstallScriptMatchesReleaseNames(t *testing.T) {
	t.Parallel()
	cfg, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "install-mlsec.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`name_template: "mlsec_{{ .Version }}_{{ .Os }}_{{ .Arch }}"`, "name_template: checksums.txt",
		"formats: [tar.gz]", "formats: [zip]", "goos: [linux, darwin, windows]", "goarch: [amd64, arm64]"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf(".goreleaser.yaml lacks %q", want)
		}
	}
	for _, want := range []string{`archive="mlsec_${version#v}_${os}_${arch}.$ext"`, "checksums.txt", "ext=tar.gz", "ext=zip"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("install-mlsec.sh lacks %q", want)
		}
	}
}

// fakeRelease lays out a release as GoReleaser names it, for this machine,
// with an "mlsec" that prints its arguments; it returns the release base
// URL (file://) and the archive's path.
func fakeRelease(t *testing.T, version string) (string, string) {
	t.Helper()
	if (runtime.GOOS != "linux" && runtime.GOOS != "darwin") || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("no release archive for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	root := t.TempDir()
	dir := filepath.Join(root, version)
	os.MkdirAll(dir, 0o755)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	body := "#!/bin/sh\necho \"fake mlsec " + version + ": $*\"\n"
	for _, f := range []struct {
		name, body string
		mode       int64
	}{{"LICENSE", "Apache-2.0", 0o644}, {"mlsec", body, 0o755}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(f.body))
	}
	tw.Close()
	gz.Close()
	name := fmt.Sprintf("mlsec_%s_%s_%s.tar.gz", strings.TrimPrefix(version, "v"), runtime.GOOS, runtime.GOARCH)
	archive := filepath.Join(dir, name)
	os.WriteFile(archive, buf.Bytes(), 0o644)
	sum := sha256.Sum256(buf.Bytes())
	os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(hex.EncodeToString(sum[:])+"  "+name+"\n0000  other.zip\n"), 0o644)
	return "file://" + root, archive
}

func runScript(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("sh", args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// A pinned release is downloaded, checked against checksums.txt and
// installed; a tampered archive is refused and nothing is installed; the
// pre-commit wrapper runs the release's binary for a tag, from its cache
// the second time.
func TestInstallScriptRelease(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	base, archive := fakeRelease(t, "v1.2.3")
	script := filepath.Join(repoRoot, "scripts", "install-mlsec.sh")
	dest := filepath.Join(t.TempDir(), "bin")
	out, err := runScript(t, []string{"MLSEC_RELEASE_URL=" + base}, script, "v1.2.3", dest)
	if err != nil || !strings.Contains(out, "installed release v1.2.3") {
		t.Fatalf("install: %v\n%s", err, out)
	}
	if got, err := exec.Command(filepath.Join(dest, "mlsec"), "--version").Output(); err != nil || string(got) != "fake mlsec v1.2.3: --version\n" {
		t.Errorf("installed binary: %q %v", got, err)
	}

	wrapper := filepath.Join(repoRoot, "scripts", "pre-commit-mlsec.sh")
	cache := t.TempDir()
	env := []string{"MLSEC_RELEASE_URL=" + base, "MLSEC_VERSION=v1.2.3", "XDG_CACHE_HOME=" + cache}
	out, err = runScript(t, env, wrapper, "scan", "model.pkl")
	if err != nil || !strings.Contains(out, "fake mlsec v1.2.3: scan model.pkl") {
		t.Fatalf("pre-commit wrapper: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(cache, "mlsec", "bin", "v1.2.3", "mlsec")); err != nil {
		t.Errorf("not cached: %v", err)
	}
	// Tamper with the archive: the checksum no longer matches.
	f, _ := os.OpenFile(archive, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte("x"))
	f.Close()
	out, err = runScript(t, env, wrapper, "scan", "model.pkl") // cached: no download
	if err != nil || !strings.Contains(out, "scan model.pkl") {
		t.Errorf("cached run: %v\n%s", err, out)
	}
	dest2 := filepath.Join(t.TempDir(), "bin")
	out, err = runScript(t, []string{"MLSEC_RELEASE_URL=" + base}, script, "v1.2.3", dest2)
	if err == nil || !regexp.MustCompile(`has SHA-256 [0-9a-f]{64}, checksums.txt says [0-9a-f]{64}: not installed`).MatchString(out) {
		t.Errorf("tampered archive: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dest2, "mlsec")); err == nil {
		t.Error("a tampered binary was installed")
	}
	for _, bad := range []string{"1.2.3", "latest"} {
		if out, err := runScript(t, nil, script, bad, t.TempDir()); err == nil || !strings.Contains(out, "want a release tag") {
			t.Errorf("version %q: %v %s", bad, err, out)
		}
	}
	if out, err := runScript(t, []string{"MLSEC_RELEASE_URL=" + base}, script, "v9.9.9", t.TempDir()); err == nil || !strings.Contains(out, "cannot download") {
		t.Errorf("missing release: %v %s", err, out)
	}
}

// main builds mlsec from the checkout with the Go on PATH.
func TestInstallScriptSource(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mlsec")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go on PATH")
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "bin")
	out, err := runScript(t, []string{"MLSEC_SOURCE=" + root}, filepath.Join(root, "scripts", "install-mlsec.sh"), "main", dest)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, err := exec.Command(filepath.Join(dest, "mlsec"), "--version").Output()
	if err != nil || !strings.HasPrefix(string(got), "mlsec ") {
		t.Errorf("built binary: %q %v", got, err)
	}
}
