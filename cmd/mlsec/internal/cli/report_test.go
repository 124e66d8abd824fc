package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/report"
)

// TestReportCommand runs 'mlsec report' against a real 'mlsec serve': JSON
// and HTML to files, usage errors, and an unknown model.
func TestReportCommand(t *testing.T) {
	url, admin := clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: t.TempDir()})
	cl, err := client.New(url, admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateModel(t.Context(), client.NewModel{Name: "toy", Description: "<b>toy</b>"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jsonOut, htmlOut := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	if code, _, errs := runCLI("report", "toy", "--format", "json", "-o", jsonOut); code != 0 {
		t.Fatalf("report json: %d %s", code, errs)
	}
	var r report.Report
	raw, _ := os.ReadFile(jsonOut)
	if err := json.Unmarshal(raw, &r); err != nil || r.Schema != report.Schema || r.Summary.Text != "Model toy has no versions yet." || !r.Audit.Available {
		t.Fatalf("json report: %v %s", err, raw)
	}
	if code, _, errs := runCLI("report", "toy", "-o", htmlOut); code != 0 {
		t.Fatalf("report html: %d %s", code, errs)
	}
	page, _ := os.ReadFile(htmlOut)
	if !strings.Contains(string(page), "&lt;b&gt;toy&lt;/b&gt;") || strings.Contains(string(page), "<script") {
		t.Errorf("html report: %s", page)
	}
	if code, _, _ := runCLI("report", "toy", "--format", "pdf"); code != ExitUsage {
		t.Errorf("--format pdf: exit %d, want %d", code, ExitUsage)
	}
	if code, _, errs := runCLI("report", "nosuch"); code == 0 || !strings.Contains(errs, "nosuch") {
		t.Errorf("unknown model: exit %d %s", code, errs)
	}
}
