package gate

import (
	"fmt"
	"io"
	"strings"

	"github.com/mlsec/mlsec/internal/sarif"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/scan/output"
)

// SARIF conventions follow scan/output: SARIF 2.1.0, one run, the
// "security" tag and a security-severity score so GitHub code scanning
// files alerts under security, %SRCROOT%-relative URIs, and a partial
// fingerprint. The run's automationDetails.id ("mlsec-gate/") keeps gate
// alerts apart from 'mlsec scan' alerts uploaded from the same repository.
const (
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
	driver := sarif.Driver{Name: "mlsec", Version: opts.Version, InformationURI: output.InformationURI, Rules: []sarif.Rule{}}
	index := map[string]int{}
	uri, base := sarif.ArtifactURI(o.ModelPath, opts.BaseDir)
	run := sarif.Run{
		Tool:              sarif.Tool{Driver: driver},
		AutomationDetails: &sarif.Automation{ID: automationID},
		Invocations:       []sarif.Invocation{{ExecutionSuccessful: true, ExitCode: opts.ExitCode}},
		Results:           []sarif.Result{},
		Properties: map[string]any{
			"decision": NewReport(o).Decision, "subject": o.Subject, "action": o.Input.Action, "profile": NewReport(o).Profile,
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
	return sarif.Write(w, run)
}

func level(kind string) string {
	switch kind {
	case kindDeny:
		return sarif.LevelError
	case kindWarn:
		return sarif.LevelWarning
	}
	return sarif.LevelNote
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

func sarifRuleOf(r policy.Result, info policy.Rule, kind string) sarif.Rule {
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
	ct := controlsText(controls)
	return sarif.Rule{
		ID: r.ID, Name: r.ID,
		ShortDescription:     sarif.Text{Text: title},
		FullDescription:      sarif.Text{Text: desc},
		Help:                 sarif.Help(desc, remediation, "Controls: "+ct, "**Controls:** "+ct),
		HelpURI:              PolicyDocURI,
		DefaultConfiguration: sarif.Config{Level: level(kind)},
		Properties:           props,
	}
}

func sarifResultOf(kind string, r policy.Result, idx int, uri, base string) sarif.Result {
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
	res := sarif.Result{
		RuleID: r.ID, RuleIndex: idx, Level: level(kind),
		Message:             sarif.Text{Text: msg},
		Locations:           sarif.FileLocations(uri, base),
		PartialFingerprints: map[string]string{fingerprintKey: sarif.Fingerprint(r.ID, uri, r.Package, r.Message)},
		Properties:          props,
	}
	if kind == kindWaived && r.Waiver != nil {
		w := r.Waiver
		just := fmt.Sprintf("exception for %s owned by %s, expires %s", w.Rule, w.Owner, w.Expires)
		if w.Reason != "" {
			just += ": " + w.Reason
		}
		res.Suppressions = []sarif.Suppression{{Kind: "external", Status: "accepted", Justification: just}}
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
