package output

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/scan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixtureReport covers every field and status: a nested member with a
// callable and argument, a broken file, an info finding, a skipped file,
// a path that needs URI escaping and hostile text for the table.
func fixtureReport() *scan.Report {
	return &scan.Report{
		Tool:    "mlsec",
		Version: "test",
		Findings: []scan.Finding{
			{Path: "models/broken.pkl", Format: scan.FormatPickle, RuleID: "FMT001", Severity: scan.SeverityMedium, Offset: 17,
				Message: "pickle: unexpected end of data at offset 17", Remediation: "Re-export the file with its framework; a file that cannot be parsed cannot be trusted."},
			{Path: "models/model.pt", Member: "archive/data.pkl", Format: scan.FormatPickle, RuleID: "PKL001", Severity: scan.SeverityCritical,
				Callable: "os.system", Argument: "echo hi", Offset: 2,
				Message: "calls os.system (runs shell commands and touches the file system)", Remediation: "Do not load this file. Obtain the model from a trusted source, or re-export it as safetensors."},
			{Path: "models/model.pt", Member: "archive/data.pkl", Format: scan.FormatPickle, RuleID: "PKL011", Severity: scan.SeverityInfo, Offset: 40,
				Message: "3 bytes follow the last pickle stream"},
			{Path: "my models/ünïcode:1.bin", Format: scan.FormatPickle, RuleID: "PKL004", Severity: scan.SeverityHigh,
				Callable: "evil.\x1b[31mred\u202e", Argument: "line1\nline2", Offset: -1,
				Message: "calls unverified evil.red"},
		},
		Files: []scan.FileResult{
			{Path: "models/broken.pkl", Size: 17, Format: scan.FormatPickle, Status: scan.StatusError, Reason: "pickle: unexpected end of data at offset 17", Findings: 1},
			{Path: "models/model.pt", Size: 2048, Format: scan.FormatPyTorchZip, Status: scan.StatusScanned, Members: 3, Findings: 2},
			{Path: "models/notes.txt", Size: 12, Format: scan.FormatText, Status: scan.StatusSkipped, Reason: "no format that can hold code"},
			{Path: "my models/ünïcode:1.bin", Size: 30, Format: scan.FormatPickle, Formats: []scan.Format{scan.FormatPickle, scan.FormatZip}, Status: scan.StatusScanned, Findings: 1},
		},
	}
}

