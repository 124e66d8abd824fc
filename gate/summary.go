package gate

import (
	"fmt"
	"strings"

	"github.com/mlsec/mlsec/evidence"
)

// Describe summarises an evidence item in one line (what it says, not where
// it comes from), for tables and reports.
func Describe(it evidence.Item) string {
	res, err := it.DecodeResult()
	if err != nil {
		return "unreadable result: " + err.Error()
	}
	switch r := res.(type) {
	case *evidence.ScanResult:
		total := 0
		for _, n := range r.Summary {
			total += n
		}
		s := fmt.Sprintf("%d finding(s), max severity %s; %d file(s) scanned, %d skipped, %d errored",
			total, r.MaxSeverity, r.FilesScanned, r.FilesSkipped, r.FilesErrored)
		return s
	case *evidence.SignatureResult:
		if r.Verified {
			who := r.KeyID
			if who == "" {
				who = r.Identity
			}
			return fmt.Sprintf("verified (%s %s) over sha256:%s", r.Method, short(who), short(r.RootDigest))
		}
		return "not verified: " + strings.Join(r.Failures, "; ")
	case *evidence.BOMResult:
		lic := "no licence"
		if r.HasLicense {
			lic = "licence " + strings.Join(r.Licenses, ", ")
		}
		return fmt.Sprintf("%s %s, completeness %d/100, %s, %d dataset(s)", r.Format, r.SpecVersion, r.CompletenessScore, lic, len(r.Datasets))
	case map[string]any:
		var keys []string
		for _, k := range []string{"passed", "approved", "drifted", "failed"} {
			if v, ok := r[k]; ok {
				keys = append(keys, fmt.Sprintf("%s=%v", k, v))
			}
		}
		return strings.Join(keys, ", ")
	}
	return ""
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
