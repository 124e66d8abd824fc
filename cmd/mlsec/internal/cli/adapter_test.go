package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/sign"
)

// TestMain lets the test binary stand in for the mlsec binary, so scripts
// that exec mlsec (the OMS conformance adapter) are tested without a build.
func TestMain(m *testing.M) {
	if os.Getenv("MLSEC_TEST_AS_CLI") == "1" {
		os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestConformanceAdapter drives conformance/mlsec-adapter as the OMS
// conformance suite does: sign-model then verify-model, a tampered model
// and a wrong key must fail, and capabilities must answer.
func TestConformanceAdapter(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not available")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	adapter, err := filepath.Abs("../../../../conformance/mlsec-adapter")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if err := os.MkdirAll(model, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(model, "weights.bin"), []byte("weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	keys := map[string][]byte{}
	for _, name := range []string{"a", "b"} {
		_, priv, pub, err := sign.GenerateKey("P-256")
		if err != nil {
			t.Fatal(err)
		}
		keys[name+".pem"], keys[name+".pub"] = priv, pub
	}
	for name, data := range keys {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	bundle := filepath.Join(dir, "model.sig")
	run := func(args ...string) int {
		cmd := exec.Command("bash", append([]string{adapter}, args...)...)
		cmd.Env = append(os.Environ(), "MLSEC="+self, "MLSEC_TEST_AS_CLI=1")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			t.Logf("%v: exit %d\n%s", args, ee.ExitCode(), out)
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return 0
	}
	k := func(n string) string { return filepath.Join(dir, n) }
	if code := run("sign-model", "--method", "key", "--model-path", model, "--output-bundle", bundle, "--private-key", k("a.pem")); code != 0 {
		t.Fatalf("sign-model: exit %d", code)
	}
	if code := run("verify-model", "--method", "key", "--model-path", model, "--bundle", bundle, "--public-key", k("a.pub")); code != 0 {
		t.Errorf("verify-model with the signing key: exit %d, want 0", code)
	}
	if code := run("verify-model", "--method", "key", "--model-path", model, "--bundle", bundle, "--public-key", k("b.pub")); code == 0 {
		t.Error("verify-model with another key passed")
	}
	if err := os.WriteFile(filepath.Join(model, "weights.bin"), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run("verify-model", "--method", "key", "--model-path", model, "--bundle", bundle, "--public-key", k("a.pub")); code == 0 {
		t.Error("verify-model passed on a tampered model")
	}
	if code := run("capabilities"); code != 0 {
		t.Errorf("capabilities: exit %d", code)
	}
}
