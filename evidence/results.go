package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/mlsec/mlsec/bom"
	"github.com/mlsec/mlsec/scan"
	"github.com/mlsec/mlsec/sign"
)

// Severities, lowest first, as they appear in ScanResult.Summary.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// MaxScanFindings caps the findings copied into a scan record; the summary
// still counts every finding and FindingsTruncated says so.
const MaxScanFindings = 1000

// ScanResult is the result of a "scan" record.
type ScanResult struct {
	// Summary counts findings per severity; every severity is present.
	Summary map[string]int `json:"summary"`
	// MaxSeverity is the highest severity found, or "none".
	MaxSeverity       string        `json:"max_severity"`
	Findings          []ScanFinding `json:"findings"`
	FindingsTruncated bool          `json:"findings_truncated,omitempty"`
	FilesScanned      int           `json:"files_scanned"`
	FilesSkipped      int           `json:"files_skipped"`
	FilesErrored      int           `json:"files_errored"`
}

// ScanFinding is one finding, reduced to what a policy needs.
type ScanFinding struct {
	RuleID   string `json:"rule_id"`
	Severity string `json:"severity"`
	Path     string `json:"path"`
	Member   string `json:"member,omitempty"`
	Message  string `json:"message"`
}

func (r *ScanResult) validate() error {
	if r.Summary == nil {
		return errors.New("summary is missing")
	}
	if r.MaxSeverity != "none" && !slices.Contains(Severities, r.MaxSeverity) {
		return fmt.Errorf("max_severity %q", r.MaxSeverity)
	}
	for _, f := range r.Findings {
		if f.RuleID == "" || !slices.Contains(Severities, f.Severity) {
			return fmt.Errorf("finding %q/%q needs a rule_id and a known severity", f.RuleID, f.Severity)
		}
	}
	return nil
}

// FromScan builds a scan record from a scanner report. subject binds it to
// the artifact (the caller computes the OMS root digest of the scanned path).
func FromScan(subject Subject, rep *scan.Report, now time.Time) (Record, error) {
	res := ScanResult{Summary: map[string]int{}, MaxSeverity: "none", Findings: []ScanFinding{}}
	for _, s := range Severities {
		res.Summary[s] = 0
	}
	for _, f := range rep.Findings {
		res.Summary[f.Severity.String()]++
		if len(res.Findings) < MaxScanFindings {
			res.Findings = append(res.Findings, ScanFinding{RuleID: f.RuleID, Severity: f.Severity.String(), Path: f.Path, Member: f.Member, Message: f.Message})
		} else {
			res.FindingsTruncated = true
		}
	}
	if m, ok := rep.Max(); ok {
		res.MaxSeverity = m.String()
	}
	for _, f := range rep.Files {
		switch f.Status {
		case scan.StatusScanned:
			res.FilesScanned++
		case scan.StatusSkipped:
			res.FilesSkipped++
		case scan.StatusError:
			res.FilesErrored++
		}
	}
	return New(TypeScan, subject, rep.Version, now, res)
}

// SignatureResult is the result of a "signature" record.
type SignatureResult struct {
	Verified bool `json:"verified"`
	// Status is verified, failed (a signature exists and does not verify)
	// or unsigned (no signature was found). Absent in records written
	// before it existed; policies then treat a false Verified as failed.
	Status string `json:"status,omitempty"`
	// Method is key, certificate or sigstore.
	Method string `json:"method"`
	// KeyID is the fingerprint of the verifying key (sign.KeyHint: hex
	// SHA-256 of its PEM) for the key method.
	KeyID string `json:"key_id,omitempty"`
	// Identity is the certificate subject or Sigstore identity.
	Identity string `json:"identity,omitempty"`
	// RootDigest is the OMS root digest (hex) the signature covers; a policy
	// compares it with the subject's digest.
	RootDigest string `json:"root_digest"`
	// Failures lists why verification failed (empty when verified).
	Failures []string `json:"failures"`
}

func (r *SignatureResult) validate() error {
	if !slices.Contains([]string{sign.MethodKey, sign.MethodCertificate, sign.MethodSigstore}, r.Method) {
		return fmt.Errorf("method %q (want key, certificate or sigstore)", r.Method)
	}
	if r.RootDigest != "" && !ValidDigest(r.RootDigest) {
		return fmt.Errorf("root_digest %q is not a lowercase hex SHA-256", r.RootDigest)
	}
	if r.Verified && (len(r.Failures) > 0 || r.RootDigest == "") {
		return errors.New("a verified signature needs a root_digest and no failures")
	}
	return nil
}

