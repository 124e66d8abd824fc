package sign

import (
	"slices"
	"testing"

	"github.com/mlsec/mlsec/evidence"
)

// TestMethodsMatchEvidence keeps the signature record's method list (which
// evidence validates without importing sign) equal to sign's methods.
func TestMethodsMatchEvidence(t *testing.T) {
	t.Parallel()
	if want := []string{MethodKey, MethodCertificate, MethodSigstore}; !slices.Equal(evidence.SignatureMethods, want) {
		t.Errorf("evidence.SignatureMethods = %v, sign methods = %v", evidence.SignatureMethods, want)
	}
}
