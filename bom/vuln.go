package bom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/mlsec/mlsec/scan"
)

var severities = map[scan.Severity]cdx.Severity{
	scan.SeverityInfo: cdx.SeverityInfo, scan.SeverityLow: cdx.SeverityLow, scan.SeverityMedium: cdx.SeverityMedium,
	scan.SeverityHigh: cdx.SeverityHigh, scan.SeverityCritical: cdx.SeverityCritical,
}

// addScan turns a scan report into vulnerabilities (one per finding, in the
// report's order) affecting the model and, when known, the file; it returns
// the metadata properties summarising the scan.
func addScan(b *cdx.BOM, rep *scan.Report, root string, dir bool) []cdx.Property {
	model := (*b.Components)[0]
	files := map[string]bool{}
	if model.Components != nil {
		for _, f := range *model.Components {
			files[f.BOMRef] = true
		}
	}
	src := &cdx.Source{Name: "mlsec", URL: "https://github.com/mlsec/mlsec/blob/main/docs/rules.md"}
	var vulns []cdx.Vulnerability
	for i, f := range rep.Findings {
		rel := relPath(root, f.Path, dir)
		affects := []cdx.Affects{{Ref: model.BOMRef}}
		if files[refFile+rel] {
			affects = append(affects, cdx.Affects{Ref: refFile + rel})
		}
		detail := []string{"path: " + rel}
		if f.Member != "" {
			detail = append(detail, "member: "+f.Member)
		}
		if f.Callable != "" {
			detail = append(detail, "callable: "+f.Callable)
		}
		if f.Argument != "" {
			detail = append(detail, "argument: "+f.Argument)
		}
		if f.Offset >= 0 {
			detail = append(detail, fmt.Sprintf("offset: %d", f.Offset))
		}
		v := cdx.Vulnerability{
			BOMRef: fmt.Sprintf("finding:%d", i+1), ID: f.RuleID, Source: src,
			Ratings:     &[]cdx.VulnerabilityRating{{Source: src, Severity: severities[f.Severity], Method: cdx.ScoringMethodOther}},
			Description: f.Message, Detail: strings.Join(detail, "; "), Recommendation: f.Remediation,
			Affects: &affects,
		}
		if r, ok := scan.LookupRule(f.RuleID); ok {
			if v.Recommendation == "" {
				v.Recommendation = r.Remediation
			}
			v.Properties = &[]cdx.Property{{Name: "mlsec:rule:name", Value: r.Name}}
		}
		vulns = append(vulns, v)
	}
	if len(vulns) > 0 {
		b.Vulnerabilities = &vulns
	}
	out := []cdx.Property{{Name: PropScanFiles, Value: fmt.Sprint(len(rep.Files))}}
	if len(rep.Findings) == 0 {
		return append([]cdx.Property{{Name: PropScanResult, Value: "clean"}}, out...)
	}
	return append([]cdx.Property{{Name: PropScanResult, Value: "findings"}, {Name: PropScanFindings, Value: fmt.Sprint(len(rep.Findings))}}, out...)
}

// relPath maps a scanned path back to the manifest's item name.
func relPath(root, p string, dir bool) string {
	if !dir {
		return filepath.Base(p)
	}
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

// fileDigest returns the hex SHA-256 of root/name.
func fileDigest(root, name string) (string, error) {
	f, err := os.Open(filepath.Join(root, name))
	if err != nil {
		return "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file", name)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
