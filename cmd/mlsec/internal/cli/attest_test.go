package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

func attestCLI(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := Run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestAttestSignVerifyCLI(t *testing.T) {
	dir := t.TempDir()
	if _, e, code := attestCLI("keygen", "-o", filepath.Join(dir, "k")); code != 0 {
		t.Fatal(e)
	}
	if _, e, code := attestCLI("keygen", "-o", filepath.Join(dir, "other"), "--curve", "P-384"); code != 0 {
		t.Fatal(e)
	}
	rec, err := evidence.New(evidence.TypeTest, evidence.NewSubject("m", strings.Repeat("ab", 32)), "t", time.Now(),
		map[string]any{"suite": "unit", "passed": 3, "failed": 0})
	if err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(dir, "test.json")
	f, _ := os.Create(ev)
	_ = evidence.Write(f, rec)
	f.Close()
	att := filepath.Join(dir, "test.att.json")
	if out, e, code := attestCLI("attest", "sign", "--key", filepath.Join(dir, "k.pem"), ev, "-o", att); code != 0 || !strings.Contains(out, "Signed test evidence") {
		t.Fatalf("sign: %d %s %s", code, out, e)
	}
	if out, e, code := attestCLI("attest", "verify", "--key", filepath.Join(dir, "k.pub.pem"), att); code != 0 || !strings.Contains(out, "Verified test evidence") {
		t.Fatalf("verify: %d %s %s", code, out, e)
	}
	if _, _, code := attestCLI("attest", "verify", "--key", filepath.Join(dir, "other.pub.pem"), att); code != ExitFindings {
		t.Errorf("wrong key: exit %d, want 1", code)
	}
	// Tampered payload: exit 1.
	raw, _ := os.ReadFile(att)
	var env map[string]any
	_ = json.Unmarshal(raw, &env)
	p, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	env["payload"] = base64.StdEncoding.EncodeToString(bytes.Replace(p, []byte(`"passed":3`), []byte(`"passed":9`), 1))
	raw, _ = json.Marshal(env)
	_ = os.WriteFile(att, raw, 0o644)
	if _, _, code := attestCLI("attest", "verify", "--key", filepath.Join(dir, "k.pub.pem"), att); code != ExitFindings {
		t.Errorf("tampered: exit %d, want 1", code)
	}
	// Usage errors: exit 2.
	if _, _, code := attestCLI("attest", "verify", att); code != ExitUsage {
		t.Errorf("no key: exit %d", code)
	}
	if _, _, code := attestCLI("attest", "sign", "--key", filepath.Join(dir, "k.pub.pem"), ev, "-o", att); code != ExitUsage {
		t.Errorf("public key for signing: exit %d", code)
	}
}

func TestPolicyEvalCLI(t *testing.T) {
	base := "../../../../policy/testdata/decisions/"
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--input", base + "allow/input.json"}, ExitOK, "Decision: ALLOWED"},
		{[]string{"--input", base + "deny-critical-finding/input.json"}, ExitFindings, "[MLSEC-SCAN-002]"},
		{[]string{"--input", base + "user-policy-deny/input.json", "--policy", base + "user-policy-deny/policy"}, ExitFindings, "TEAM-001"},
		{[]string{"--input", base + "allow/input.json", "--policy", base + "user-policy-syntax-error/policy"}, ExitUsage, "broken.rego:7"},
		{[]string{"--input", base + "allow/input.json", "--policy", base + "user-policy-runtime-error/policy"}, ExitUsage, "eval_conflict_error"},
		{[]string{"--input", base + "exception-active/input.json", "--data", base + "exception-active/data.yaml"}, ExitOK, "waived by alice@example.com"},
		{[]string{"--input", base + "allow/input.json", "--format", "json"}, ExitOK, `"allowed": true`},
	}
	for _, c := range cases {
		out, errs, code := attestCLI(append([]string{"policy", "eval"}, c.args...)...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("policy eval %v: exit %d, want %d; output lacks %q:\n%s%s", c.args, code, c.code, c.want, out, errs)
		}
	}
}

func TestPolicyTestCLI(t *testing.T) {
	if out, e, code := attestCLI("policy", "test"); code != 0 || !strings.Contains(out, "0 failed") {
		t.Fatalf("default bundle tests: %d %s %s", code, out, e)
	}
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "p_test.rego"), []byte("package p_test\nimport rego.v1\ntest_fails if 1 == 2\n"), 0o644)
	if out, _, code := attestCLI("policy", "test", dir); code != ExitFindings || !strings.Contains(out, "FAIL p_test.test_fails") {
		t.Errorf("failing test: exit %d\n%s", code, out)
	}
	if _, _, code := attestCLI("policy", "test", filepath.Join(dir, "missing")); code != ExitUsage {
		t.Errorf("missing dir: exit %d", code)
	}
}
