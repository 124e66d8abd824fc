package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/sign"
)

// TestOneFileSetEndToEnd proves issue 10 point 2 through a real 'mlsec
// serve' (with its analysis workers and a --trusted-key) and the CLI:
// sign, verify, gate, bom, push, pull and the server's signature check
// agree on the model's files, whatever order the attachments (model.sig,
// bom.cdx.json) are written in, and also with the Python reference's
// ignore rules (--ignore-paths, git paths).
func TestOneFileSetEndToEnd(t *testing.T) {
	dir := t.TempDir()
	_, privPEM, pub, err := sign.GenerateKey("P-256")
	if err != nil {
		t.Fatal(err)
	}
	keyPath, pubPath := filepath.Join(dir, "release.pem"), filepath.Join(dir, "release.pub.pem")
	if err := os.WriteFile(keyPath, privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubPath, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(dir, "data"), workers: 2, trustedKeys: []string{pubPath}})

	// newModel copies the Hugging Face-style fixture (complete enough for
	// the default BOM rules); python adds what the reference's ignore rules
	// are about: git files at the top, a nested .gitignore that is signed,
	// and notes.txt that the signer leaves out with --ignore-paths.
	newModel := func(t *testing.T, name string, python bool) string {
		m := filepath.Join(t.TempDir(), name)
		copyTree(t, "../../../../scan/testdata/benign/hf-bert-tiny", m)
		if python {
			for p, c := range map[string]string{".git/HEAD": "ref: refs/heads/main\n", ".gitattributes": "*.safetensors filter=lfs\n",
				".github/workflows/ci.yml": "on: push\n", "sub/.gitignore": "*.tmp\n", "notes.txt": "scratch\n"} {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(m, p)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(m, p), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		return m
	}
	mustRun := func(t *testing.T, what string, args ...string) string {
		t.Helper()
		code, out, errs := runCLI(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", what, code, out, errs)
		}
		return out
	}
	// ignoring gives a command the reference-style --ignore-paths of the
	// python flows; sign, bom, gate and push all get the same.
	ignoring := func(python bool, m string, args ...string) []string {
		if python {
			args = append(args, "--ignore-paths", filepath.Join(m, "notes.txt"))
		}
		return args
	}
	rootRE := regexp.MustCompile(`Root digest: sha256:([0-9a-f]{64})`)
	pushDigest := func(t *testing.T, m, name string, python bool) string {
		t.Helper()
		out := mustRun(t, "push", ignoring(python, m, "push", m, "--model", name)...)
		d := regexp.MustCompile(`version 1 sha256:([0-9a-f]{64}) ready`).FindStringSubmatch(out)
		if d == nil {
			t.Fatalf("push output: %s", out)
		}
		waitServerScan(t, name+"@1")
		// The server's worker verified the signature with its trusted key
		// on the files it stores (no bom.cdx.json among them).
		_, ev, _ := runCLI("evidence", name+"@1", "--type", "signature", "--format", "json")
		if !strings.Contains(ev, `"verified": true`) && !strings.Contains(ev, `"verified":true`) {
			t.Fatalf("%s: server signature evidence is not verified: %s", name, ev)
		}
		return d[1]
	}
	gateDigest := func(t *testing.T, m string, python bool) string {
		t.Helper()
		out := mustRun(t, "gate "+m, ignoring(python, m, "gate", m, "--key", pubPath, "--format", "json")...)
		var g struct {
			Subject struct {
				Digest map[string]string `json:"digest"`
			} `json:"subject"`
			Signature struct {
				Verified bool `json:"verified"`
			} `json:"signature"`
		}
		if err := json.Unmarshal([]byte(out), &g); err != nil || !g.Signature.Verified {
			t.Fatalf("gate %s: %v %s", m, err, out)
		}
		return g.Subject.Digest["sha256"]
	}
	bomDigest := func(t *testing.T, path string) string {
		t.Helper()
		var b cliBOM
		raw, err := os.ReadFile(path)
		if err != nil || json.Unmarshal(raw, &b) != nil {
			t.Fatalf("bom %s: %v", path, err)
		}
		return b.prop("mlsec:oms:root-digest")
	}

	// A MODEL_PATH that is a link to the folder is followed by every step.
	t.Run("symlinked-model-path", func(t *testing.T) {
		m := newModel(t, "flow-link-real", false)
		link := filepath.Join(t.TempDir(), "flow-link")
		if err := os.Symlink(m, link); err != nil {
			t.Fatal(err)
		}
		mustRun(t, "bom", "bom", link, "-o", filepath.Join(link, "bom.cdx.json"))
		signed := rootRE.FindStringSubmatch(mustRun(t, "sign", "sign", link, "--key", keyPath, "--signature", filepath.Join(link, "model.sig")))[1]
		if d := gateDigest(t, link, false); d != signed {
			t.Errorf("gate %s, signature %s", d, signed)
		}
		if d := pushDigest(t, link, "flow-link", false); d != signed {
			t.Errorf("push %s, signature %s", d, signed)
		}
	})

	for _, python := range []bool{false, true} {
		suffix := ""
		if python {
			suffix = "-py"
		}
		t.Run("bom-sign-gate-push-request"+suffix, func(t *testing.T) {
			name := "flow-a" + suffix
			m := newModel(t, name, python)
			mustRun(t, "bom", ignoring(python, m, "bom", m, "-o", filepath.Join(m, "bom.cdx.json"))...)
			out := mustRun(t, "sign", ignoring(python, m, "sign", m, "--key", keyPath, "--signature", filepath.Join(m, "model.sig"))...)
			if !strings.Contains(out, "bom.cdx.json (bom)") {
				t.Errorf("sign does not say the BOM is left out: %s", out)
			}
			signed := rootRE.FindStringSubmatch(out)[1]
			if ign := recordedIgnores(t, filepath.Join(m, "model.sig")); !strings.Contains(strings.Join(ign, ","), "bom.cdx.json") {
				t.Errorf("bom.cdx.json not recorded in ignore_paths: %q", ign)
			}
			if python {
				// Without the signer's --ignore-paths the model's files
				// include notes.txt, which the signature does not cover:
				// denied, and the gate says why.
				code, out, _ := runCLI("gate", m, "--key", pubPath)
				if code != ExitFindings || !strings.Contains(out, "MLSEC-SIG-001") || !strings.Contains(out, "leaves out 1 of the model's files (notes.txt)") {
					t.Errorf("gate without --ignore-paths: exit %d\n%s", code, out)
				}
			}
			d := gateDigest(t, m, python)
			if b := bomDigest(t, filepath.Join(m, "bom.cdx.json")); b != d || signed != d {
				t.Errorf("digests: gate %s, bom %s, signature %s", d, b, signed)
			}
			if pushed := pushDigest(t, m, name, python); pushed != d {
				t.Errorf("push digest %s, gate digest %s", pushed, d)
			}
			mustRun(t, "owners", "owners", name, "--set", "approve=reviewer")
			// The policy is evaluated at once on the server's evidence: a
			// deny (e.g. MLSEC-SIG-*) would end the request here.
			code, out, errs := runCLI("request", name+"@1", "promote", "--stage", "production", "--rationale", "release")
			if code != 0 || strings.Contains(out, "denied") || strings.Contains(out, "MLSEC-SIG") || !strings.Contains(out, ": pending") {
				t.Fatalf("request: exit %d\n%s\n%s", code, out, errs)
			}
		})
		t.Run("sign-bom-push-pull-verify-gate"+suffix, func(t *testing.T) {
			name := "flow-b" + suffix
			m := newModel(t, name, python)
			out := mustRun(t, "sign", ignoring(python, m, "sign", m, "--key", keyPath, "--signature", filepath.Join(m, "model.sig"))...)
			signed := rootRE.FindStringSubmatch(out)[1]
			mustRun(t, "bom", ignoring(python, m, "bom", m, "-o", filepath.Join(m, "bom.cdx.json"))...)
			// The verifier needs no --ignore-paths: they are recorded.
			mustRun(t, "verify", "verify", m, "--signature", filepath.Join(m, "model.sig"), "--key", pubPath)
			d := pushDigest(t, m, name, python)
			if d != signed {
				t.Errorf("push digest %s, signature %s", d, signed)
			}
			co := filepath.Join(t.TempDir(), "checkout")
			mustRun(t, "pull", "pull", name+"@1", "-o", co)
			for _, a := range []string{"model.sig", "bom.cdx.json"} {
				if _, err := os.Stat(filepath.Join(co, a)); err != nil {
					t.Errorf("pull did not write %s: %v", a, err)
				}
			}
			for _, a := range []string{".git", ".gitattributes", "notes.txt"} {
				if _, err := os.Stat(filepath.Join(co, a)); err == nil {
					t.Errorf("%s was pushed", a)
				}
			}
			if _, err := os.Stat(filepath.Join(co, "sub", ".gitignore")); python && err != nil {
				t.Errorf("the nested sub/.gitignore is a model file and was not pushed: %v", err)
			}
			mustRun(t, "verify checkout", "verify", co, "--signature", filepath.Join(co, "model.sig"), "--key", pubPath)
			if g := gateDigest(t, co, false); g != d {
				t.Errorf("gate of the checkout: %s, version %s", g, d)
			}
			if b := bomDigest(t, filepath.Join(co, "bom.cdx.json")); b != d {
				t.Errorf("pulled BOM names %s, version %s", b, d)
			}
		})
	}
}

// TestPullRefusesDisagreeingKinds: a version whose artifact kinds disagree
// with mlsec's file rule (here a CycloneDX BOM registered as a model file
// through the API) is refused at pull: the checkout would not hash to the
// version's digest, so verify and gate would name other bytes.
func TestPullRefusesDisagreeingKinds(t *testing.T) {
	_, url, admin := clientEnv(t)
	cl, err := client.New(url, admin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	files := map[string][]byte{"w.bin": []byte("weights"), "x.cdx.json": []byte(`{"bomFormat": "CycloneDX"}`)}
	var arts []registry.Artifact
	for p, b := range files {
		arts = append(arts, registry.Artifact{Path: p, Size: int64(len(b)), SHA256: sha256Hex(b), Kind: registry.KindFile})
	}
	digest, err := registry.RootDigest(arts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateModel(ctx, client.NewModel{Name: "kinds"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cl.CreateVersion(ctx, "kinds", registry.NewVersion{Digest: digest, Artifacts: arts}); err != nil {
		t.Fatal(err)
	}
	for _, b := range files {
		if _, err := cl.PutBlob(ctx, sha256Hex(b), int64(len(b)), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.FinalizeVersion(ctx, "kinds", 1); err != nil {
		t.Fatal(err)
	}
	co := filepath.Join(t.TempDir(), "co")
	code, _, errs := runCLI("pull", "kinds@1", "-o", co)
	if code != ExitFindings || !strings.Contains(errs, "x.cdx.json: the registry lists it as file, but by its name and content it is bom") {
		t.Fatalf("pull: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(co, "w.bin")); err == nil {
		t.Error("files were moved into place")
	}
}
