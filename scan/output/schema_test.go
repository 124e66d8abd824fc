package output

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlsec/mlsec/scan"
)

const (
	sarifSchemaFile  = "testdata/sarif-schema-2.1.0.json"
	reportSchemaFile = "../../docs/schemas/scan-report.schema.json"
)

// compileSchema loads a schema file under its own id. The SARIF schema is
// draft-04 and names itself with "id"; the compiler is told so explicitly
// rather than left to guess.
func compileSchema(t *testing.T, file string, draft *jsonschema.Draft) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	m := doc.(map[string]any)
	id, _ := m["$id"].(string)
	if id == "" {
		id, _ = m["id"].(string)
	}
	if id == "" {
		t.Fatalf("%s has no id", file)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(draft)
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compile %s: %v", file, err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("output does not validate: %v\n%s", err, out)
	}
}

func TestOutputSchemaSARIF(t *testing.T) {
	sch := compileSchema(t, sarifSchemaFile, jsonschema.Draft4)
	for _, rep := range []*scan.Report{fixtureReport(), emptyReport(), {}} {
		validate(t, sch, render(t, FormatSARIF, rep, Options{FailOn: scan.SeverityMedium}))
	}
	// The schema must actually constrain: a log without version fails.
	bad := []byte(`{"runs":[]}`)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if sch.Validate(inst) == nil {
		t.Error("SARIF schema accepted a log without version: it is not loaded properly")
	}
}

func TestOutputSchemaJSON(t *testing.T) {
	sch := compileSchema(t, reportSchemaFile, jsonschema.Draft2020)
	for _, rep := range []*scan.Report{fixtureReport(), emptyReport(), {Tool: "mlsec", Version: "dev"}} {
		validate(t, sch, render(t, FormatJSON, rep, Options{FailOn: scan.SeverityMedium}))
	}
	for _, bad := range []string{
		`{"tool":"mlsec","version":"x","findings":[],"files":[]}`, // no summary
		`{"tool":"mlsec","version":"x","summary":{},"findings":[],"files":[]}`,
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if sch.Validate(inst) == nil {
			t.Errorf("report schema accepted %s", bad)
		}
	}
}

