package evidence

import (
	"errors"
	"fmt"
	"slices"
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
	if !slices.Contains(SignatureMethods, r.Method) {
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

// SignatureMethods are the signing methods a signature record may name
// (sign.MethodKey, MethodCertificate and MethodSigstore; a test in sign
// keeps the two lists equal).
var SignatureMethods = []string{"key", "certificate", "sigstore"}

// Signature statuses.
const (
	StatusVerified = "verified"
	StatusFailed   = "failed"
	StatusUnsigned = "unsigned"
)

// ErrUnsigned is wrapped by a verification error that means no signature
// was found at all, as opposed to one that does not verify.
var ErrUnsigned = errors.New("unsigned")

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
