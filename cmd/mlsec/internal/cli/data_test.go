package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/evidence"
)

// TestDataWalkthrough is docs/data.md's walkthrough: scan UCI Adult (its
// sensitive attributes reported, evidence bound to its digest), describe it
// with an allowed location, copy it elsewhere, and find the stray copy.
func TestDataWalkthrough(t *testing.T) {
	dir := t.TempDir()
	governed := filepath.Join(dir, "governed", "adult")
	os.MkdirAll(governed, 0o755)
	src, err := os.ReadFile("../../../../drift/testdata/data/adult-train.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(governed, "adult-train.csv.gz"), src, 0o644)

	ev := filepath.Join(dir, "adult.data.json")
	code, out, errs := runCLI("data", "scan", governed, "--null-values", "?", "--evidence", ev, "--name", "adult")
	if code != 0 {
		t.Fatalf("data scan: %d %s %s", code, out, errs)
	}
	for _, want := range []string{"sex (name)", "race (name)", "age (name)", "32561 rows"} {
		if !strings.Contains(out, want) {
			t.Errorf("data scan output lacks %q:\n%s", want, out)
		}
	}
	b, _ := os.ReadFile(ev)
	var rec evidence.Record
	if err := json.Unmarshal(b, &rec); err != nil || rec.Type != evidence.TypeData || rec.Subject.Name != "adult" {
		t.Fatalf("evidence: %v %s", err, b)
	}
	if err := rec.Validate(); err != nil {
		t.Errorf("evidence does not validate: %v", err)
	}

	desc := filepath.Join(dir, "adult.dataset.json")
	code, out, errs = runCLI("data", "manifest", governed, "--name", "adult", "--owner", "team-risk",
		"--classification", "confidential", "--allow", "file://"+filepath.ToSlash(filepath.Join(dir, "governed")), "-o", desc)
	if code != 0 {
		t.Fatalf("data manifest: %d %s %s", code, out, errs)
	}
	d, _ := os.ReadFile(desc)
	if !strings.Contains(string(d), strings.TrimPrefix(rec.Subject.Digest["sha256"], "")) {
		t.Errorf("the descriptor's digest is not the evidence subject's: %s", d)
	}

	// Only the governed copy: nothing stray.
	if code, out, errs := runCLI("data", "locate", dir, "--dataset", desc); code != 0 || !strings.Contains(out, "1 copies, 0 stray") {
		t.Fatalf("locate before the copy: %d %s %s", code, out, errs)
	}
	os.MkdirAll(filepath.Join(dir, "scratch"), 0o755)
	os.WriteFile(filepath.Join(dir, "scratch", "data.bin"), src, 0o644)
	code, out, errs = runCLI("data", "locate", dir, "--dataset", desc)
	if code != 1 || !strings.Contains(out, "STRAY") || !strings.Contains(out, "scratch/data.bin") || !strings.Contains(out, "confidential") {
		t.Fatalf("locate after the copy: %d %s %s", code, out, errs)
	}

	// A file with personal data exits 1; a ragged one too, naming it.
	os.WriteFile(filepath.Join(dir, "people.csv"), []byte("email\nann@example.com\n"), 0o644)
	if code, out, _ := runCLI("data", "scan", filepath.Join(dir, "people.csv")); code != 1 || !strings.Contains(out, "EMAIL_ADDRESS:1") {
		t.Errorf("pii: %d %s", code, out)
	}
	os.WriteFile(filepath.Join(dir, "ragged.csv"), []byte("a,b\n1\n"), 0o644)
	if code, out, _ := runCLI("data", "scan", filepath.Join(dir, "ragged.csv")); code != 1 || !strings.Contains(out, "error: ragged.csv") {
		t.Errorf("ragged: %d %s", code, out)
	}
	if code, _, errs := runCLI("data", "scan", filepath.Join(dir, "missing")); code != 2 || !strings.Contains(errs, "missing") {
		t.Errorf("missing path: %d %s", code, errs)
	}
}
