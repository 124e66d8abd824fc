package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const bomFixture = "../../../../bom/testdata/models/hf-bert-tiny"

type cliBOM struct {
	SpecVersion  string
	SerialNumber string
	Metadata     struct {
		Timestamp  string
		Properties []struct{ Name, Value string }
	}
	Components []struct {
		Type, Name string
	}
}

func (b cliBOM) prop(name string) string {
	for _, p := range b.Metadata.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func TestBomWritesFile(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "86400")
	out := filepath.Join(t.TempDir(), "bom.json")
	stdout, stderr, code := scanCLI(t, "bom", bomFixture, "--no-scan", "-o", out)
	if code != ExitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "completeness 78/100; missing: version, inputs-outputs, performance-metrics, limitations, scan") {
		t.Errorf("stderr %q", stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var b cliBOM
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	if b.SpecVersion != "1.6" || b.Components[0].Type != "machine-learning-model" || b.Components[0].Name != "bert-tiny-benign" {
		t.Errorf("BOM %+v", b)
	}
	if b.Metadata.Timestamp != "1970-01-02T00:00:00Z" || b.prop("mlsec:scan:result") != "not-run" || b.prop("mlsec:bom:completeness") != "78" {
		t.Errorf("metadata %+v", b.Metadata)
	}
	// SOURCE_DATE_EPOCH makes the output reproducible.
	out2 := filepath.Join(t.TempDir(), "bom.json")
	if _, _, code := scanCLI(t, "bom", bomFixture, "--no-scan", "-o", out2); code != ExitOK {
		t.Fatal(code)
	}
	if data2, _ := os.ReadFile(out2); string(data2) != string(data) {
		t.Error("SOURCE_DATE_EPOCH output is not reproducible")
	}
}

func TestBomStdoutAndSpec17(t *testing.T) {
	stdout, _, code := scanCLI(t, "bom", bomFixture, "--spec-version", "1.7")
	var b cliBOM
	if code != ExitOK || json.Unmarshal([]byte(stdout), &b) != nil || b.SpecVersion != "1.7" {
		t.Fatalf("exit %d, spec %q", code, b.SpecVersion)
	}
	if b.prop("mlsec:scan:result") != "clean" {
		t.Errorf("scan result %q", b.prop("mlsec:scan:result"))
	}
}

func TestBomMinScore(t *testing.T) {
	_, stderr, code := scanCLI(t, "bom", bomFixture, "--no-scan", "--min-score", "90", "-o", filepath.Join(t.TempDir(), "b.json"))
	if code != ExitFindings || !strings.Contains(stderr, "below --min-score 90") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	_, _, code = scanCLI(t, "bom", bomFixture, "--no-scan", "--min-score", "78", "-o", filepath.Join(t.TempDir(), "b.json"))
	if code != ExitOK {
		t.Errorf("score equal to --min-score: exit %d", code)
	}
}

func TestBomUsageErrors(t *testing.T) {
	cases := [][]string{
		{"bom"},
		{"bom", bomFixture, "--spec-version", "1.5"},
		{"bom", bomFixture, "--format", "xml"},
		{"bom", bomFixture, "--format", "spdx-json"},
		{"bom", bomFixture, "--min-score", "101"},
		{"bom", "/no/such/model"},
		{"bom", bomFixture, "--no-scan", "-o", "/no/such/dir/bom.json"},
		{"bom", writeFiles(t, map[string]string{"config.json": "{"}), "--no-scan"},
	}
	for _, args := range cases {
		stdout, stderr, code := scanCLI(t, args...)
		if code != ExitUsage || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
		if stdout != "" && !strings.Contains(strings.Join(args, " "), "/no/such/dir") {
			t.Errorf("%v: wrote %d bytes to stdout on error", args, len(stdout))
		}
	}
	_, stderr, _ := scanCLI(t, "bom", bomFixture, "--format", "spdx-json")
	if !strings.Contains(stderr, "not supported yet") {
		t.Errorf("spdx message %q", stderr)
	}
}

func TestBomHelp(t *testing.T) {
	stdout, _, code := scanCLI(t, "bom", "--help")
	if code != ExitOK {
		t.Fatal(code)
	}
	for _, want := range []string{"mlsec bom ./my-model -o my-model.cdx.json", "--min-score", "--spec-version", "--no-scan", "SOURCE_DATE_EPOCH"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
