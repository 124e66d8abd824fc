package output

import (
	"io"
	"strings"

	"github.com/mlsec/mlsec/internal/sarif"
	"github.com/mlsec/mlsec/scan"
)

// Links written into SARIF so dashboards can point users at the docs.
const (
	InformationURI = "https://github.com/mlsec/mlsec"
	RulesDocURI    = "https://github.com/mlsec/mlsec/blob/main/docs/rules.md"
	// fingerprintKey names our partial fingerprint; bump the version if
	// the hashed fields ever change, so old alerts are not mismatched.
	fingerprintKey = "mlsecFindingHash/v1"
)

// SecuritySeverity is the GitHub "security-severity" score of a severity:
// GitHub maps >= 9.0 to critical, >= 7.0 high, >= 4.0 medium, else low.
func SecuritySeverity(s scan.Severity) string {
	switch {
	case s >= scan.SeverityCritical:
		return "9.8"
	case s == scan.SeverityHigh:
		return "8.0"
	case s == scan.SeverityMedium:
		return "5.5"
	case s == scan.SeverityLow:
		return "3.0"
	}
	return "0.0"
}

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(s scan.Severity) string {
	switch {
	case s >= scan.SeverityHigh:
		return sarif.LevelError
	case s == scan.SeverityMedium:
		return sarif.LevelWarning
	}
	return sarif.LevelNote
}

// sarifResultProps carry what SARIF has no field for. The byte offset lives
// here rather than in region.byteOffset: GitHub needs region.startLine to
// show an alert, and a region must not mix a line with an unrelated offset.
type sarifResultProps struct {
	Severity    string `json:"severity"`
	Format      string `json:"format,omitempty"`
	Member      string `json:"member,omitempty"`
	ByteOffset  *int64 `json:"byteOffset,omitempty"`
	Callable    string `json:"callable,omitempty"`
	Argument    string `json:"argument,omitempty"`
	Remediation string `json:"remediation,omitempty"`
}

// WriteSARIF writes rep as a SARIF 2.1.0 log with one run, in the shape
// GitHub code scanning accepts (see docs/output.md).
func WriteSARIF(w io.Writer, rep *scan.Report, o Options) error {
	rules := scan.Rules()
	index := make(map[string]int, len(rules))
	driver := sarif.Driver{Name: toolName(rep), Version: rep.Version, InformationURI: InformationURI, Rules: make([]sarif.Rule, 0, len(rules))}
	for i, r := range rules {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarifRuleOf(r))
	}
	run := sarif.Run{
		Tool:        sarif.Tool{Driver: driver},
		Invocations: []sarif.Invocation{{ExecutionSuccessful: true, ExitCode: o.ExitCode}},
		Results:     make([]sarif.Result, 0, len(rep.Findings)),
	}
	for _, f := range rep.Findings {
		idx, ok := index[f.RuleID]
		if !ok {
			// An id missing from the catalogue would make the log invalid;
			// describe it on the fly rather than drop the finding.
			idx = len(driver.Rules)
			index[f.RuleID] = idx
			driver.Rules = append(driver.Rules, sarifRuleOf(scan.Rule{ID: f.RuleID, Name: f.RuleID, Severity: f.Severity, Summary: f.Message, Remediation: f.Remediation}))
			run.Tool.Driver = driver
		}
		run.Results = append(run.Results, sarifResultOf(f, idx, o.BaseDir))
	}
	return sarif.Write(w, run)
}

func toolName(rep *scan.Report) string {
	if rep.Tool == "" {
		return "mlsec"
	}
	return rep.Tool
}

