package sign

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mlsec/mlsec/manifest"
)

// Sentinel errors. Each verification failure wraps exactly one of the first
// seven, so callers can branch with errors.Is; IsVerificationFailure tells
// them apart from I/O and usage errors.
var (
	ErrBundle         = errors.New("malformed bundle")
	ErrMethodMismatch = errors.New("bundle was not made with the requested signing method")
	ErrSignature      = errors.New("signature does not verify")
	ErrWrongKey       = errors.New("bundle was signed by a different key")
	ErrCertificate    = errors.New("certificate not trusted")
	ErrStatement      = errors.New("invalid OMS statement")
	ErrModelMismatch  = errors.New("model does not match the signature")

	ErrCertExpired = errors.New("certificate expired or not yet valid")
	ErrKey         = errors.New("unusable key")
	ErrUnsupported = errors.New("not supported")
)

// IsVerificationFailure reports whether err means "the signature or model is
// not valid" (exit 1) rather than "could not check" (exit 2).
func IsVerificationFailure(err error) bool {
	for _, s := range []error{ErrBundle, ErrMethodMismatch, ErrSignature, ErrWrongKey, ErrCertificate, ErrStatement, ErrModelMismatch} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// MismatchError is returned when the signature is valid but the model on
// disk differs from the signed manifest. It wraps ErrModelMismatch.
type MismatchError struct {
	manifest.Diff
}

func (e *MismatchError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, fmt.Sprintf("%d signed file(s) missing: %s", len(e.Missing), short(e.Missing)))
	}
	if len(e.Extra) > 0 {
		parts = append(parts, fmt.Sprintf("%d unsigned file(s) present: %s", len(e.Extra), short(e.Extra)))
	}
	if len(e.Changed) > 0 {
		names := make([]string, len(e.Changed))
		for i, c := range e.Changed {
			names[i] = c.Name
		}
		parts = append(parts, fmt.Sprintf("%d file(s) changed: %s", len(e.Changed), short(names)))
	}
	return ErrModelMismatch.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrModelMismatch) true.
func (e *MismatchError) Unwrap() error { return ErrModelMismatch }

func short(names []string) string {
	const max = 10
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(", … (%d more)", len(names)-max)
}
