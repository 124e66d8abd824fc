package gate

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/scan/output"
)

// SARIF conventions follow scan/output: SARIF 2.1.0, one run, the
// "security" tag and a security-severity score so GitHub code scanning
// files alerts under security, %SRCROOT%-relative URIs, and a partial
// fingerprint. The run's automationDetails.id ("mlsec-gate/") keeps gate
// alerts apart from 'mlsec scan' alerts uploaded from the same repository.
const (
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// PolicyDocURI documents the default rules and how to write your own.
	PolicyDocURI   = "https://github.com/mlsec/mlsec/blob/main/docs/gate.md"
	fingerprintKey = "mlsecGateResult/v1"
	automationID   = "mlsec-gate/"
)

// SARIFOptions are what a SARIF log records beyond the Outcome.
type SARIFOptions struct {
	// ExitCode is the process exit code recorded in the invocation.
	ExitCode int
	// BaseDir makes absolute model paths under it %SRCROOT%-relative.
	BaseDir string
	// Version is the tool version in the driver ("" leaves it out).
	Version string
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool         `json:"tool"`
	AutomationDetails sarifAutomation   `json:"automationDetails"`
	Invocations       []sarifInvocation `json:"invocations"`
	Results           []sarifResult     `json:"results"`
	Properties        map[string]any    `json:"properties"`
}