func sarifRuleOf(r scan.Rule) sarif.Rule {
	doc := RulesDocURI + "#" + strings.ToLower(r.ID)
	return sarif.Rule{
		ID:                   r.ID,
		Name:                 r.Name,
		ShortDescription:     sarif.Text{Text: r.Summary},
		FullDescription:      sarif.Text{Text: r.Summary + " Default severity: " + r.Severity.String() + "."},
		Help:                 sarif.Help(r.Summary, r.Remediation, "Documentation: "+doc, "["+r.ID+" documentation]("+doc+")"),
		HelpURI:              doc,
		DefaultConfiguration: sarif.Config{Level: sarifLevel(r.Severity)},
		Properties: map[string]any{
			"security-severity": SecuritySeverity(r.Severity),
			"severity":          r.Severity.String(),
			"tags":              ruleTags(r.ID),
		},
	}
}

// ruleTags are "security" (which makes GitHub file the alert under code
// scanning's security view), the artifact family, and CWE tags in GitHub's
// external/cwe form.
func ruleTags(id string) []string {
	tags := []string{"security"}
	prefix := strings.TrimRight(id, "0123456789")
	if fam, ok := families[prefix]; ok {
		tags = append(tags, fam)
	}
	cwe, ok := cweByID[id]
	if !ok {
		cwe = cweByPrefix[prefix]
	}
	if cwe != "" {
		tags = append(tags, "external/cwe/cwe-"+cwe)
	}
	return tags
}

var families = map[string]string{
	"PKL": "pickle", "TORCH": "pytorch", "ARC": "archive", "FMT": "parsing",
	"NPY": "numpy", "KERAS": "keras", "TF": "tensorflow", "ONNX": "onnx",
	"ST": "safetensors", "GGUF": "gguf", "TPL": "chat-template",
	"HF": "huggingface", "MLF": "mlflow", "XML": "xml",
}

// CWE-502 deserialization of untrusted data, 94 code injection, 22 path
// traversal, 59 link following, 409 decompression bomb, 20 input validation,
// 1336 template injection, 829 untrusted control sphere, 611 XML external
// entity, 776 entity expansion, 674 uncontrolled recursion.
var cweByPrefix = map[string]string{
	"PKL": "502", "TORCH": "502", "NPY": "502", "KERAS": "502", "TF": "94",
	"FMT": "20", "ST": "20", "GGUF": "20", "TPL": "1336", "HF": "829", "MLF": "829",
	"ONNX": "829", "XML": "611",
}

var cweByID = map[string]string{
	"ARC001": "22", "ARC002": "59", "ARC003": "409", "ARC004": "20", "ARC005": "20",
	"ARC006": "20", "ARC007": "59", "ONNX001": "22", "PKL010": "400", "XML003": "776",
	"PKL015": "674", "KERAS007": "73",
}

func sarifResultOf(f scan.Finding, ruleIndex int, baseDir string) sarif.Result {
	uri, base := sarif.ArtifactURI(f.Path, baseDir)
	msg := f.Message
	if f.Member != "" {
		msg += " (in archive member " + f.Member + ")"
	}
	props := sarifResultProps{
		Severity:    f.Severity.String(),
		Format:      string(f.Format),
		Member:      f.Member,
		Callable:    f.Callable,
		Argument:    f.Argument,
		Remediation: f.Remediation,
	}
	if f.Offset >= 0 {
		off := f.Offset
		props.ByteOffset = &off
	}
	return sarif.Result{
		RuleID:              f.RuleID,
		RuleIndex:           ruleIndex,
		Level:               sarifLevel(f.Severity),
		Message:             sarif.Text{Text: msg},
		Locations:           sarif.FileLocations(uri, base),
		PartialFingerprints: map[string]string{fingerprintKey: Fingerprint(f.RuleID, uri, f.Member, f.Callable)},
		Properties:          props,
	}
}

// Fingerprint is a stable hash of what identifies a finding across runs:
// the rule, the file (as its SARIF URI), the archive member and the callable.
// Offsets and messages are left out so that re-saving a file does not
// reopen a dismissed alert.
func Fingerprint(rule, uri, member, callable string) string {
	return sarif.Fingerprint(rule, uri, member, callable)
}
