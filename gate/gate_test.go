package gate

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/pickleasm"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/sign"
)

// Pickles as bytes; nothing is ever unpickled.
var (
	benignPickle = []byte("\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s.") // {"a": 1}
	evilPickle   = pickleasm.New(2).Global("os", "system").Unicode("echo hi").Tuple1().Reduce().Stop().Bytes()
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// cleanModel copies testdata/clean-model into a temporary folder and adds
// extra files (e.g. a pickle).
func cleanModel(t *testing.T, extra map[string][]byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sentiment")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir("testdata/clean-model")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata/clean-model", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	for k, v := range extra {
		files[k] = v
	}
	for name, b := range files {
		if b == nil {
			continue // nil removes a testdata file
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// newKey returns a fresh P-256 key and its trusted-key form.
func newKey(t *testing.T) (*ecdsa.PrivateKey, evidence.TrustedKey) {
	t.Helper()
	k, _, pub, err := sign.GenerateKey("P-256")
	if err != nil {
		t.Fatal(err)
	}
	tk, err := sign.ParseTrustedKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, tk
}

// signModel writes dir/model.sig as 'mlsec sign --signature dir/model.sig' does.
func signModel(t *testing.T, dir string, key *ecdsa.PrivateKey) {
	t.Helper()
	s, err := sign.NewKeySigner(key)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.Sign(context.Background(), dir, sign.SignOptions{Hash: manifest.Options{IgnorePaths: []string{"model.sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.sig"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, o Options) *Outcome {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = testNow
	}
	out, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out
}

func ids(rs []policy.Result) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		m[r.ID] += r.Message + "\n"
	}
	return m
}

func TestRunCleanSignedAllowed(t *testing.T) {
	key, tk := newKey(t)
	dir := cleanModel(t, map[string][]byte{"weights.pkl": benignPickle})
	signModel(t, dir, key)
	out := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}})
	if !out.Allowed() {
		t.Fatalf("clean signed model denied: %+v", out.Decision.Denies)
	}
	if !out.Signature.Verified || out.Signature.KeyID != tk.ID || out.Signature.Path != filepath.Join(dir, "model.sig") {
		t.Errorf("signature check = %+v", out.Signature)
	}
	if out.Signature.RootDigest != out.Subject.Digest["sha256"] {
		t.Errorf("signature covers %s, subject is %s", out.Signature.RootDigest, out.Subject.Digest["sha256"])
	}
	var types []string
	for _, it := range out.Produced {
		types = append(types, it.Type)
		if it.Subject.SHA256() != out.Subject.Digest["sha256"] || !it.Timestamp.Equal(testNow) {
			t.Errorf("%s record not bound to the subject at now: %+v", it.Type, it.Subject)
		}
	}
	if strings.Join(types, ",") != "scan,signature,bom" {
		t.Errorf("produced %v", types)
	}
	if out.Subject.Name != "sentiment" || out.Input.Action.Name != "promote" || out.Input.Context.Time != "2026-03-01T12:00:00Z" {
		t.Errorf("input = %+v / %+v / %+v", out.Subject, out.Input.Action, out.Input.Context)
	}
}

// A signed, clean model without a model card: the baseline profile allows
// it with the documentation gaps as warnings; strict denies on them. Both
// deny the same model unsigned (a provenance failure).
func TestRunProfiles(t *testing.T) {
	key, tk := newKey(t)
	dir := cleanModel(t, map[string][]byte{"README.md": nil, "config.json": nil, "weights.pkl": benignPickle})
	signModel(t, dir, key)
	docGaps := "MLSEC-BOM-002,MLSEC-BOM-003,MLSEC-BOM-004"
	idList := func(rs []policy.Result) string {
		var l []string
		for _, r := range rs {
			l = append(l, r.ID)
		}
		return strings.Join(l, ",")
	}
	base := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}})
	if !base.Allowed() || base.Decision.Profile != "baseline" || idList(base.Decision.Warnings) != docGaps {
		t.Errorf("baseline: allowed %v profile %q warnings %s denies %s", base.Allowed(), base.Decision.Profile,
			idList(base.Decision.Warnings), idList(base.Decision.Denies))
	}
	strict := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}, Policy: policy.Options{Profile: "strict"}})
	if strict.Allowed() || strict.Decision.Profile != "strict" || idList(strict.Decision.Denies) != docGaps {
		t.Errorf("strict: allowed %v profile %q denies %s", strict.Allowed(), strict.Decision.Profile, idList(strict.Decision.Denies))
	}
	if NewReport(strict).Profile != "strict" {
		t.Error("the report does not name the profile")
	}
	if err := os.Remove(filepath.Join(dir, "model.sig")); err != nil {
		t.Fatal(err)
	}
	unsigned := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}})
	if unsigned.Allowed() || idList(unsigned.Decision.Denies) != "MLSEC-SIG-001" {
		t.Errorf("unsigned under baseline: denies %s", idList(unsigned.Decision.Denies))
	}
	_, err := Run(context.Background(), Options{ModelPath: dir, Policy: policy.Options{Profile: "lenient"}})
	if !errors.Is(err, policy.ErrProfile) {
		t.Errorf("unknown profile: %v", err)
	}
}

