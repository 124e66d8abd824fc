package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/mlsec/mlsec/scan"
)

// Format is an output format name, as given to --format.
type Format string

// Output formats.
const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatSARIF Format = "sarif"
)

// Formats lists the output formats, default first.
var Formats = []Format{FormatTable, FormatJSON, FormatSARIF}

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown output format %q (want one of %s)", s, joinFormats())
}

func joinFormats() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// FailNever is the --fail-on threshold "none": findings never fail the scan.
const FailNever scan.Severity = -1

// ParseFailOn parses a --fail-on value: a severity name or "none".
func ParseFailOn(s string) (scan.Severity, error) {
	if strings.EqualFold(s, "none") {
		return FailNever, nil
	}
	sev, err := scan.ParseSeverity(s)
	if err != nil {
		return 0, fmt.Errorf("--fail-on: unknown severity %q (want critical, high, medium, low, info or none)", s)
	}
	return sev, nil
}

// FailOnName is the inverse of ParseFailOn.
func FailOnName(s scan.Severity) string {
	if s == FailNever {
		return "none"
	}
	return s.String()
}

// Failed reports whether rep has a finding at or above failOn. It is the
// single definition of the scan verdict (exit code 1).
func Failed(rep *scan.Report, failOn scan.Severity) bool {
	return failOn != FailNever && rep.AtOrAbove(failOn) > 0
}

// Options tune the writers. The zero value fails on every finding
// (threshold info), without colour.
type Options struct {
	// FailOn is the --fail-on threshold; FailNever disables failing.
	FailOn scan.Severity
	// Color enables ANSI colours in the table (only when writing to a terminal).
	Color bool
	// ShowSkipped lists skipped files in the table.
	ShowSkipped bool
	// ExitCode is recorded in the SARIF invocation.
	ExitCode int
	// BaseDir, if set, is an absolute folder (the SARIF %SRCROOT%): absolute
	// paths under it are written relative to it in SARIF.
	BaseDir string
}

// Write renders rep in format f.
func Write(w io.Writer, f Format, rep *scan.Report, o Options) error {
	switch f {
	case FormatTable:
		return WriteTable(w, rep, o)
	case FormatJSON:
		return WriteJSON(w, rep, o)
	case FormatSARIF:
		return WriteSARIF(w, rep, o)
	}
	return fmt.Errorf("unknown output format %q", f)
}

// SeverityCounts counts findings per severity.
type SeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

func (c *SeverityCounts) add(s scan.Severity) {
	switch {
	case s >= scan.SeverityCritical:
		c.Critical++
	case s == scan.SeverityHigh:
		c.High++
	case s == scan.SeverityMedium:
		c.Medium++
	case s == scan.SeverityLow:
		c.Low++
	default:
		c.Info++
	}
}

// Summary is the headline of a report: what was looked at, what was found,
// and the verdict against the threshold.
type Summary struct {
	Files      int            `json:"files"`    // files on disk considered
	Scanned    int            `json:"scanned"`  // fully analysed
	Skipped    int            `json:"skipped"`  // not analysed: not clean either
	Errors     int            `json:"errors"`   // not fully analysed; each has a finding
	Findings   int            `json:"findings"` // total findings
	BySeverity SeverityCounts `json:"by_severity"`
	FailOn     string         `json:"fail_on"` // the threshold: a severity or "none"
	Failed     bool           `json:"failed"`  // a finding is at or above fail_on (exit code 1)
}

// Summarize computes rep's summary against the failOn threshold.
func Summarize(rep *scan.Report, failOn scan.Severity) Summary {
	s := Summary{Files: len(rep.Files), Findings: len(rep.Findings), FailOn: FailOnName(failOn), Failed: Failed(rep, failOn)}
	for _, f := range rep.Files {
		switch f.Status {
		case scan.StatusScanned:
			s.Scanned++
		case scan.StatusSkipped:
			s.Skipped++
		default:
			s.Errors++
		}
	}
	for _, f := range rep.Findings {
		s.BySeverity.add(f.Severity)
	}
	return s
}
