package bom

// Acceptance-audit tests (issue 3, ML-BOM). They run Generate with a real
// scan on inputs a new user would try and check the output against the
// vendored CycloneDX schemas.

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func auditGenerate(t *testing.T, root string) *Result {
	t.Helper()
	r, err := Generate(context.Background(), root, Options{Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Reproducible: true, ToolVersion: "audit"})
	if err != nil {
		t.Fatalf("Generate(%s): %v", root, err)
	}
	return r
}

// mlsec bom on a single malicious checkpoint and on a folder without a
// README: schema-valid for 1.6 and 1.7, the scan finding becomes a
// vulnerability, the missing card fields are listed.
func TestAuditBOMSingleFileAndNoReadme(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"evil.pkl":             "\x80\x02cos\nsystem\nX\x07\x00\x00\x00echo hi\x85R.",
		"noreadme/config.json": `{"architectures":["BertModel"],"model_type":"bert"}`,
		"noreadme/weights.bin": "\x00\x01\x02",
	})
	single := auditGenerate(t, filepath.Join(dir, "evil.pkl"))
	for _, spec := range []string{"1.6", "1.7"} {
		validate(t, encode(t, single.BOM, spec), spec)
	}
	if single.BOM.Vulnerabilities == nil || len(*single.BOM.Vulnerabilities) == 0 {
		t.Error("single malicious pickle: want its PKL001 finding as a vulnerability")
	} else if id := (*single.BOM.Vulnerabilities)[0].ID; id != "PKL001" {
		t.Errorf("vulnerability id = %q, want PKL001", id)
	}
	nr := auditGenerate(t, filepath.Join(dir, "noreadme"))
	for _, spec := range []string{"1.6", "1.7"} {
		validate(t, encode(t, nr.BOM, spec), spec)
	}
	if nr.Score.Score >= 100 || len(nr.Score.Missing) == 0 {
		t.Errorf("folder without README: want missing fields, got score %d missing %v", nr.Score.Score, nr.Score.Missing)
	}
}

// Python dependencies from requirements.txt become library components. A
// VCS, URL or local requirement is still a dependency the model needs: it
// must appear in the BOM (or be reported), not vanish.
func TestAuditBOMRequirementsKeepsNonIndexDependencies(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"config.json":      `{"model_type":"bert"}`,
		"requirements.txt": "torch==2.1.0\n-e git+https://github.com/example/evilpkg.git#egg=evilpkg\nmylib @ https://example.com/mylib-1.0.tar.gz\n",
	})
	r := auditGenerate(t, dir)
	data := string(encode(t, r.BOM, "1.6"))
	validate(t, []byte(data), "1.6")
	for _, want := range []string{"torch", "evilpkg", "https://example.com/mylib-1.0.tar.gz"} {
		if !strings.Contains(data, want) {
			t.Errorf("BOM does not mention dependency %q from requirements.txt", want)
		}
	}
}
