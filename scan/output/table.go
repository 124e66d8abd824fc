package output

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mlsec/mlsec/scan"
)

// maxField bounds any one field in the table: arguments can be megabytes
// of attacker-chosen text.
const maxField = 300

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiYell  = "\x1b[33m"
	ansiCyan  = "\x1b[36m"
)

var severityColor = map[scan.Severity]string{
	scan.SeverityCritical: ansiBold + ansiRed,
	scan.SeverityHigh:     ansiRed,
	scan.SeverityMedium:   ansiYell,
	scan.SeverityLow:      ansiCyan,
	scan.SeverityInfo:     ansiDim,
}

// WriteTable writes rep for people: one block per finding, then a summary,
// the verdict and, when files were skipped, a reminder that skipped is not
// clean.
func WriteTable(w io.Writer, rep *scan.Report, o Options) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !o.Color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	for _, f := range rep.Findings {
		name := ""
		if r, ok := scan.LookupRule(f.RuleID); ok {
			name = r.Name
		}
		head := strings.ToUpper(f.Severity.String())
		fmt.Fprintf(bw, "%s  %s %s\n", paint(severityColor[f.Severity], head), paint(ansiBold, Sanitize(f.RuleID)), Sanitize(name))
		loc := Sanitize(f.Location())
		if f.Offset >= 0 {
			loc += " (offset " + strconv.FormatInt(f.Offset, 10) + ")"
		}
		field(bw, "location", loc)
		if f.Format != "" {
			field(bw, "format", Sanitize(string(f.Format)))
		}
		if f.Callable != "" {
			field(bw, "callable", Sanitize(f.Callable))
		}
		if f.Argument != "" {
			field(bw, "argument", Sanitize(f.Argument))
		}
		field(bw, "message", Sanitize(f.Message))
		if f.Remediation != "" {
			field(bw, "remediation", Sanitize(f.Remediation))
		}
		bw.WriteString("\n")
	}

	s := Summarize(rep, o.FailOn)
	if s.Findings == 0 {
		bw.WriteString(paint(ansiGreen, "No findings.") + "\n")
	}
	fmt.Fprintf(bw, "%s: %d scanned, %d skipped, %d errored.", plural(s.Files, "file"), s.Scanned, s.Skipped, s.Errors)
	if s.Findings > 0 {
		c := s.BySeverity
		fmt.Fprintf(bw, " %s: %d critical, %d high, %d medium, %d low, %d info.", plural(s.Findings, "finding"), c.Critical, c.High, c.Medium, c.Low, c.Info)
	}
	bw.WriteString("\n")
	switch {
	case o.FailOn == FailNever:
		bw.WriteString("Result: not failing on findings (--fail-on none).\n")
	case s.Failed:
		n := rep.AtOrAbove(o.FailOn)
		fmt.Fprintf(bw, "%s %s at or above %s (--fail-on %s).\n", paint(ansiBold+ansiRed, "Result: FAIL:"), plural(n, "finding"), o.FailOn, o.FailOn)
	default:
		below := ""
		if s.Findings > 0 {
			below = fmt.Sprintf(" (%d below it)", s.Findings)
		}
		fmt.Fprintf(bw, "%s no findings at or above %s (--fail-on %s)%s.\n", paint(ansiGreen, "Result: PASS:"), o.FailOn, o.FailOn, below)
	}
	if s.Skipped > 0 {
		fmt.Fprintf(bw, "Note: %s skipped and not analysed: skipped is not clean.", plural(s.Skipped, "file"))
		if !o.ShowSkipped {
			bw.WriteString(" Run with --show-skipped to list them.")
		}
		bw.WriteString("\n")
		if o.ShowSkipped {
			bw.WriteString("Skipped files:\n")
			for _, f := range rep.Files {
				if f.Status != scan.StatusSkipped {
					continue
				}
				fmt.Fprintf(bw, "  %s  (%s: %s)\n", Sanitize(f.Path), Sanitize(string(f.Format)), Sanitize(f.Reason))
			}
		}
	}
	return bw.Flush()
}

func field(w *bufio.Writer, name, value string) {
	fmt.Fprintf(w, "  %-12s %s\n", name, value)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Sanitize makes untrusted text safe to print on a terminal: control
// characters, invalid UTF-8 and bidirectional overrides are escaped Go-style,
// and the result is cut at a bounded length.
func Sanitize(s string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if n >= maxField {
			fmt.Fprintf(&b, "... (%d more bytes)", len(s)-i)
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029':
			q := strconv.QuoteRune(r) // e.g. '\n' or '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
		n++
	}
	return b.String()
}
