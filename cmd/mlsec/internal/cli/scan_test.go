package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/testfs"
)

// Pickles crafted as bytes; nothing is ever unpickled.
const (
	evilPickle   = "\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03." // os.system("echo hi")
	benignPickle = "\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."                               // {"a": 1}
	brokenPickle = "\x80\x02}q\x00X\x40\x00\x00\x00abc"                                         // length runs past the end
	// customPickle calls mymodule.MyLayer(), on neither list: PKL004 (high).
	customPickle = "\x80\x02cmymodule\nMyLayer\nq\x00)Rq\x01."
)

// scanCLI runs mlsec in-process and returns stdout, stderr and the exit code.
func scanCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func writeFiles(t *testing.T, files map[string]string) string { return testfs.Tree(t, files) }

// jsonReport is the part of the JSON report the CLI tests look at.
type jsonReport struct {
	Summary struct {
		Files, Scanned, Skipped, Errors, Findings int
		FailOn                                    string `json:"fail_on"`
		Failed                                    bool
	}
	Findings []struct {
		Path     string
		RuleID   string `json:"rule_id"`
		Severity string
		Callable string
	}
	Files []struct{ Path, Status string }
}

func decodeReport(t *testing.T, s string) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, s)
	}
	return r
}

func (r jsonReport) rules() map[string]bool {
	m := map[string]bool{}
	for _, f := range r.Findings {
		m[f.RuleID] = true
	}
	return m
}

// linkOutside returns a folder holding a symbolic link to a file outside it:
// the engine itself reports it (ARC007, medium), whatever analysers exist.
func linkOutside(t *testing.T) string {
	t.Helper()
	outside := writeFiles(t, map[string]string{"secret.txt": "x"})
	dir := writeFiles(t, map[string]string{"notes.txt": "hello"})
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link")); err != nil {
		t.Skip("symbolic links not supported:", err)
	}
	return dir
}

func TestScanCLIExitCodes(t *testing.T) {
	clean := writeFiles(t, map[string]string{"notes.txt": "hello", "benign.pkl": benignPickle})
	evil := writeFiles(t, map[string]string{"evil.pkl": evilPickle})
	link := linkOutside(t)
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"clean folder", []string{"scan", clean}, ExitOK},
		{"malicious pickle", []string{"scan", evil}, ExitFindings},
		{"link outside the folder (medium)", []string{"scan", link}, ExitFindings},
		{"fail-on high ignores medium", []string{"scan", "--fail-on", "high", link}, ExitOK},
		{"fail-on none", []string{"scan", "--fail-on", "none", evil}, ExitOK},
		{"fail-on critical still fails on os.system", []string{"scan", "--fail-on", "critical", evil}, ExitFindings},
		{"missing path", []string{"scan", filepath.Join(clean, "nope.pt")}, ExitUsage},
		{"missing path next to a malicious one", []string{"scan", evil, filepath.Join(clean, "nope.pt")}, ExitUsage},
		{"no path", []string{"scan"}, ExitUsage},
		{"bad format", []string{"scan", "--format", "xml", clean}, ExitUsage},
		{"bad fail-on", []string{"scan", "--fail-on", "severe", clean}, ExitUsage},
		{"negative workers", []string{"scan", "--workers", "-1", clean}, ExitUsage},
		{"unknown flag", []string{"scan", "--bogus", clean}, ExitUsage},
		{"missing rules file", []string{"scan", "--rules", filepath.Join(clean, "none.yaml"), evil}, ExitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := scanCLI(t, c.args...)
			if code != c.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.want, out, errs)
			}
			if code == ExitUsage && !strings.HasPrefix(errs, "mlsec: ") {
				t.Errorf("usage error without a message on stderr: %q", errs)
			}
		})
	}
}

func TestScanCLIDetectionOutranksErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"evil.pkl": evilPickle, "broken.pkl": brokenPickle})
	out, errs, code := scanCLI(t, "scan", "--format", "json", dir)
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1; stderr: %s", code, errs)
	}
	r := decodeReport(t, out)
	status := map[string]string{}
	for _, f := range r.Files {
		status[filepath.Base(f.Path)] = f.Status
	}
	if status["broken.pkl"] != "error" || status["evil.pkl"] != "scanned" {
		t.Errorf("file statuses %v, want broken.pkl error and evil.pkl scanned", status)
	}
	var evil, broken bool
	for _, f := range r.Findings {
		switch filepath.Base(f.Path) {
		case "evil.pkl":
			evil = evil || f.RuleID == "PKL001"
		case "broken.pkl":
			broken = true
		}
	}
	if !evil || !broken {
		t.Errorf("want a PKL001 finding for evil.pkl and a finding for broken.pkl, got %+v", r.Findings)
	}
}

func TestScanCLIBrokenFileFailsDefault(t *testing.T) {
	dir := writeFiles(t, map[string]string{"broken.pkl": brokenPickle})
	out, _, code := scanCLI(t, "scan", "--format", "json", dir)
	r := decodeReport(t, out)
	if code != ExitFindings || r.Summary.Errors != 1 || len(r.Findings) == 0 {
		t.Errorf("broken file: exit %d, summary %+v, findings %+v; want exit 1 with an error status and a finding", code, r.Summary, r.Findings)
	}
}

func TestScanCLIOutputFile(t *testing.T) {
	evil := writeFiles(t, map[string]string{"evil.pkl": evilPickle})
	dest := filepath.Join(t.TempDir(), "report.sarif")
	out, errs, code := scanCLI(t, "scan", "--format", "sarif", "-o", dest, evil)
	if code != ExitFindings {
		t.Fatalf("exit %d; stderr: %s", code, errs)
	}
	if out != "" {
		t.Errorf("-o still wrote to stdout: %q", out)
	}
	if !strings.Contains(errs, "Wrote the sarif report to "+dest) {
		t.Errorf("stderr does not say where the report went: %q", errs)
	}
	data, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Invocations []struct{ ExitCode int }
			Results     []struct{ RuleID string }
		}
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if inv := log.Runs[0].Invocations; inv[0].ExitCode != ExitFindings || len(log.Runs[0].Results) == 0 {
		t.Errorf("SARIF invocation %+v with %d results", inv, len(log.Runs[0].Results))
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".report.sarif.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	// An unwritable destination is a usage error found before scanning.
	_, errs, code = scanCLI(t, "scan", "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "r.json"), evil)
	if code != ExitUsage || !strings.Contains(errs, "nothing was scanned") {
		t.Errorf("unwritable -o: exit %d, stderr %q", code, errs)
	}
	_, errs, code = scanCLI(t, "scan", "-o", t.TempDir(), evil)
	if code != ExitUsage || !strings.Contains(errs, "is a folder") {
		t.Errorf("-o folder: exit %d, stderr %q", code, errs)
	}
}

func TestScanCLIRulesFile(t *testing.T) {
	custom := writeFiles(t, map[string]string{"model.pkl": customPickle})
	rules := writeFiles(t, map[string]string{
		"suppress.yaml": "suppress: [PKL004]\n",
		"allow.yaml":    "pickle:\n  allow:\n    mymodule: [MyLayer]\n",
		"replace.yaml":  "replace: true\npickle:\n  allow:\n    mymodule: [MyLayer]\n",
		"badkey.yaml":   "pickel:\n  allow: {}\n",
		"badrule.yaml":  "suppress: [NOPE999]\n",
		"badyaml.yaml":  "suppress: [ARC007\n",
	})
	r := func(name string) string { return filepath.Join(rules, name) }

	out, _, code := scanCLI(t, "scan", "--format", "json", custom)
	if code != ExitFindings || !decodeReport(t, out).rules()["PKL004"] {
		t.Fatalf("unlisted callable: exit %d, want 1 with PKL004:\n%s", code, out)
	}
	out, errs, code := scanCLI(t, "scan", "--format", "json", "--rules", r("suppress.yaml"), custom)
	if code != ExitOK || decodeReport(t, out).rules()["PKL004"] {
		t.Errorf("suppress: [PKL004]: exit %d, stdout %s, stderr %s", code, out, errs)
	}

	out, errs, code = scanCLI(t, "scan", "--format", "json", "--rules", r("allow.yaml"), custom)
	if code != ExitOK {
		t.Errorf("allowed by --rules: exit %d, want 0\n%s\n%s", code, out, errs)
	}
	// Merging keeps the defaults: os.system is still denied.
	evil := writeFiles(t, map[string]string{"evil.pkl": evilPickle})
	if _, _, code = scanCLI(t, "scan", "--rules", r("allow.yaml"), evil); code != ExitFindings {
		t.Errorf("merged rules lost the default denylist: exit %d", code)
	}
	// replace: true drops the defaults, so os.system is merely unverified:
	// still a finding (PKL004), never a pass.
	out, _, code = scanCLI(t, "scan", "--format", "json", "--rules", r("replace.yaml"), evil)
	if code != ExitFindings || len(decodeReport(t, out).Findings) == 0 {
		t.Errorf("replace: true: exit %d, report %s", code, out)
	}

	for _, bad := range []string{"badkey.yaml", "badrule.yaml", "badyaml.yaml"} {
		out, errs, code := scanCLI(t, "scan", "--rules", r(bad), evil)
		if code != ExitUsage || out != "" || !strings.Contains(errs, "cannot use --rules "+r(bad)) || !strings.Contains(errs, "docs/rules.md") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and advice", bad, code, out, errs)
		}
	}
}

