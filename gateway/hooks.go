package gateway

import (
	"context"
	"io"
)

// Hook is the seam for request and response scanners (the LLM guardrails
// of issue 21 attach here, on the openai route). A hook sees clear text in
// memory only; what it lets through is what the client gets and what is
// logged (after redaction).
type Hook interface {
	// InspectRequest runs after the body is read and before it goes
	// upstream. It may replace ex.Request. Returning a *Refusal answers
	// the client with it (and logs the refusal); any other error is a 500.
	InspectRequest(ctx context.Context, ex *Exchange) error
	// WrapResponse returns the body the client and the log will read in
	// place of the upstream's (streams included: a wrapper that redacts or
	// ends a stream does it here). Return body itself to pass it through.
	WrapResponse(ctx context.Context, ex *Exchange, body io.ReadCloser) io.ReadCloser
}

// Refusal is an answer a hook gives instead of the model's.
type Refusal struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, when positive, is sent as Retry-After (seconds).
	RetryAfter int
}

func (r *Refusal) Error() string { return r.Code + ": " + r.Message }