// Signature statuses.
const (
	StatusVerified = "verified"
	StatusFailed   = "failed"
	StatusUnsigned = "unsigned"
)

// ErrUnsigned is wrapped by a verification error that means no signature
// was found at all, as opposed to one that does not verify.
var ErrUnsigned = errors.New("unsigned")

// FromVerify builds a signature record from sign.Verify's outcome. method is
// the method that was requested (res may be nil when verification failed
// early); verr is Verify's error.
func FromVerify(subject Subject, method string, res *sign.Result, verr error, version string, now time.Time) (Record, error) {
	out := SignatureResult{Method: method, Failures: []string{}}
	if res != nil {
		if res.Method != "" {
			out.Method = res.Method
		}
		out.RootDigest = res.RootDigest
		kind, who, _ := strings.Cut(res.Signer, " ")
		if kind == sign.MethodKey {
			out.KeyID = who
		} else if who != "" {
			out.Identity = who
		}
	}
	out.Verified = verr == nil && res != nil && res.Verified
	switch {
	case out.Verified:
		out.Status = StatusVerified
	case errors.Is(verr, ErrUnsigned):
		out.Status = StatusUnsigned
	default:
		out.Status = StatusFailed
	}
	if verr != nil {
		out.Failures = append(out.Failures, verr.Error())
	} else if !out.Verified {
		out.Failures = append(out.Failures, "verification did not complete")
	}
	return New(TypeSignature, subject, version, now, out)
}

// BOMResult is the result of a "bom" record.
type BOMResult struct {
	// CompletenessScore is bom.Score's 0..100 score.
	CompletenessScore int      `json:"completeness_score"`
	MissingFields     []string `json:"missing_fields"`
	HasLicense        bool     `json:"has_license"`
	Licenses          []string `json:"licenses"`
	Datasets          []string `json:"datasets"`
	// Format and SpecVersion name the BOM standard, e.g. CycloneDX 1.6.
	Format      string `json:"format"`
	SpecVersion string `json:"spec_version"`
}

func (r *BOMResult) validate() error {
	if r.CompletenessScore < 0 || r.CompletenessScore > 100 {
		return fmt.Errorf("completeness_score %d out of 0..100", r.CompletenessScore)
	}
	if r.HasLicense != (len(r.Licenses) > 0) {
		return errors.New("has_license disagrees with licenses")
	}
	return nil
}

// FromBOM builds a bom record from a CycloneDX ML-BOM: its completeness
// score (bom.Score), licences and datasets of the model component.
func FromBOM(subject Subject, b *cdx.BOM, version string, now time.Time) (Record, error) {
	c := bom.Score(b)
	res := BOMResult{
		CompletenessScore: c.Score, MissingFields: c.Missing, Licenses: []string{}, Datasets: []string{},
		Format: "CycloneDX", SpecVersion: specVersion(b),
	}
	if res.MissingFields == nil {
		res.MissingFields = []string{}
	}
	if m := modelComponent(b); m != nil {
		if m.Licenses != nil {
			for _, l := range *m.Licenses {
				switch {
				case l.Expression != "":
					res.Licenses = append(res.Licenses, l.Expression)
				case l.License != nil && l.License.ID != "":
					res.Licenses = append(res.Licenses, l.License.ID)
				case l.License != nil && l.License.Name != "":
					res.Licenses = append(res.Licenses, l.License.Name)
				}
			}
		}
		if m.ModelCard != nil && m.ModelCard.ModelParameters != nil && m.ModelCard.ModelParameters.Datasets != nil {
			for _, d := range *m.ModelCard.ModelParameters.Datasets {
				switch {
				case d.ComponentData != nil && d.ComponentData.Name != "":
					res.Datasets = append(res.Datasets, d.ComponentData.Name)
				case d.Ref != "":
					res.Datasets = append(res.Datasets, d.Ref)
				}
			}
		}
	}
	res.HasLicense = len(res.Licenses) > 0
	return New(TypeBOM, subject, version, now, res)
}

// modelComponent mirrors bom.Score's choice of the model component.
func modelComponent(b *cdx.BOM) *cdx.Component {
	if b.Components != nil {
		for i := range *b.Components {
			if (*b.Components)[i].Type == cdx.ComponentTypeMachineLearningModel {
				return &(*b.Components)[i]
			}
		}
	}
	if b.Metadata != nil && b.Metadata.Component != nil && b.Metadata.Component.Type == cdx.ComponentTypeMachineLearningModel {
		return b.Metadata.Component
	}
	return nil
}

func specVersion(b *cdx.BOM) string {
	raw, err := json.Marshal(b.SpecVersion)
	if err != nil {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
