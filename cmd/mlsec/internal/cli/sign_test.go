package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the root command and returns stdout and the exit code.
func run(t *testing.T, args ...string) (string, int, error) {
	t.Helper()
	root := NewRoot()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return out.String(), ExitOK, nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return out.String(), ee.code, err
	}
	return out.String(), ExitUsage, err
}

func TestSignVerifyCLI(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if err := os.MkdirAll(filepath.Join(model, "sub dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for n, c := range map[string]string{"weights.bin": "w", "sub dir/config.json": "{}", "notes.txt": "scratch"} {
		if err := os.WriteFile(filepath.Join(model, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	key, sig := filepath.Join(dir, "k"), filepath.Join(model, "model.sig")
	if _, code, err := run(t, "keygen", "--curve", "P-384", "-o", key); code != 0 {
		t.Fatal(err)
	}
	if _, code, _ := run(t, "keygen", "-o", key); code != ExitUsage {
		t.Errorf("keygen must not overwrite: code %d", code)
	}
	// The signature lives inside the model and one file is ignored by an
	// absolute path, as the conformance harness passes them.
	out, code, err := run(t, "sign", model, "--key", key+".pem", "--signature", sig, "--ignore-paths", filepath.Join(model, "notes.txt"))
	if code != 0 || !strings.Contains(out, "2 resources") {
		t.Fatalf("sign: %d %v %s", code, err, out)
	}
	out, code, err = run(t, "verify", model, "--signature", sig, "--key", key+".pub.pem", "--format", "json")
	var res map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res["verified"] != true {
		t.Fatalf("verify: %d %v %s", code, err, out)
	}
	if err := os.WriteFile(filepath.Join(model, "weights.bin"), []byte("W"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code, err = run(t, "verify", model, "--signature", sig, "--key", key+".pub.pem")
	if code != ExitFindings || !strings.Contains(out, "CHANGED") || !strings.Contains(err.Error(), "weights.bin") ||
		!strings.Contains(err.Error(), "restore the listed files") {
		t.Errorf("tampered: %d %v\n%s", code, err, out)
	}
	// Usage errors exit 2: no method, two methods, missing signature file.
	for _, args := range [][]string{
		{"verify", model, "--signature", sig},
		{"verify", model, "--signature", sig, "--key", key + ".pub.pem", "--cert-chain", key + ".pub.pem"},
		{"verify", model, "--signature", filepath.Join(dir, "nope.sig"), "--key", key + ".pub.pem"},
		{"sign", model},
	} {
		if _, code, _ := run(t, args...); code != ExitUsage {
			t.Errorf("%v: code %d", args, code)
		}
	}
}

// TestCLIVectors runs two upstream invocations through the CLI, including a
// relative model path "." from inside the vector folder.
func TestCLIVectors(t *testing.T) {
	vec, err := filepath.Abs("../../../../sign/testdata/vectors/model-transparency")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(vec)
	if _, code, err := run(t, "verify", "v1.0.1-elliptic-key", "--signature", "v1.0.1-elliptic-key/model.sig",
		"--key", "keys/certificate/signing-key-pub.pem", "--ignore-paths", "v1.0.1-elliptic-key/ignore-me"); code != 0 {
		t.Errorf("key vector: %v", err)
	}
	t.Chdir("v1.1.0-certificate")
	if _, code, err := run(t, "verify", ".", "--signature", "model.sig", "--cert-chain", "../keys/certificate/ca-cert.pem", "--ignore-paths", "ignore-me"); code != 0 {
		t.Errorf("cert vector from inside: %v", err)
	}
	if _, code, _ := run(t, "verify", ".", "--signature", "model.sig", "--key", "../keys/certificate/signing-key-pub.pem"); code != ExitFindings {
		t.Errorf("method mismatch: code %d", code)
	}
}
