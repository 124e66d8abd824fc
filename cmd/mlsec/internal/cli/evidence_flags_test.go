package cli

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/sign"
)

// TestEvidenceFlag checks that scan, bom and verify each write one evidence
// record of their type, bound to the model's identity digest.
func TestEvidenceFlag(t *testing.T) {
	model := writeFiles(t, map[string]string{
		"config.json": `{"model_type": "bert"}`,
		"README.md":   "---\nlicense: apache-2.0\n---\n# tiny\n",
	})
	key, _, pubPEM, err := sign.GenerateKey("P-256")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := sign.NewKeySigner(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sigPath := filepath.Join(dir, "model.sig")
	b, _, err := signer.Sign(context.Background(), model, sign.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	pubPath := filepath.Join(dir, "key.pub")
	if err := os.WriteFile(sigPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubPath, pubPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := manifest.Identity(context.Background(), model, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := hex.EncodeToString(id)

	cases := []struct {
		typ  string
		args []string
		code int
	}{
		{evidence.TypeScan, []string{"scan", model}, ExitOK},
		{evidence.TypeBOM, []string{"bom", "--no-scan", "-o", filepath.Join(dir, "bom.json"), model}, ExitOK},
		{evidence.TypeSignature, []string{"verify", "--signature", sigPath, "--key", pubPath, model}, ExitOK},
	}
	for _, c := range cases {
		out := filepath.Join(dir, c.typ+".evidence.json")
		args := append([]string{c.args[0], "--evidence", out, "--model-name", "tiny"}, c.args[1:]...)
		if _, errs, code := scanCLI(t, args...); code != c.code {
			t.Fatalf("%v: exit %d, stderr %s", args, code, errs)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatalf("%s: no evidence file: %v", c.typ, err)
		}
		recs, err := evidence.Read(f)
		f.Close()
		if err != nil || len(recs) != 1 {
			t.Fatalf("%s: read %d records: %v", c.typ, len(recs), err)
		}
		r := recs[0]
		if r.Type != c.typ || r.Subject.Name != "tiny" || r.Subject.SHA256() != want {
			t.Errorf("%s: got type %s subject %s %s, want digest %s", c.typ, r.Type, r.Subject.Name, r.Subject.SHA256(), want)
		}
	}
	// One evidence record describes one model.
	if _, _, code := scanCLI(t, "scan", "--evidence", filepath.Join(dir, "x.json"), model, model); code != ExitUsage {
		t.Errorf("scan --evidence with two paths: exit %d, want %d", code, ExitUsage)
	}
}

// TestModelRef checks the --evidence/--model group that fairness and drift
// share: every bad combination is refused with the same words, and
// --model binds the digest push gives the folder, so an evidence file
// written into it does not change the version it names.
func TestModelRef(t *testing.T) {
	t.Parallel()
	const d = "4f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"
	for _, c := range []struct {
		m    modelRef
		want string
	}{
		{modelRef{}, ""},
		{modelRef{evidence: "e.json", digest: d, name: "m"}, ""},
		{modelRef{evidence: "e.json", path: "dir"}, ""},
		{modelRef{evidence: "e.json"}, "--evidence needs --model PATH"},
		{modelRef{evidence: "e.json", path: "dir", digest: d}, "--evidence needs --model PATH"},
		{modelRef{evidence: "e.json", digest: "abc", name: "m"}, "want 64 hex digits"},
		{modelRef{evidence: "e.json", digest: d}, "--model-digest needs --model-name"},
		{modelRef{path: "dir"}, "add --evidence FILE"},
	} {
		err := c.m.check()
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.m, err, c.want)
		}
	}
	model := writeFiles(t, map[string]string{"config.json": `{"model_type": "bert"}`})
	m := modelRef{evidence: filepath.Join(model, "x.evidence.json"), path: model}
	before, err := m.subject(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.evidence, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := m.subject(context.Background())
	if err != nil || after.SHA256() != before.SHA256() || after.Name != filepath.Base(model) {
		t.Errorf("subject %+v then %+v (%v): an evidence file in the folder changed the version", before, after, err)
	}
	if s, _ := (&modelRef{evidence: "e", digest: "SHA256:" + strings.ToUpper(d), name: "m"}).subject(context.Background()); s.SHA256() != d {
		t.Errorf("digest not normalised: %s", s.SHA256())
	}
	for _, cmd := range [][]string{
		{"fairness", "data.csv", "--y-true", "y", "--y-pred", "p", "--sensitive", "s", "--evidence", "e.json"},
		{"drift", "a.csv", "b.csv", "--evidence", "e.json"},
	} {
		if code, _, errOut := runCLI(cmd...); code != ExitUsage || !strings.Contains(errOut, "--evidence needs --model PATH") {
			t.Errorf("%s: exit %d %s", cmd[0], code, errOut)
		}
	}
}
