package registry

import (
	"errors"
	"fmt"
)

// Error kinds. Every error the store and service return wraps one of these,
// so the server maps kinds to HTTP statuses in one place (server.status).
var (
	ErrNotFound        = errors.New("not found")
	ErrExists          = errors.New("already exists")
	ErrConflict        = errors.New("conflict")            // a state transition that is not allowed
	ErrPrecondition    = errors.New("precondition failed") // stale revision (ETag)
	ErrInvalid         = errors.New("invalid")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
	ErrTooLarge        = errors.New("too large")
	ErrDigestMismatch  = errors.New("digest mismatch")
	// ErrAnalysisPending refuses a decision on a version whose analysis
	// has not finished: retry later. It is not a policy denial and
	// nothing is recorded.
	ErrAnalysisPending = errors.New("analysis pending, retry")
	// ErrUnavailable is a service the registry depends on (the OpenID
	// provider of single sign-on) that did not answer: retry later.
	ErrUnavailable = errors.New("unavailable")
)

// invalidf returns an ErrInvalid with a message.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