func TestRunUnsignedDenied(t *testing.T) {
	_, tk := newKey(t)
	dir := cleanModel(t, nil)
	out := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}})
	if out.Allowed() {
		t.Fatal("unsigned model allowed")
	}
	d := ids(out.Decision.Denies)
	if !strings.Contains(d["MLSEC-SIG-001"], "no verified signature") {
		t.Errorf("denies = %v", d)
	}
	if out.Signature.Present || !strings.HasPrefix(out.Signature.Problem, "unsigned") {
		t.Errorf("signature = %+v", out.Signature)
	}
	// Only the signature is missing: nothing else denies.
	for id := range d {
		if !strings.HasPrefix(id, "MLSEC-SIG-") {
			t.Errorf("unexpected deny %s: %s", id, d[id])
		}
	}
}

func TestRunSignatureProblems(t *testing.T) {
	key, tk := newKey(t)
	_, other := newKey(t)
	t.Run("tampered", func(t *testing.T) {
		dir := cleanModel(t, nil)
		signModel(t, dir, key)
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "evil"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		out := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{other, tk}})
		d := ids(out.Decision.Denies)
		if out.Allowed() || !strings.Contains(d["MLSEC-SIG-002"], "config.json") {
			t.Errorf("tampered model: denies = %v", d)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		dir := cleanModel(t, nil)
		signModel(t, dir, key)
		out := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{other}})
		if out.Allowed() || !strings.Contains(out.Signature.Problem, "none of the 1 trusted key") {
			t.Errorf("wrong key: %+v, denies %v", out.Signature, ids(out.Decision.Denies))
		}
	})
	t.Run("no key", func(t *testing.T) {
		dir := cleanModel(t, nil)
		signModel(t, dir, key)
		out := run(t, Options{ModelPath: dir})
		if out.Allowed() || !out.Signature.Present || !strings.Contains(out.Signature.Problem, "no trusted key") {
			t.Errorf("no key: %+v", out.Signature)
		}
	})
	t.Run("second key verifies", func(t *testing.T) {
		dir := cleanModel(t, nil)
		signModel(t, dir, key)
		out := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{other, tk}})
		if !out.Allowed() || out.Signature.KeyID != tk.ID {
			t.Errorf("two keys: %+v, denies %v", out.Signature, ids(out.Decision.Denies))
		}
	})
	t.Run("single file with sibling signature", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "model.pkl")
		if err := os.WriteFile(p, benignPickle, 0o644); err != nil {
			t.Fatal(err)
		}
		s, _ := sign.NewKeySigner(key)
		b, _, err := s.Sign(context.Background(), p, sign.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := b.Marshal()
		if err := os.WriteFile(p+".sig", data, 0o644); err != nil {
			t.Fatal(err)
		}
		out := run(t, Options{ModelPath: p, Keys: []evidence.TrustedKey{tk}})
		if !out.Signature.Verified || out.Signature.Path != p+".sig" {
			t.Errorf("sibling signature: %+v", out.Signature)
		}
	})
}

