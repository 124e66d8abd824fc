package evidence

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Outcome says in a few words what a record found, for tables (mlsec
// evidence): "clean", "findings (max high: 2 high, 1 medium)",
// "verified", "completeness 83/100", "passed", "drift (3/10 columns)". It
// reads the record's own result and judges nothing: the policy applies its
// limits. A result it cannot read says so ("unreadable result"); a type
// without a verdict gives "-".
func Outcome(r Record) string {
	if len(r.Result) == 0 {
		return "-"
	}
	bad := "unreadable result"
	switch r.Type {
	case TypeScan:
		var s ScanResult
		if json.Unmarshal(r.Result, &s) != nil {
			return bad
		}
		if s.MaxSeverity == "none" || s.MaxSeverity == "" {
			return fmt.Sprintf("clean (%d files)", s.FilesScanned)
		}
		var parts []string
		for _, sev := range slices.Backward(Severities) {
			if n := s.Summary[sev]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, sev))
			}
		}
		return fmt.Sprintf("findings (max %s: %s)", s.MaxSeverity, strings.Join(parts, ", "))
	case TypeSignature:
		var s SignatureResult
		if json.Unmarshal(r.Result, &s) != nil {
			return bad
		}
		switch {
		case s.Status != "":
			return s.Status
		case s.Verified:
			return "verified"
		}
		return "failed"
	case TypeBOM:
		var b BOMResult
		if json.Unmarshal(r.Result, &b) != nil {
			return bad
		}
		return fmt.Sprintf("completeness %d/100", b.CompletenessScore)
	case TypeFairness:
		var f FairnessResult
		if json.Unmarshal(r.Result, &f) != nil {
			return bad
		}
		return passed(f.Passed)
	case TypeRobustness:
		var f RobustnessResult
		if json.Unmarshal(r.Result, &f) != nil {
			return bad
		}
		return passed(f.Passed)
	case TypeDrift:
		var d DriftResult
		if json.Unmarshal(r.Result, &d) != nil {
			return bad
		}
		out := "no drift"
		if d.Drifted {
			out = "drift"
		}
		if d.NumberOfColumns > 0 {
			out += fmt.Sprintf(" (%d/%d columns)", d.NumberOfDriftedColumns, d.NumberOfColumns)
		}
		if d.Complete != nil && !*d.Complete {
			out += ", incomplete"
		}
		return out
	}
	var generic struct {
		Passed *bool `json:"passed"`
	}
	if json.Unmarshal(r.Result, &generic) == nil && generic.Passed != nil {
		return passed(generic.Passed)
	}
	return "-"
}

func passed(p *bool) string {
	switch {
	case p == nil:
		return "no verdict"
	case *p:
		return "passed"
	}
	return "failed"
}
