package sign

import (
	"errors"
	"strings"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// VerifyEvidence builds a signature evidence record from Verify's outcome. method is
// the method that was requested (res may be nil when verification failed
// early); verr is Verify's error.
func VerifyEvidence(subject evidence.Subject, method string, res *Result, verr error, version string, now time.Time) (evidence.Record, error) {
	out := evidence.SignatureResult{Method: method, Failures: []string{}}
	if res != nil {
		if res.Method != "" {
			out.Method = res.Method
		}
		out.RootDigest = res.RootDigest
		kind, who, _ := strings.Cut(res.Signer, " ")
		if kind == MethodKey {
			out.KeyID = who
		} else if who != "" {
			out.Identity = who
		}
	}
	out.Verified = verr == nil && res != nil && res.Verified
	switch {
	case out.Verified:
		out.Status = evidence.StatusVerified
	case errors.Is(verr, evidence.ErrUnsigned):
		out.Status = evidence.StatusUnsigned
	default:
		out.Status = evidence.StatusFailed
	}
	if verr != nil {
		out.Failures = append(out.Failures, verr.Error())
	} else if !out.Verified {
		out.Failures = append(out.Failures, "verification did not complete")
	}
	return evidence.New(evidence.TypeSignature, subject, version, now, out)
}

// ParseTrustedKey reads a PEM public key (or certificate) as 'mlsec keygen'
// writes it, as a key that may sign evidence attestations.
func ParseTrustedKey(pemData []byte) (evidence.TrustedKey, error) {
	k, err := ParsePublicKey(pemData)
	if err != nil {
		return evidence.TrustedKey{}, err
	}
	return evidence.NewTrustedKey(k)
}
