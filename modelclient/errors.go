package modelclient

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error kinds. Every error the client returns is an *Error wrapping exactly
// one of them; check with errors.Is.
var (
	// ErrTimeout: the server did not answer within Config.Timeout (after
	// the configured retries). The model is slow or stuck.
	ErrTimeout = errors.New("the model server did not answer in time")
	// ErrCanceled: the caller's context ended; we gave up, the server did
	// not fail.
	ErrCanceled = errors.New("canceled")
	// ErrUnavailable: no connection could be made or it broke (refused,
	// reset, closed before an answer).
	ErrUnavailable = errors.New("the model server is unreachable")
	// ErrServer: the server answered with HTTP 5xx.
	ErrServer = errors.New("the model server failed")
	// ErrRejected: the server answered with HTTP 4xx (wrong path, model
	// name, protocol or input).
	ErrRejected = errors.New("the model server rejected the request")
	// ErrMalformed: the answer is not the protocol's JSON.
	ErrMalformed = errors.New("the answer is not valid for the protocol")
	// ErrShape: the answer holds a shape, datatype or count other than
	// declared or sent.
	ErrShape = errors.New("the answer has the wrong shape or type")
	// ErrBudget: the request would pass the query budget; it was not sent.
	ErrBudget = errors.New("query budget exhausted")
)

// Error is a failed call to the model server.
type Error struct {
	// Kind is one of the Err* kinds above.
	Kind error
	// Op names the request, e.g. "POST http://127.0.0.1:8080/invocations".
	Op string
	// Status is the HTTP status, or 0 when there was no answer.
	Status int
	// Attempts is how many times the request was sent (0 when refused
	// before sending, as for ErrBudget).
	Attempts int
	// Detail is a short excerpt of the server's error body, or what was
	// wrong with the answer.
	Detail string
	// Err is the underlying error, if any.
	Err error

	// retryAfter is the server's Retry-After, for the back-off.
	retryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	} else if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// shapeErr is a decoding error of kind ErrShape; the client adds Op.
func shapeErr(format string, a ...any) error {
	return &Error{Kind: ErrShape, Detail: fmt.Sprintf(format, a...)}
}

// malformed is a decoding error of kind ErrMalformed.
func malformed(format string, a ...any) error {
	return &Error{Kind: ErrMalformed, Detail: fmt.Sprintf(format, a...)}
}

// excerpt returns at most 300 bytes of an error body, on one line.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
