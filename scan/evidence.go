package scan

import (
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// Evidence builds a scan evidence record from a report. subject binds it to
// the artifact (the caller computes the OMS root digest of the scanned path).
func Evidence(subject evidence.Subject, rep *Report, now time.Time) (evidence.Record, error) {
	res := evidence.ScanResult{Summary: map[string]int{}, MaxSeverity: "none", Findings: []evidence.ScanFinding{}}
	for _, s := range evidence.Severities {
		res.Summary[s] = 0
	}
	for _, f := range rep.Findings {
		res.Summary[f.Severity.String()]++
		if len(res.Findings) < evidence.MaxScanFindings {
			res.Findings = append(res.Findings, evidence.ScanFinding{RuleID: f.RuleID, Severity: f.Severity.String(), Path: f.Path, Member: f.Member, Message: f.Message})
		} else {
			res.FindingsTruncated = true
		}
	}
	if m, ok := rep.Max(); ok {
		res.MaxSeverity = m.String()
	}
	for _, f := range rep.Files {
		switch f.Status {
		case StatusScanned:
			res.FilesScanned++
		case StatusSkipped:
			res.FilesSkipped++
		case StatusError:
			res.FilesErrored++
		}
	}
	return evidence.New(evidence.TypeScan, subject, rep.Version, now, res)
}
