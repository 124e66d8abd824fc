package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/testfs"
)

// keygen writes dir/k.pem and dir/k.pub.pem and returns their paths.
func keygen(t *testing.T, dir string) (priv, pub string) {
	t.Helper()
	k := filepath.Join(dir, "k")
	if code, _, errs := runCLI("keygen", "-o", k); code != 0 {
		t.Fatal(errs)
	}
	return k + ".pem", k + ".pub.pem"
}

// TestSignRefusesNonUTF8Names: OMS §6.1.2; the name used to be written as
// U+FFFD, so the bundle could never verify and two such names collided.
func TestSignRefusesNonUTF8Names(t *testing.T) {
	dir := t.TempDir()
	priv, _ := keygen(t, dir)
	m := testfs.Tree(t, map[string]string{"w.bin": "w"})
	if err := os.WriteFile(filepath.Join(m, "caf\xe9.bin"), []byte("latin-1 name"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("sign", m, "--key", priv, "--signature", filepath.Join(dir, "m.sig"))
	if code != ExitUsage || !strings.Contains(errs, `"caf\xe9.bin"`) || !strings.Contains(errs, "not valid UTF-8") {
		t.Fatalf("sign: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "m.sig")); err == nil {
		t.Error("a signature was written")
	}
}

// TestSymlinkedModelPathCLI: a MODEL_PATH that is a link to a folder is
// followed by sign, verify, bom and gate (push: TestOneFileSetEndToEnd).
func TestSymlinkedModelPathCLI(t *testing.T) {
	dir := t.TempDir()
	priv, pub := keygen(t, dir)
	m := filepath.Join(dir, "real")
	copyTree(t, "../../../../scan/testdata/benign/hf-bert-tiny", m)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(m, link); err != nil {
		t.Fatal(err)
	}
	sig := filepath.Join(link, "model.sig")
	if code, out, errs := runCLI("sign", link, "--key", priv, "--signature", sig); code != 0 || !strings.Contains(out, "7 resources") {
		t.Fatalf("sign through the link: %d\n%s\n%s", code, out, errs)
	}
	if recorded := recordedIgnores(t, sig); !slices.Contains(recorded, "model.sig") {
		t.Errorf("the signature inside the linked folder is not ignored: %q", recorded)
	}
	for _, p := range []string{link, m} {
		if code, out, errs := runCLI("verify", p, "--signature", sig, "--key", pub); code != 0 {
			t.Errorf("verify %s: %d\n%s\n%s", p, code, out, errs)
		}
	}
	if code, _, errs := runCLI("bom", link, "-o", filepath.Join(dir, "bom.json")); code != 0 {
		t.Errorf("bom through the link: %s", errs)
	}
	if code, out, errs := runCLI("gate", link, "--key", pub); code != 0 || !strings.Contains(out, "ALLOWED") {
		t.Errorf("gate through the link: %d\n%s\n%s", code, out, errs)
	}
}

// TestAllowSymlinksWarnsOutside: OMS §6.1.1 asks for a warning for every
// followed link whose target lies outside the model: on stderr, and in the
// JSON of sign and verify.
func TestAllowSymlinksWarnsOutside(t *testing.T) {
	dir := t.TempDir()
	priv, pub := keygen(t, dir)
	m := testfs.Tree(t, map[string]string{"w.bin": "w"})
	outside := filepath.Join(dir, "shared-tokenizer.json")
	if err := os.WriteFile(outside, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"tok.json": outside, "alias.bin": "w.bin"} {
		if err := os.Symlink(target, filepath.Join(m, link)); err != nil {
			t.Fatal(err)
		}
	}
	sig := filepath.Join(dir, "m.sig")
	code, out, errs := runCLI("sign", m, "--key", priv, "--signature", sig, "--allow-symlinks", "--format", "json")
	var js struct{ Warnings []string }
	if code != 0 || json.Unmarshal([]byte(out), &js) != nil || len(js.Warnings) != 1 || !strings.HasPrefix(js.Warnings[0], "tok.json: ") ||
		!strings.Contains(errs, "warning: tok.json: symbolic link to "+outside) || strings.Contains(errs, "alias.bin") {
		t.Fatalf("sign: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI("verify", m, "--signature", sig, "--key", pub, "--format", "json")
	js.Warnings = nil
	if code != 0 || json.Unmarshal([]byte(out), &js) != nil || len(js.Warnings) != 1 || !strings.Contains(errs, "warning: tok.json") {
		t.Fatalf("verify: %d\n%s\n%s", code, out, errs)
	}
}

// TestIgnoreGitPathsFlag: --ignore-git-paths=false on sign and verify, for
// bundles whose signer included .git; the default is unchanged.
func TestIgnoreGitPathsFlag(t *testing.T) {
	dir := t.TempDir()
	priv, pub := keygen(t, dir)
	m := testfs.Tree(t, map[string]string{"w.bin": "w", ".git/HEAD": "ref", ".gitattributes": "lfs"})
	sig := filepath.Join(dir, "m.sig")
	if code, out, errs := runCLI("sign", m, "--key", priv, "--signature", sig, "--ignore-git-paths=false"); code != 0 || !strings.Contains(out, "3 resources") {
		t.Fatalf("sign: %d\n%s\n%s", code, out, errs)
	}
	if slices.Contains(recordedIgnores(t, sig), ".git") {
		t.Error(".git recorded as ignored although it was signed")
	}
	code, out, _ := runCLI("verify", m, "--signature", sig, "--key", pub)
	if code != ExitFindings || !regexp.MustCompile(`MISSING +\.git/HEAD`).MatchString(out) {
		t.Errorf("default verify of a bundle that signed .git: %d\n%s", code, out)
	}
	if code, out, errs := runCLI("verify", m, "--signature", sig, "--key", pub, "--ignore-git-paths=false"); code != 0 {
		t.Errorf("verify --ignore-git-paths=false: %d\n%s\n%s", code, out, errs)
	}
	// The default still leaves them out.
	if code, out, _ := runCLI("sign", m, "--key", priv, "--signature", sig); code != 0 || !strings.Contains(out, "1 resources") {
		t.Errorf("default sign: %s", out)
	}
}

// TestNoFilesMessages: "no files to hash" names the real cause.
func TestNoFilesMessages(t *testing.T) {
	dir := t.TempDir()
	priv, _ := keygen(t, dir)
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		model string
		args  []string
		want  string
	}{
		{empty, nil, "the folder holds no regular file"},
		{testfs.Tree(t, map[string]string{"a.bin": "", "b.bin": ""}), []string{"--shard-size", "8"}, "shards mode gives an empty file no shard"},
		{testfs.Tree(t, map[string]string{".gitignore": "*", "notes.txt": "n"}), []string{"--ignore-paths", "notes.txt"}, "2 path(s) are ignored (.gitignore, notes.txt)"},
		{testfs.Tree(t, map[string]string{"bom.cdx.json": `{"bomFormat": "CycloneDX"}`}), nil, "mlsec attachments, not model files (bom.cdx.json)"},
	} {
		code, _, errs := runCLI(append([]string{"sign", c.model, "--key", priv, "--signature", filepath.Join(dir, "x.sig")}, c.args...)...)
		if code != ExitUsage || !strings.Contains(errs, "no files to hash") || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d\n%s", c.args, code, errs)
		}
	}
}

// TestCompatPythonCLI: --compat python writes sha256-sharded-N and mlsec
// still verifies it.
func TestCompatPythonCLI(t *testing.T) {
	dir := t.TempDir()
	priv, pub := keygen(t, dir)
	m := testfs.Tree(t, map[string]string{"w.bin": strings.Repeat("w", 100)})
	sig := filepath.Join(dir, "m.sig")
	if code, _, errs := runCLI("sign", m, "--key", priv, "--signature", sig, "--shard-size", "64", "--compat", "python"); code != 0 {
		t.Fatal(errs)
	}
	raw, _ := os.ReadFile(sig)
	if !strings.Contains(bundlePayload(t, raw), `"algorithm":"sha256-sharded-64"`) {
		t.Errorf("no sharded algorithm name in %s", bundlePayload(t, raw))
	}
	if code, out, errs := runCLI("verify", m, "--signature", sig, "--key", pub); code != 0 {
		t.Errorf("verify: %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := runCLI("sign", m, "--key", priv, "--signature", sig, "--compat", "java"); code != ExitUsage {
		t.Errorf("--compat java: exit %d", code)
	}
}

// TestSignCertificateChainCLI: signing with a certificate checks the whole
// chain before writing a bundle nobody could verify.
func TestSignCertificateChainCLI(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	mk := func(cn string, ca bool, notAfter time.Time, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-72 * time.Hour), NotAfter: notAfter, IsCA: ca, BasicConstraintsValid: ca,
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		p := filepath.Join(dir, cn+".crt")
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
			t.Fatal(err)
		}
		return c, key, p
	}
	root, rootKey, rootPath := mk("root", true, now.Add(72*time.Hour), nil, nil)
	inter, interKey, interPath := mk("expired-intermediate", true, now.Add(-time.Hour), root, rootKey)
	_, leafKey, leafPath := mk("signer", false, now.Add(24*time.Hour), inter, interKey)
	der, _ := x509.MarshalPKCS8PrivateKey(leafKey)
	keyPath := filepath.Join(dir, "signer.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	m := testfs.Tree(t, map[string]string{"w.bin": "w"})
	sig := filepath.Join(dir, "m.sig")
	code, _, errs := runCLI("sign", m, "--key", keyPath, "--signing-cert", leafPath, "--cert-chain", interPath, "--cert-chain", rootPath, "--signature", sig)
	if code != ExitUsage || !strings.Contains(errs, "expired-intermediate") || !strings.Contains(errs, "renew it before signing") {
		t.Fatalf("expired intermediate: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(sig); err == nil {
		t.Error("a bundle was written")
	}
}

// bundlePayload returns the decoded statement of a bundle file's bytes.
func bundlePayload(t *testing.T, raw []byte) string {
	t.Helper()
	var b struct {
		DSSEEnvelope struct{ Payload []byte } `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	return string(b.DSSEEnvelope.Payload)
}