func TestRunMaliciousDenied(t *testing.T) {
	key, tk := newKey(t)
	dir := cleanModel(t, map[string][]byte{"weights.pkl": evilPickle})
	signModel(t, dir, key)
	out := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}})
	d := ids(out.Decision.Denies)
	if out.Allowed() || !strings.Contains(d["MLSEC-SCAN-002"], "PKL") {
		t.Fatalf("malicious signed model: denies = %v", d)
	}
	if _, ok := d["MLSEC-SIG-001"]; ok {
		t.Error("a valid signature was not counted")
	}
}

// Evidence about other bytes goes to the policy, is reported as ignored and
// never counts: the high-risk model still lacks fairness evidence.
func TestRunForeignEvidenceIgnored(t *testing.T) {
	key, tk := newKey(t)
	dir := cleanModel(t, nil)
	signModel(t, dir, key)
	other := strings.Repeat("ab", 32)
	rec, err := evidence.New(evidence.TypeFairness, evidence.NewSubject("sentiment", other), "1", testNow,
		map[string]any{"metrics": []any{map[string]any{"name": "dpd", "attribute": "sex", "value": 0.01}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := evidence.Write(&buf, rec); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(t.TempDir(), "fairness.json")
	if err := os.WriteFile(ev, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}, EvidenceFiles: []string{ev}, SensitiveAttributes: []string{"sex"}})
	if len(out.Ignored) != 1 || out.Ignored[0].Source != ev || out.Ignored[0].Digest != other {
		t.Fatalf("ignored = %+v", out.Ignored)
	}
	if len(out.Input.Evidence) != 4 {
		t.Errorf("the foreign record was not passed to the policy: %d items", len(out.Input.Evidence))
	}
	if _, ok := ids(out.Decision.Denies)["MLSEC-FAIR-001"]; !ok || out.Allowed() {
		t.Errorf("foreign fairness evidence counted: denies = %v", ids(out.Decision.Denies))
	}
	if _, ok := ids(out.Decision.Warnings)["MLSEC-EVD-001"]; !ok {
		t.Errorf("warnings = %v", ids(out.Decision.Warnings))
	}
}

// A fairness attestation signed by the trusted key is read as signed and
// satisfies the fairness rule.
func TestRunSignedAttestation(t *testing.T) {
	key, tk := newKey(t)
	dir := cleanModel(t, nil)
	signModel(t, dir, key)
	base := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}})
	rec, err := evidence.New(evidence.TypeFairness, evidence.NewSubject("sentiment", base.Subject.Digest["sha256"]), "1", testNow,
		map[string]any{"metrics": []any{map[string]any{"name": "dpd", "attribute": "sex", "value": 0.01}}})
	if err != nil {
		t.Fatal(err)
	}
	env, err := evidence.Attest(rec, key)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := evidence.WriteEnvelope(&buf, env); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(t.TempDir(), "fairness.intoto.json")
	if err := os.WriteFile(ev, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}, EvidenceFiles: []string{ev}, SensitiveAttributes: []string{"sex"}})
	if !out.Allowed() {
		t.Fatalf("denies = %v", ids(out.Decision.Denies))
	}
	if len(out.Collected) != 1 || !out.Collected[0].Signed || out.Collected[0].Signer != tk.ID {
		t.Errorf("collected = %+v", out.Collected)
	}
}

func TestRunCustomPolicy(t *testing.T) {
	key, tk := newKey(t)
	noDesc := []byte("---\nlicense: mit\ndatasets:\n- imdb\npipeline_tag: text-classification\nbase_model: bert-base-uncased\n---\n")
	dir := cleanModel(t, map[string][]byte{"README.md": noDesc})
	signModel(t, dir, key)
	o := Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}}
	if out := run(t, o); !out.Allowed() {
		t.Fatalf("without the team rule the model should pass: %v", ids(out.Decision.Denies))
	}
	o.Policy.Dirs = []string{"testdata/policies/readme"}
	out := run(t, o)
	r, ok := ids(out.Decision.Denies)["ACME-README-001"]
	if out.Allowed() || !ok || !strings.Contains(r, "no README description") {
		t.Fatalf("team rule not enforced: %v", ids(out.Decision.Denies))
	}
	for _, d := range out.Decision.Denies {
		if d.ID == "ACME-README-001" && (d.Package != "mlsec.gate.acme" || len(d.Controls.NISTAIRMF) == 0 || d.Remediation == "") {
			t.Errorf("result lacks metadata: %+v", d)
		}
	}
}