type sarifAutomation struct {
	ID string `json:"id"`
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
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
	ExitCode            int  `json:"exitCode"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
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

// Result kinds, as SARIF levels and in result properties.
const (
	kindDeny   = "deny"
	kindWarn   = "warn"
	kindWaived = "waived"
)

// WriteSARIF writes the outcome as a SARIF 2.1.0 log: every deny is an
// error, every warning a warning, and every waived deny/warning a note with
// an accepted external suppression (the exception). Rule ids are the policy
// result ids; their framework controls are in rule and result properties.
func WriteSARIF(w io.Writer, o *Outcome, opts SARIFOptions) error {
	known := map[string]policy.Rule{}
	for _, r := range o.Rules {
		known[r.ID] = r
	}
	driver := sarifDriver{Name: "mlsec", Version: opts.Version, InformationURI: output.InformationURI, Rules: []sarifRule{}}
	index := map[string]int{}
	uri, base := artifactURI(o.ModelPath, opts.BaseDir)
	run := sarifRun{
		Tool:              sarifTool{Driver: driver},
		AutomationDetails: sarifAutomation{ID: automationID},
		Invocations:       []sarifInvocation{{ExecutionSuccessful: true, ExitCode: opts.ExitCode}},
		Results:           []sarifResult{},
		Properties: map[string]any{
			"decision": NewReport(o).Decision, "subject": o.Subject, "action": o.Input.Action,
		},
	}
	add := func(kind string, r policy.Result) {
		idx, ok := index[r.ID]
		if !ok {
			idx = len(run.Tool.Driver.Rules)
			index[r.ID] = idx
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(r, known[r.ID], kind))
		}
		run.Results = append(run.Results, sarifResultOf(kind, r, idx, uri, base))
	}
	if d := o.Decision; d != nil {
		for _, r := range d.Denies {
			add(kindDeny, r)
		}
		for _, r := range d.Warnings {
			add(kindWarn, r)
		}
		for _, r := range d.Exceptions {
			add(kindWaived, r)
		}
	}
	log := sarifLog{Schema: sarifSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func level(kind string) string {
	switch kind {
	case kindDeny:
		return "error"
	case kindWarn:
		return "warning"
	}
	return "note"
}

// securitySeverity uses GitHub's scale: a deny blocks like a high finding.
func securitySeverity(kind string) string {
	if kind == kindDeny {
		return "8.0"
	}
	return "5.5"
}

func controlsMap(c policy.Controls) map[string][]string {
	m := map[string][]string{}
	if len(c.OWASPML) > 0 {
		m["owasp_ml"] = c.OWASPML
	}
	if len(c.ATLAS) > 0 {
		m["atlas"] = c.ATLAS
	}
	if len(c.NISTAIRMF) > 0 {
		m["nist_ai_rmf"] = c.NISTAIRMF
	}
	return m
}

func sarifRuleOf(r policy.Result, info policy.Rule, kind string) sarifRule {
	title := firstNonEmpty(info.Title, r.Title, r.ID)
	desc := firstNonEmpty(info.Description, title)
	remediation := firstNonEmpty(info.Remediation, r.Remediation, "See the rule's policy.")
	controls := info.Controls
	if len(controls.OWASPML)+len(controls.ATLAS)+len(controls.NISTAIRMF) == 0 {
		controls = r.Controls
	}
	if info.Kind == kindDeny || info.Kind == kindWarn {
		kind = info.Kind
	}
	tags := []string{"security", "policy"}
	tags = append(tags, controls.OWASPML...)
	tags = append(tags, controls.ATLAS...)
	props := map[string]any{"security-severity": securitySeverity(kind), "tags": tags, "controls": controlsMap(controls), "kind": kind}
	if info.Location != "" {
		props["location"] = info.Location
	}
	return sarifRule{
		ID: r.ID, Name: r.ID,
		ShortDescription: sarifText{Text: title},
		FullDescription:  sarifText{Text: desc},
		Help: sarifText{
			Text:     desc + "\n\nWhat to do: " + remediation + "\n\nControls: " + controlsText(controls),
			Markdown: desc + "\n\n**What to do:** " + remediation + "\n\n**Controls:** " + controlsText(controls),
		},
		HelpURI:              PolicyDocURI,
		DefaultConfiguration: sarifConfig{Level: level(kind)},
		Properties:           props,
	}
}

func sarifResultOf(kind string, r policy.Result, idx int, uri, base string) sarifResult {
	msg := r.Message
	if r.Remediation != "" {
		msg += ". What to do: " + r.Remediation
	}
	props := map[string]any{"kind": kind, "controls": controlsMap(r.Controls), "package": r.Package}
	if r.Title != "" {
		props["title"] = r.Title
	}
	if r.Remediation != "" {
		props["remediation"] = r.Remediation
	}
	if len(r.Evidence) > 0 {
		props["evidence"] = r.Evidence
	}
	res := sarifResult{
		RuleID: r.ID, RuleIndex: idx, Level: level(kind),
		Message: sarifText{Text: msg},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
			ArtifactLocation: sarifArtifact{URI: uri, URIBaseID: base},
			Region:           sarifRegion{StartLine: 1},
		}}},
		PartialFingerprints: map[string]string{fingerprintKey: output.Fingerprint(r.ID, uri, r.Package, r.Message)},
		Properties:          props,
	}
	if kind == kindWaived && r.Waiver != nil {
		w := r.Waiver
		just := fmt.Sprintf("exception for %s owned by %s, expires %s", w.Rule, w.Owner, w.Expires)
		if w.Reason != "" {
			just += ": " + w.Reason
		}
		res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: just}}
		props["waiver"] = w
	}
	return res
}

func controlsText(c policy.Controls) string {
	var parts []string
	if len(c.OWASPML) > 0 {
		parts = append(parts, "OWASP ML Top 10 "+strings.Join(c.OWASPML, ", "))
	}
	if len(c.ATLAS) > 0 {
		parts = append(parts, "MITRE ATLAS "+strings.Join(c.ATLAS, ", "))
	}
	if len(c.NISTAIRMF) > 0 {
		parts = append(parts, "NIST AI RMF "+strings.Join(c.NISTAIRMF, ", "))
	}
	if len(parts) == 0 {
		return "none mapped"
	}
	return strings.Join(parts, "; ")
}

// ControlsText renders controls for people ("OWASP ML Top 10 ML06; ...").
func ControlsText(c policy.Controls) string { return controlsText(c) }

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// artifactURI makes the model path a SARIF URI: relative (to %SRCROOT%)
// when it is relative or under baseDir, a file:// URI otherwise.
func artifactURI(p, baseDir string) (uri, uriBaseID string) {
	if filepath.IsAbs(p) && baseDir != "" {
		if rel, err := filepath.Rel(baseDir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			p = rel
		}
	}
	if filepath.IsAbs(p) {
		slash := filepath.ToSlash(p)
		if !strings.HasPrefix(slash, "/") {
			slash = "/" + slash
		}
		return (&url.URL{Scheme: "file", Path: slash}).String(), ""
	}
	segs := strings.Split(path.Clean(filepath.ToSlash(p)), "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/"), "%SRCROOT%"
}