func TestScanCLITableAndMessages(t *testing.T) {
	// Unrecognised binary content is skipped (text is read in full by
	// sniffing) when its name promises no model format.
	dir := writeFiles(t, map[string]string{"notes.txt": "hello", "blob.dat": "\x00\x01\x02\xfe\xff"})
	out, errs, code := scanCLI(t, "scan", "--show-skipped", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"No findings.", "skipped is not clean", "blob.dat", "Result: PASS"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") || strings.Contains(errs, "scanning [") {
		t.Errorf("colour or progress bar written to a non-terminal:\nstdout %q\nstderr %q", out, errs)
	}

	_, errs, _ = scanCLI(t, "scan", filepath.Join(dir, "model.pt"))
	if !strings.Contains(errs, "model.pt") || !strings.Contains(errs, "Check the path; nothing was scanned") {
		t.Errorf("missing path message: %q", errs)
	}
	_, errs, _ = scanCLI(t, "scan", "--fail-on", "severe", dir)
	if !strings.Contains(errs, "critical, high, medium, low, info or none") {
		t.Errorf("bad --fail-on message: %q", errs)
	}

	help, _, code := scanCLI(t, "scan", "--help")
	if code != ExitOK {
		t.Errorf("--help exit %d", code)
	}
	for _, want := range []string{"docs/exit-codes.md", "Examples:", "--fail-on high --format sarif", "--show-skipped", "--no-progress", "--workers"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

// TestScanCLINothingToScan: an empty folder is exit 2 with advice, unless
// --allow-empty; a file named like a model that is not one is exit 1.
func TestScanCLINothingToScan(t *testing.T) {
	empty := t.TempDir()
	out, errs, code := scanCLI(t, "scan", empty)
	if code != ExitUsage || out != "" || !strings.Contains(errs, "nothing to scan") || !strings.Contains(errs, "--allow-empty") {
		t.Errorf("empty folder: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, errs, code := scanCLI(t, "scan", "--allow-empty", empty); code != ExitOK {
		t.Errorf("--allow-empty: exit %d: %s", code, errs)
	}
	dir := writeFiles(t, map[string]string{"model.pt": "", "weights.safetensors": "not a safetensors file at all"})
	out, _, code = scanCLI(t, "scan", "--format", "json", dir)
	rep := decodeReport(t, out)
	n := 0
	for _, f := range rep.Findings {
		if f.RuleID == "FMT003" && f.Severity == "medium" {
			n++
		}
	}
	if code != ExitFindings || n != 2 {
		t.Errorf("promising names: exit %d, FMT003 findings %d: %s", code, n, out)
	}
}