func TestRunBrokenPolicyNeverAllows(t *testing.T) {
	key, tk := newKey(t)
	dir := cleanModel(t, nil)
	signModel(t, dir, key)
	for _, p := range []string{"testdata/policies/broken-syntax", "testdata/policies/broken-runtime", "testdata/does-not-exist"} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			out, err := Run(context.Background(), Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}, Policy: policy.Options{Dirs: []string{p}}, Now: testNow})
			if err == nil || out != nil {
				t.Fatalf("broken policy gave outcome %+v, err %v", out, err)
			}
			if !errors.Is(err, policy.ErrPolicy) {
				t.Errorf("error does not wrap ErrPolicy: %v", err)
			}
		})
	}
}

func TestRunInputErrors(t *testing.T) {
	dir := cleanModel(t, nil)
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"schema": "nope"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]Options{
		"missing model":     {ModelPath: filepath.Join(dir, "nope")},
		"missing evidence":  {ModelPath: dir, EvidenceFiles: []string{filepath.Join(dir, "nope.json")}},
		"invalid evidence":  {ModelPath: dir, EvidenceFiles: []string{bad}},
		"missing signature": {ModelPath: dir, SignaturePath: filepath.Join(dir, "nope.sig")},
	} {
		out, err := Run(context.Background(), o)
		if err == nil || out != nil || !errors.Is(err, ErrInput) {
			t.Errorf("%s: outcome %v, err %v", name, out, err)
		}
	}
}

// The engine can be prepared once and reused (what the registry server does).
func TestRunReusesEngine(t *testing.T) {
	eng, err := policy.New(context.Background(), policy.Options{Dirs: []string{"testdata/policies/readme"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := cleanModel(t, nil)
	for range 2 {
		out := run(t, Options{ModelPath: dir, Engine: eng, Policy: policy.Options{Dirs: []string{"testdata/does-not-exist"}}})
		if _, ok := ids(out.Decision.Denies)["MLSEC-SIG-001"]; !ok {
			t.Fatalf("denies = %v", ids(out.Decision.Denies))
		}
	}
}

// The example team rule ships with a Rego unit test; it must pass (this is
// what 'mlsec policy test gate/testdata/policies/readme' runs).
func TestExamplePolicyUnitTests(t *testing.T) {
	res, err := policy.RunTests(context.Background(), policy.TestOptions{Dirs: []string{"testdata/policies/readme"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 {
		t.Fatal("no Rego tests ran")
	}
	for _, r := range res {
		if !r.Pass {
			t.Errorf("%s.%s failed: %s %s", r.Package, r.Name, r.Error, r.Output)
		}
	}
}

// TestRunHashesOnce: the gate reads the model's bytes once for its
// identity, its BOM and the signature check (issue 10: it used to hash
// twice); every record, the BOM and the signature name the same digest,
// which is the registry's (manifest.Identity).
func TestRunHashesOnce(t *testing.T) {
	key, tk := newKey(t)
	dir := cleanModel(t, map[string][]byte{"weights.pkl": benignPickle})
	signModel(t, dir, key)
	// An attachment next to the model does not change anything.
	if err := os.WriteFile(filepath.Join(dir, "bom.cdx.json"), []byte(`{"bomFormat": "CycloneDX"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var size, hashed int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && e.Name() != "model.sig" && e.Name() != "bom.cdx.json" {
			size += fi.Size()
		}
	}
	out := run(t, Options{ModelPath: dir, Keys: []evidence.TrustedKey{tk}, Progress: func(done, total int64) {
		if done == total {
			hashed += total
		}
	}})
	if !out.Allowed() || !out.Signature.Verified {
		t.Fatalf("denied: %+v %+v", out.Decision.Denies, out.Signature)
	}
	id, err := manifest.Identity(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if hashed != size {
		t.Errorf("hashed %d bytes for a %d-byte model", hashed, size)
	}
	if d := out.Subject.Digest["sha256"]; d != hex.EncodeToString(id) || out.Signature.RootDigest != d || hex.EncodeToString(out.BOM.RootDigest) != d {
		t.Errorf("digests differ: subject %s, identity %x, signature %s, BOM %x", d, id, out.Signature.RootDigest, out.BOM.RootDigest)
	}
}
