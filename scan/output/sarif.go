package output

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/mlsec/mlsec/scan"
)

// Links written into SARIF so dashboards can point users at the docs.
const (
	InformationURI = "https://github.com/mlsec/mlsec"
	RulesDocURI    = "https://github.com/mlsec/mlsec/blob/main/docs/rules.md"
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// fingerprintKey names our partial fingerprint; bump the version if
	// the hashed fields ever change, so old alerts are not mismatched.
	fingerprintKey = "mlsecFindingHash/v1"
	srcRoot        = "%SRCROOT%"
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
		return "error"
	case s == scan.SeverityMedium:
		return "warning"
	}
	return "note"
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	SecuritySeverity string   `json:"security-severity"`
	Severity         string   `json:"severity"`
	Tags             []string `json:"tags"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
	ExitCode            int  `json:"exitCode"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifResultProps  `json:"properties"`
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

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// WriteSARIF writes rep as a SARIF 2.1.0 log with one run, in the shape
// GitHub code scanning accepts (see docs/output.md).
func WriteSARIF(w io.Writer, rep *scan.Report, o Options) error {
	rules := scan.Rules()
	index := make(map[string]int, len(rules))
	driver := sarifDriver{Name: toolName(rep), Version: rep.Version, InformationURI: InformationURI, Rules: make([]sarifRule, 0, len(rules))}
	for i, r := range rules {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarifRuleOf(r))
	}
	run := sarifRun{
		Tool:        sarifTool{Driver: driver},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true, ExitCode: o.ExitCode}},
		Results:     make([]sarifResult, 0, len(rep.Findings)),
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
	log := sarifLog{Schema: sarifSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func toolName(rep *scan.Report) string {
	if rep.Tool == "" {
		return "mlsec"
	}
	return rep.Tool
}

func sarifRuleOf(r scan.Rule) sarifRule {
	doc := RulesDocURI + "#" + strings.ToLower(r.ID)
	return sarifRule{
		ID:               r.ID,
		Name:             r.Name,
		ShortDescription: sarifText{Text: r.Summary},
		FullDescription:  sarifText{Text: r.Summary + " Default severity: " + r.Severity.String() + "."},
		Help: sarifText{
			Text:     r.Summary + "\n\nWhat to do: " + r.Remediation + "\n\nDocumentation: " + doc,
			Markdown: r.Summary + "\n\n**What to do:** " + r.Remediation + "\n\n[" + r.ID + " documentation](" + doc + ")",
		},
		HelpURI:              doc,
		DefaultConfiguration: sarifConfig{Level: sarifLevel(r.Severity)},
		Properties: sarifRuleProps{
			SecuritySeverity: SecuritySeverity(r.Severity),
			Severity:         r.Severity.String(),
			Tags:             ruleTags(r.ID),
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
	"HF": "huggingface", "MLF": "mlflow",
}

// CWE-502 deserialization of untrusted data, 94 code injection, 22 path
// traversal, 59 link following, 409 decompression bomb, 20 input validation,
// 1336 template injection, 829 untrusted control sphere.
var cweByPrefix = map[string]string{
	"PKL": "502", "TORCH": "502", "NPY": "502", "KERAS": "502", "TF": "94",
	"FMT": "20", "ST": "20", "GGUF": "20", "TPL": "1336", "HF": "829", "MLF": "829",
	"ONNX": "829",
}

var cweByID = map[string]string{
	"ARC001": "22", "ARC002": "59", "ARC003": "409", "ARC004": "20", "ARC005": "20",
	"ARC006": "20", "ARC007": "59", "ONNX001": "22", "PKL010": "400",
}

func sarifResultOf(f scan.Finding, ruleIndex int, baseDir string) sarifResult {
	uri, base := artifactURI(f.Path, baseDir)
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
	return sarifResult{
		RuleID:    f.RuleID,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifText{Text: msg},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
			ArtifactLocation: sarifArtifact{URI: uri, URIBaseID: base},
			Region:           sarifRegion{StartLine: 1},
		}}},
		PartialFingerprints: map[string]string{fingerprintKey: Fingerprint(f.RuleID, uri, f.Member, f.Callable)},
		Properties:          props,
	}
}

// Fingerprint is a stable hash of what identifies a finding across runs:
// the rule, the file (as its SARIF URI), the archive member and the callable.
// Offsets and messages are left out so that re-saving a file does not
// reopen a dismissed alert.
func Fingerprint(rule, uri, member, callable string) string {
	h := sha256.Sum256([]byte(rule + "\x00" + uri + "\x00" + member + "\x00" + callable))
	return hex.EncodeToString(h[:16])
}

// artifactURI turns a report path into a SARIF artifact URI: relative paths
// (and absolute ones under baseDir) become URI-escaped paths relative to
// %SRCROOT%; other absolute paths become file:// URIs.
func artifactURI(p, baseDir string) (uri, uriBaseID string) {
	if filepath.IsAbs(p) && baseDir != "" {
		if rel, err := filepath.Rel(baseDir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			p = rel
		}
	}
	if filepath.IsAbs(p) {
		slash := filepath.ToSlash(p)
		if !strings.HasPrefix(slash, "/") {
			slash = "/" + slash // C:/x -> /C:/x
		}
		return (&url.URL{Scheme: "file", Path: slash}).String(), ""
	}
	clean := path.Clean(filepath.ToSlash(p))
	segs := strings.Split(clean, "/")
	for i, s := range segs {
		// PathEscape leaves ':' alone, but a colon in the first segment of
		// a relative reference would read as a URI scheme.
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/"), srcRoot
}