// TestOutputSchemaDocumentsEveryField keeps the schema in step with the Go
// types: every key the writer can emit must be declared in the schema.
func TestOutputSchemaDocumentsEveryField(t *testing.T) {
	raw, err := os.ReadFile(reportSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(render(t, FormatJSON, fixtureReport(), Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	check := func(where string, obj map[string]any, declared map[string]json.RawMessage) {
		var missing []string
		for k := range obj {
			if _, ok := declared[k]; !ok {
				missing = append(missing, k)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s: keys %v are emitted but not documented in %s", where, missing, filepath.Base(reportSchemaFile))
		}
	}
	check("report", doc, schema.Properties)
	check("summary", doc["summary"].(map[string]any), schema.Defs["summary"].Properties)
	// Fill every field of a finding and a file so omitempty hides nothing.
	full := scan.Finding{Path: "p", Member: "m", Format: "pickle", RuleID: "PKL001", Callable: "c", Argument: "a", Message: "m", Remediation: "r"}
	fr := scan.FileResult{Path: "p", Size: 1, Format: "zip", Formats: []scan.Format{"zip", "pickle"}, Status: scan.StatusError, Reason: "r", Members: 1, Findings: 1}
	var obj map[string]any
	b, _ := json.Marshal(full)
	_ = json.Unmarshal(b, &obj)
	check("finding", obj, schema.Defs["finding"].Properties)
	obj = nil
	b, _ = json.Marshal(fr)
	_ = json.Unmarshal(b, &obj)
	check("file", obj, schema.Defs["file"].Properties)
}

// TestOutputSARIFGitHubShape checks what GitHub code scanning needs beyond
// the schema: rule metadata, security-severity, escaped relative URIs with
// %SRCROOT%, a startLine, fingerprints, and results present when empty.
func TestOutputSARIFGitHubShape(t *testing.T) {
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name, Version, InformationURI string
					Rules                         []struct {
						ID               string
						Name             string
						HelpURI          string
						ShortDescription struct{ Text string }
						Help             struct{ Text, Markdown string }
						Properties       map[string]any
					}
				}
			}
			Invocations []struct {
				ExecutionSuccessful bool
				ExitCode            int
			}
			Results []struct {
				RuleID              string
				RuleIndex           int
				Level               string
				Message             struct{ Text string }
				PartialFingerprints map[string]string
				Locations           []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string }
						Region           map[string]any
					}
				}
				Properties map[string]any
			}
		}
	}
	if err := json.Unmarshal(render(t, FormatSARIF, fixtureReport(), Options{ExitCode: 1}), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "mlsec" || d.Version != "test" || d.InformationURI == "" || len(d.Rules) != len(scan.Rules()) {
		t.Fatalf("driver = %s %s %s with %d rules", d.Name, d.Version, d.InformationURI, len(d.Rules))
	}
	for _, r := range d.Rules {
		if r.Name == "" || r.ShortDescription.Text == "" || r.Help.Text == "" || r.Help.Markdown == "" ||
			r.HelpURI != RulesDocURI+"#"+strings.ToLower(r.ID) {
			t.Errorf("rule %s lacks metadata: %+v", r.ID, r)
		}
		tags, _ := r.Properties["tags"].([]any)
		if _, ok := r.Properties["security-severity"].(string); !ok || len(tags) == 0 || tags[0] != "security" {
			t.Errorf("rule %s properties = %v", r.ID, r.Properties)
		}
	}
	if inv := run.Invocations; len(inv) != 1 || !inv[0].ExecutionSuccessful || inv[0].ExitCode != 1 {
		t.Errorf("invocations = %+v", inv)
	}
	wantURI := []string{"models/broken.pkl", "models/model.pt", "models/model.pt", "my%20models/%C3%BCn%C3%AFcode%3A1.bin"}
	wantLevel := []string{"warning", "error", "note", "error"}
	fps := map[string]bool{}
	for i, r := range run.Results {
		if d.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex %d is %s, not %s", i, r.RuleIndex, d.Rules[r.RuleIndex].ID, r.RuleID)
		}
		al := r.Locations[0].PhysicalLocation.ArtifactLocation
		if al.URI != wantURI[i] || al.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %d: location %+v, want %s under %%SRCROOT%%", i, al, wantURI[i])
		}
		if r.Level != wantLevel[i] {
			t.Errorf("result %d: level %s, want %s", i, r.Level, wantLevel[i])
		}
		if r.Locations[0].PhysicalLocation.Region["startLine"] != 1.0 {
			t.Errorf("result %d: region %v", i, r.Locations[0].PhysicalLocation.Region)
		}
		fp := r.PartialFingerprints[fingerprintKey]
		if len(fp) != 32 || fps[fp] {
			t.Errorf("result %d: fingerprint %q missing or not unique", i, fp)
		}
		fps[fp] = true
	}
	if p := run.Results[1].Properties; p["member"] != "archive/data.pkl" || p["byteOffset"] != 2.0 || p["callable"] != "os.system" {
		t.Errorf("result properties = %v", p)
	}
	if _, ok := run.Results[3].Properties["byteOffset"]; ok {
		t.Error("offset -1 written as a byteOffset")
	}
	if !strings.Contains(run.Results[1].Message.Text, "archive/data.pkl") {
		t.Errorf("message does not name the member: %q", run.Results[1].Message.Text)
	}
	// The fingerprint ignores offset and message, so it survives a re-save.
	if Fingerprint("PKL001", "a", "m", "os.system") == Fingerprint("PKL001", "a", "m", "posix.system") {
		t.Error("fingerprint ignores the callable")
	}
	empty := render(t, FormatSARIF, &scan.Report{}, Options{})
	if !bytes.Contains(empty, []byte(`"results": []`)) {
		t.Errorf("empty SARIF lacks results: []\n%s", empty)
	}
}

// TestOutputSchemaEndToEnd validates real engine output, not just fixtures:
// the committed malicious samples plus a folder with a skipped file.
func TestOutputSchemaEndToEnd(t *testing.T) {
	s, err := scan.New(scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Scan(context.Background(), "../../examples/malicious", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) == 0 {
		t.Fatal("no findings on examples/malicious")
	}
	o := Options{FailOn: scan.SeverityMedium, ExitCode: 1}
	validate(t, compileSchema(t, reportSchemaFile, jsonschema.Draft2020), render(t, FormatJSON, rep, o))
	validate(t, compileSchema(t, sarifSchemaFile, jsonschema.Draft4), render(t, FormatSARIF, rep, o))
}
