package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/pickleasm"
	"github.com/mlsec/mlsec/internal/version"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/sign"
)

var updateGateGolden = flag.Bool("update-gate", false, "rewrite gate/testdata/golden from the current output")

const gateTestdata = "../../../../gate/testdata"

// gateFixture is a model folder, optionally signed, with a trusted key file.
type gateFixture struct {
	dir, model, pub, keyID string
	key                    *ecdsa.PrivateKey
}

// newGateFixture copies the clean model of gate/testdata into dir/model,
// adds extra files and writes the public key to dir/signer.pub.pem.
func newGateFixture(t *testing.T, extra map[string][]byte) gateFixture {
	t.Helper()
	dir := t.TempDir()
	fx := gateFixture{dir: dir, model: filepath.Join(dir, "model"), pub: filepath.Join(dir, "signer.pub.pem")}
	if err := os.Mkdir(fx.model, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(gateTestdata, "clean-model"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		if files[e.Name()], err = os.ReadFile(filepath.Join(gateTestdata, "clean-model", e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range extra {
		files[k] = v
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(fx.model, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	key, _, pub, err := sign.GenerateKey("P-256")
	if err != nil {
		t.Fatal(err)
	}
	fx.key = key
	if fx.keyID, err = sign.KeyHint(&key.PublicKey); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fx.pub, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	return fx
}

// sign writes model/model.sig with the fixture's key.
func (fx gateFixture) sign(t *testing.T) {
	t.Helper()
	s, err := sign.NewKeySigner(fx.key)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.Sign(context.Background(), fx.model, sign.SignOptions{Hash: manifest.Options{IgnorePaths: []string{"model.sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fx.model, "model.sig"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

var gateEvilPickle = pickleasm.New(2).Global("os", "system").Unicode("echo hi").Tuple1().Reduce().Stop().Bytes()

func TestGateCleanSignedAllowed(t *testing.T) {
	fx := newGateFixture(t, map[string][]byte{"weights.pkl": []byte(benignPickle)})
	fx.sign(t)
	out, errOut, code := scanCLI(t, "gate", fx.model, "--key", fx.pub)
	if code != ExitOK || !strings.Contains(out, "Decision: ALLOWED") || !strings.Contains(out, "verified (key "+fx.keyID[:12]) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Result: allowed, 0 deny") {
		t.Errorf("no result line:\n%s", out)
	}
}

func TestGateUnsignedDenied(t *testing.T) {
	fx := newGateFixture(t, nil)
	out, errOut, code := scanCLI(t, "gate", fx.model, "--key", fx.pub)
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"Decision: DENIED", "MLSEC-SIG-001", "no verified signature by a trusted key covers model",
		"unsigned: no signature found", "what to do: Sign the model", "controls: OWASP ML Top 10 ML06"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// --fail-on none reports the same decision but does not fail.
	out, _, code = scanCLI(t, "gate", fx.model, "--key", fx.pub, "--fail-on", "none")
	if code != ExitOK || !strings.Contains(out, "Decision: DENIED") {
		t.Errorf("--fail-on none: exit %d\n%s", code, out)
	}
}

func TestGateMaliciousSignedDenied(t *testing.T) {
	fx := newGateFixture(t, map[string][]byte{"weights.pkl": gateEvilPickle})
	fx.sign(t)
	out, errOut, code := scanCLI(t, "gate", fx.model, "--key", fx.pub)
	if code != ExitFindings || !strings.Contains(out, "MLSEC-SCAN-002") || !strings.Contains(out, "PKL") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out, "MLSEC-SIG-") {
		t.Errorf("the valid signature did not count:\n%s", out)
	}
}

// A team rule in a --policy folder turns an allowed model into a denied one.
func TestGateCustomPolicyEnforced(t *testing.T) {
	noDesc := []byte("---\nlicense: mit\ndatasets:\n- imdb\npipeline_tag: text-classification\nbase_model: bert-base-uncased\n---\n")
	fx := newGateFixture(t, map[string][]byte{"README.md": noDesc})
	fx.sign(t)
	if out, _, code := scanCLI(t, "gate", fx.model, "--key", fx.pub); code != ExitOK {
		t.Fatalf("without the team rule: exit %d\n%s", code, out)
	}
	out, errOut, code := scanCLI(t, "gate", fx.model, "--key", fx.pub, "--policy", filepath.Join(gateTestdata, "policies", "readme"))
	if code != ExitFindings || !strings.Contains(out, "ACME-README-001") || !strings.Contains(out, "model has no README description") {
		t.Fatalf("team rule not enforced: exit %d\n%s\n%s", code, out, errOut)
	}
}

// A broken policy is exit 2 with a clear error, whatever --fail-on says,
// and nothing on stdout could be read as a decision.
func TestGateBrokenPolicyExit2(t *testing.T) {
	fx := newGateFixture(t, nil)
	fx.sign(t)
	for _, dir := range []string{"broken-syntax", "broken-runtime"} {
		for _, failOn := range []string{"deny", "none"} {
			out, errOut, code := scanCLI(t, "gate", fx.model, "--key", fx.pub, "--fail-on", failOn, "--format", "json",
				"--policy", filepath.Join(gateTestdata, "policies", dir))
			if code != ExitUsage || out != "" || !strings.Contains(errOut, "policy error") || !strings.Contains(errOut, "No decision was made") {
				t.Errorf("%s --fail-on %s: exit %d\nstdout: %s\nstderr: %s", dir, failOn, code, out, errOut)
			}
		}
	}
}

func TestGateUsageErrors(t *testing.T) {
	fx := newGateFixture(t, nil)
	for name, args := range map[string][]string{
		"no path":          {"gate"},
		"bad format":       {"gate", fx.model, "--format", "xml"},
		"bad fail-on":      {"gate", fx.model, "--fail-on", "sometimes"},
		"missing key":      {"gate", fx.model, "--key", filepath.Join(fx.dir, "nope.pem")},
		"not a key":        {"gate", fx.model, "--key", filepath.Join(fx.model, "config.json")},
		"missing model":    {"gate", filepath.Join(fx.dir, "nope"), "--key", fx.pub},
		"missing evidence": {"gate", fx.model, "--evidence", filepath.Join(fx.dir, "nope.json")},
		"missing policy":   {"gate", fx.model, "--policy", filepath.Join(fx.dir, "nope")},
		"unknown flag":     {"gate", fx.model, "--frobnicate"},
	} {
		if out, errOut, code := scanCLI(t, args...); code != ExitUsage {
			t.Errorf("%s: exit %d, want 2\n%s\n%s", name, code, out, errOut)
		}
	}
}

// --emit-evidence writes valid records and the input document; replaying
// the input with 'mlsec policy eval' gives the same decision.
func TestGateEmitEvidence(t *testing.T) {
	fx := newGateFixture(t, nil)
	em := filepath.Join(fx.dir, "ev")
	sarif := filepath.Join(fx.dir, "gate.sarif")
	_, errOut, code := scanCLI(t, "gate", fx.model, "--key", fx.pub, "--emit-evidence", em, "--sarif", sarif, "--format", "json", "-o", filepath.Join(fx.dir, "out.json"))
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, typ := range []string{"scan", "signature", "bom"} {
		f, err := os.Open(filepath.Join(em, typ+".json"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := evidence.Read(f)
		f.Close()
		if err != nil || len(recs) != 1 || recs[0].Type != typ {
			t.Errorf("%s.json: %v %+v", typ, err, recs)
		}
	}
	type decision struct {
		Allowed  bool
		Denies   []struct{ ID, Message string }
		Warnings []struct{ ID, Message string }
	}
	var gated, replayed decision
	if err := json.Unmarshal(mustRead(t, filepath.Join(fx.dir, "out.json")), &gated); err != nil || gated.Allowed || len(gated.Denies) == 0 || gated.Denies[0].ID != "MLSEC-SIG-001" {
		t.Fatalf("-o file: %v %+v", err, gated)
	}
	validateGateSARIF(t, mustRead(t, sarif))
	out, errOut, code := scanCLI(t, "policy", "eval", "--input", filepath.Join(em, "input.json"), "--format", "json")
	if err := json.Unmarshal([]byte(out), &replayed); err != nil || code != ExitFindings {
		t.Fatalf("replay: exit %d, %v\n%s", code, err, errOut)
	}
	if g, r := fmt.Sprint(gated), fmt.Sprint(replayed); g != r {
		t.Errorf("replayed decision differs:\ngate:   %s\nreplay: %s", g, r)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// validateGateSARIF checks a log against the SARIF 2.1.0 schema that
// scan/output's tests use (draft-04, named by "id").
func validateGateSARIF(t *testing.T, out []byte) {
	t.Helper()
	f, err := os.Open(sarifSchemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := doc.(map[string]any)["id"].(string)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("SARIF does not validate: %v\n%s", err, out)
	}
}

var sarifSchemaPath, _ = filepath.Abs("../../../../scan/output/testdata/sarif-schema-2.1.0.json")

var (
	timestampRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	fprintRE    = regexp.MustCompile(`("mlsecGateResult/v1": )"[0-9a-f]+"`)
)

// normalizeGate removes what changes between runs: times, the test key and
// the build version.
func normalizeGate(s, keyID string) string {
	s = timestampRE.ReplaceAllString(s, "TIMESTAMP")
	s = strings.ReplaceAll(s, keyID, "KEYID")
	s = strings.ReplaceAll(s, keyID[:12], "KEYID")
	s = strings.ReplaceAll(s, `"`+version.String()+`"`, `"VERSION"`)
	return fprintRE.ReplaceAllString(s, `$1"FINGERPRINT"`)
}

// TestGateGolden pins the json and sarif output of a denied model: a signed
// model with a malicious pickle, plus evidence about another artifact.
func TestGateGolden(t *testing.T) {
	fx := newGateFixture(t, map[string][]byte{"weights.pkl": gateEvilPickle})
	fx.sign(t)
	golden, err := filepath.Abs(filepath.Join(gateTestdata, "golden"))
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Repeat("ab", 32)
	rec, err := evidence.New(evidence.TypeTest, evidence.NewSubject("model", other), "8", time.Now(), map[string]any{"suite": "regression", "passed": 41, "failed": 0})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := evidence.Write(&buf, rec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fx.dir, "tests.json"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(fx.dir) // relative paths make the output independent of the temp dir
	for _, format := range []string{"json", "sarif"} {
		out, errOut, code := scanCLI(t, "gate", "model", "--key", "signer.pub.pem", "--evidence", "tests.json", "--environment", "ci", "--format", format)
		if code != ExitFindings {
			t.Fatalf("%s: exit %d\n%s", format, code, errOut)
		}
		if format == "sarif" {
			validateGateSARIF(t, []byte(out))
		} else {
			var r struct {
				Decision string
				Ignored  []struct{ Source string }
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil || r.Decision != "deny" || len(r.Ignored) != 1 || r.Ignored[0].Source != "tests.json" {
				t.Errorf("json: %v %+v", err, r)
			}
		}
		got := normalizeGate(out, fx.keyID)
		path := filepath.Join(golden, "deny."+format)
		if *updateGateGolden {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./cmd/mlsec/internal/cli -run TestGateGolden -update-gate)", err)
		}
		if got != string(want) {
			t.Errorf("%s output differs from %s (rerun with -update-gate if intended):\n%s", format, path, got)
		}
	}
}

// Evidence about another artifact is reported as ignored; it only warns, so
// the model passes unless --fail-on warn.
func TestGateForeignEvidenceAndFailOnWarn(t *testing.T) {
	fx := newGateFixture(t, nil)
	fx.sign(t)
	rec, err := evidence.New(evidence.TypeTest, evidence.NewSubject("model", strings.Repeat("cd", 32)), "8", time.Now(), map[string]any{"suite": "s", "passed": 1, "failed": 0})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := evidence.Write(&buf, rec); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(fx.dir, "tests.json")
	if err := os.WriteFile(ev, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := scanCLI(t, "gate", fx.model, "--key", fx.pub, "--evidence", ev)
	if code != ExitOK || !strings.Contains(out, "[IGNORED: about sha256:cdcdcdcdcdcd") || !strings.Contains(out, "MLSEC-EVD-001") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if out, _, code := scanCLI(t, "gate", fx.model, "--key", fx.pub, "--evidence", ev, "--fail-on", "warn"); code != ExitFindings || !strings.Contains(out, "Decision: ALLOWED") {
		t.Errorf("--fail-on warn: exit %d\n%s", code, out)
	}
}
