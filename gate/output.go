package gate

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/policy"
)

// ReportSchema identifies the JSON report WriteJSON writes.
const ReportSchema = "https://mlsec.dev/gate/v1"

// Report is the JSON form of an Outcome: the verdict first, then every
// reason, the evidence in one line each, and the exact policy input.
type Report struct {
	Schema string `json:"schema"`
	// Decision is "allow" or "deny".
	Decision string `json:"decision"`
	Allowed  bool   `json:"allowed"`
	// Profile is the policy profile decided with (baseline, strict).
	Profile   string          `json:"profile"`
	ModelPath string          `json:"model_path"`
	Subject   policy.Subject  `json:"subject"`
	Action    policy.Action   `json:"action"`
	Context   policy.Context  `json:"context"`
	Signature SignatureCheck  `json:"signature"`
	Evidence  []EvidenceLine  `json:"evidence"`
	Ignored   []Ignored       `json:"ignored"`
	Notes     []string        `json:"notes"`
	Denies    []policy.Result `json:"denies"`
	Warnings  []policy.Result `json:"warnings"`
	Waived    []policy.Result `json:"exceptions"`
	Disabled  []string        `json:"disabled,omitempty"`
	Input     policy.Input    `json:"input"`
	Rules     []policy.Rule   `json:"-"`
}

// EvidenceLine summarises one evidence item the policy received.
type EvidenceLine struct {
	Type      string `json:"type"`
	Source    string `json:"source"`
	Digest    string `json:"digest"`
	Timestamp string `json:"timestamp"`
	Signed    bool   `json:"signed"`
	Signer    string `json:"signer,omitempty"`
	// Bound is false when the item is about another digest (ignored).
	Bound bool `json:"bound"`
	// Produced is true for the evidence the gate made in this run.
	Produced bool   `json:"produced"`
	Summary  string `json:"summary"`
}

// NewReport builds the report of an Outcome.
func NewReport(o *Outcome) Report {
	r := Report{
		Schema: ReportSchema, Decision: "deny", Allowed: o.Allowed(), ModelPath: o.ModelPath,
		Subject: o.Subject, Action: o.Input.Action, Context: o.Input.Context, Signature: o.Signature,
		Evidence: []EvidenceLine{}, Ignored: nonNilIgnored(o.Ignored), Notes: nonNilStrings(o.Notes),
		Denies: []policy.Result{}, Warnings: []policy.Result{}, Waived: []policy.Result{},
		Input: o.Input, Rules: o.Rules,
	}
	if r.Allowed {
		r.Decision = "allow"
	}
	if d := o.Decision; d != nil {
		r.Denies, r.Warnings, r.Waived = nonNilResults(d.Denies), nonNilResults(d.Warnings), nonNilResults(d.Exceptions)
		r.Disabled = d.Disabled
		r.Profile = d.Profile
	}
	for _, it := range o.Input.Evidence {
		r.Evidence = append(r.Evidence, lineOf(it, o.Subject.Digest["sha256"]))
	}
	return r
}

func lineOf(it evidence.Item, digest string) EvidenceLine {
	return EvidenceLine{
		Type: it.Type, Source: it.Source, Digest: it.Subject.SHA256(),
		Timestamp: it.Timestamp.UTC().Format("2006-01-02T15:04:05Z07:00"),
		Signed:    it.Signed, Signer: it.Signer, Bound: it.Subject.SHA256() == digest,
		Summary: Describe(it), Produced: strings.HasPrefix(it.Source, sourcePrefix),
	}
}

// WriteJSON writes the outcome as an indented JSON Report.
func WriteJSON(w io.Writer, o *Outcome) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(NewReport(o))
}

func nonNilResults(l []policy.Result) []policy.Result {
	if l == nil {
		return []policy.Result{}
	}
	return l
}

func nonNilStrings(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func nonNilIgnored(l []Ignored) []Ignored {
	if l == nil {
		return []Ignored{}
	}
	return l
}
