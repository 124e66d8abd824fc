package scan

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity ranks findings. The zero value is SeverityInfo.
type Severity int

// Severities, lowest first.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name (case-insensitive).
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// A Finding is one problem found in one file.
type Finding struct {
	// Path is the scanned file on disk, as given or found in the walk.
	Path string `json:"path"`
	// Member is the path inside the archive(s) holding the blob, with
	// nested archives separated by "!/"; empty for the file itself.
	Member string `json:"member,omitempty"`
	// Format is the format of the blob the finding is about.
	Format Format `json:"format"`
	// RuleID is the stable rule identifier (see Rules and docs/rules.md).
	RuleID   string   `json:"rule_id"`
	Severity Severity `json:"severity"`
	// Callable is the resolved callable or reference (e.g. "os.system"), if any.
	Callable string `json:"callable,omitempty"`
	// Argument is a constant argument when known (e.g. the shell command).
	Argument string `json:"argument,omitempty"`
	// Offset is the byte offset within the blob, or -1 when not applicable.
	Offset int64 `json:"offset"`
	// Message explains the finding in one line.
	Message string `json:"message"`
	// Remediation says what to do about it.
	Remediation string `json:"remediation,omitempty"`
}

// Location renders path and member as one string, e.g. "model.zip!/archive/data.pkl".
func (f Finding) Location() string {
	if f.Member == "" {
		return f.Path
	}
	return f.Path + "!/" + f.Member
}

// Status says what happened to a file.
type Status string

// File statuses.
const (
	StatusScanned Status = "scanned" // fully analysed (it may still have findings)
	StatusSkipped Status = "skipped" // not a format that can hold code, or not analysed by choice
	StatusError   Status = "error"   // could not be fully analysed; a finding says why
)

// FileResult describes one file on disk.
type FileResult struct {
	Path    string   `json:"path"`
	Size    int64    `json:"size"`
	Format  Format   `json:"format"`
	Formats []Format `json:"formats,omitempty"` // every format detected, when more than one
	Status  Status   `json:"status"`
	Reason  string   `json:"reason,omitempty"` // why skipped or errored
	// Members counts archive members analysed (recursively).
	Members int `json:"members,omitempty"`
	// Findings counts the findings about this file.
	Findings int `json:"findings"`
}

// Report is the outcome of a scan.
type Report struct {
	Tool     string       `json:"tool"`
	Version  string       `json:"version"`
	Findings []Finding    `json:"findings"`
	Files    []FileResult `json:"files"`
}

// Max returns the highest severity among the findings and whether there are any.
func (r *Report) Max() (Severity, bool) {
	var m Severity
	for i, f := range r.Findings {
		if i == 0 || f.Severity > m {
			m = f.Severity
		}
	}
	return m, len(r.Findings) > 0
}

// AtOrAbove counts findings with severity at or above s.
func (r *Report) AtOrAbove(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= s {
			n++
		}
	}
	return n
}

// MarshalJSON keeps empty slices as [] rather than null so consumers need no nil checks.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	p := plain(r)
	if p.Findings == nil {
		p.Findings = []Finding{}
	}
	if p.Files == nil {
		p.Files = []FileResult{}
	}
	return json.Marshal(p)
}