func emptyReport() *scan.Report {
	return &scan.Report{Tool: "mlsec", Version: "test", Files: []scan.FileResult{
		{Path: "clean.safetensors", Size: 128, Format: scan.FormatSafetensors, Status: scan.StatusScanned},
	}}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./scan/output/ -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func render(t *testing.T, f Format, rep *scan.Report, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f, rep, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOutputGolden(t *testing.T) {
	cases := []struct {
		name string
		f    Format
		rep  *scan.Report
		o    Options
	}{
		{"report.json", FormatJSON, fixtureReport(), Options{FailOn: scan.SeverityMedium}},
		{"empty.json", FormatJSON, emptyReport(), Options{FailOn: scan.SeverityMedium}},
		{"report.sarif", FormatSARIF, fixtureReport(), Options{FailOn: scan.SeverityMedium, ExitCode: 1}},
		{"empty.sarif", FormatSARIF, emptyReport(), Options{FailOn: scan.SeverityMedium}},
		{"report.txt", FormatTable, fixtureReport(), Options{FailOn: scan.SeverityMedium}},
		{"report-skipped.txt", FormatTable, fixtureReport(), Options{FailOn: scan.SeverityCritical, ShowSkipped: true}},
		{"report-color.txt", FormatTable, fixtureReport(), Options{FailOn: FailNever, Color: true}},
		{"empty.txt", FormatTable, emptyReport(), Options{FailOn: scan.SeverityMedium}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := render(t, c.f, c.rep, c.o)
			if c.f == FormatSARIF {
				out = stableSARIF(t, out)
			}
			golden(t, c.name, out)
		})
	}
}

// stableSARIF keeps a SARIF golden file independent of the rule catalogue,
// which grows: it keeps only the rules the results use and renumbers
// ruleIndex to match. TestOutputSARIFGitHubShape checks the real indexes.
func stableSARIF(t *testing.T, out []byte) []byte {
	t.Helper()
	var log map[string]any
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	run := log["runs"].([]any)[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	all := driver["rules"].([]any)
	var kept []any
	seen := map[float64]int{}
	for _, r := range run["results"].([]any) {
		res := r.(map[string]any)
		old := res["ruleIndex"].(float64)
		n, ok := seen[old]
		if !ok {
			n = len(kept)
			seen[old] = n
			kept = append(kept, all[int(old)])
		}
		res["ruleIndex"] = n
	}
	if kept == nil {
		kept = []any{}
	}
	driver["rules"] = kept
	b, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestOutputParseFormatAndFailOn(t *testing.T) {
	for _, s := range []string{"table", "JSON", "sarif"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "table, json, sarif") {
		t.Errorf("ParseFormat(xml) = %v, want an error listing the formats", err)
	}
	if s, err := ParseFailOn("none"); err != nil || s != FailNever || FailOnName(s) != "none" {
		t.Errorf("ParseFailOn(none) = %v, %v", s, err)
	}
	if s, err := ParseFailOn("High"); err != nil || s != scan.SeverityHigh {
		t.Errorf("ParseFailOn(High) = %v, %v", s, err)
	}
	if _, err := ParseFailOn("severe"); err == nil || !strings.Contains(err.Error(), "none") {
		t.Errorf("ParseFailOn(severe) = %v, want an error listing the choices", err)
	}
}

func TestOutputFailed(t *testing.T) {
	rep := fixtureReport() // max severity critical, one medium, one high, one info
	for _, c := range []struct {
		on   scan.Severity
		want bool
	}{{scan.SeverityCritical, true}, {scan.SeverityInfo, true}, {FailNever, false}} {
		if got := Failed(rep, c.on); got != c.want {
			t.Errorf("Failed(fail-on %s) = %v, want %v", FailOnName(c.on), got, c.want)
		}
	}
	low := &scan.Report{Findings: []scan.Finding{{RuleID: "PKL011", Severity: scan.SeverityLow}}}
	if Failed(low, scan.SeverityMedium) {
		t.Error("a low finding failed a medium threshold")
	}
	s := Summarize(fixtureReport(), scan.SeverityHigh)
	want := Summary{Files: 4, Scanned: 2, Skipped: 1, Errors: 1, Findings: 4,
		BySeverity: SeverityCounts{Critical: 1, High: 1, Medium: 1, Info: 1}, FailOn: "high", Failed: true}
	if s != want {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
}

func TestOutputTableSanitizes(t *testing.T) {
	out := string(render(t, FormatTable, fixtureReport(), Options{FailOn: scan.SeverityMedium}))
	if strings.ContainsAny(out, "\x1b\u202e") {
		t.Error("table output contains an escape or bidi control from the scanned file")
	}
	for _, want := range []string{`evil.\x1b[31mred\u202e`, `line1\nline2`} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks escaped %q", want)
		}
	}
	long := Sanitize(strings.Repeat("a", 10000) + "\xff")
	if len(long) > maxField+40 || !strings.HasSuffix(long, "(9701 more bytes)") {
		t.Errorf("Sanitize did not bound a long field: %d bytes, ends %q", len(long), long[len(long)-30:])
	}
	if got := Sanitize("a\xffb"); got != `a\xffb` {
		t.Errorf("Sanitize(invalid UTF-8) = %q", got)
	}
}

func TestOutputTableEmptyAndSkipped(t *testing.T) {
	out := string(render(t, FormatTable, emptyReport(), Options{FailOn: scan.SeverityMedium}))
	if !strings.HasPrefix(out, "No findings.\n") || !strings.Contains(out, "Result: PASS") {
		t.Errorf("empty report table:\n%s", out)
	}
	out = string(render(t, FormatTable, fixtureReport(), Options{FailOn: scan.SeverityMedium}))
	if !strings.Contains(out, "skipped is not clean") || !strings.Contains(out, "--show-skipped") || strings.Contains(out, "notes.txt") {
		t.Errorf("skipped note missing or list shown without --show-skipped:\n%s", out)
	}
	out = string(render(t, FormatTable, fixtureReport(), Options{FailOn: scan.SeverityMedium, ShowSkipped: true}))
	if !strings.Contains(out, "  models/notes.txt  (text: no format that can hold code)") {
		t.Errorf("--show-skipped did not list the skipped file:\n%s", out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes without Color")
	}
}

func TestOutputJSONShape(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(render(t, FormatJSON, &scan.Report{Tool: "mlsec", Version: "x"}, Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"findings", "files"} {
		if l, ok := doc[k].([]any); !ok || len(l) != 0 {
			t.Errorf("%s = %#v, want []", k, doc[k])
		}
	}
	sum := doc["summary"].(map[string]any)
	if sum["fail_on"] != "info" || sum["failed"] != false {
		t.Errorf("summary = %v", sum)
	}
}
