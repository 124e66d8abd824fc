package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// MaxJSONBody bounds a JSON request body (evidence files included).
const MaxJSONBody = 8 << 20

// errorBody is the one error shape of the API: {"error": {"code", "message"}}.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// status maps an error kind to its HTTP status and code: the only place
// that does.
func status(err error) (int, string) {
	var mbe *http.MaxBytesError
	var be *bodyError
	if errors.As(err, &be) {
		if be.slow {
			return http.StatusRequestTimeout, "request_timeout"
		}
		return statusClientClosed, "client_closed"
	}
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, registry.ErrExists):
		return http.StatusConflict, "exists"
	case errors.Is(err, registry.ErrAnalysisPending):
		return http.StatusConflict, "analysis_pending"
	case errors.Is(err, registry.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, registry.ErrPrecondition):
		return http.StatusPreconditionFailed, "precondition_failed"
	case errors.Is(err, registry.ErrDigestMismatch):
		return http.StatusUnprocessableEntity, "digest_mismatch"
	case errors.Is(err, registry.ErrInvalid):
		return http.StatusBadRequest, "invalid"
	case errors.Is(err, registry.ErrUnauthenticated):
		return http.StatusUnauthorized, "unauthenticated"
	case errors.Is(err, registry.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, registry.ErrTooLarge), errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, registry.ErrUnavailable):
		return http.StatusBadGateway, "unavailable"
	case errors.Is(err, errPreconditionRequired):
		return http.StatusPreconditionRequired, "precondition_required"
	}
	return http.StatusInternalServerError, "internal"
}

var errPreconditionRequired = errors.New("If-Match header required: send the ETag you read")

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, name := status(err)
	if code == http.StatusInternalServerError && r.Context().Err() != nil {
		// The client went away (its request context ended) while the
		// server was still working: not a server error.
		code, name = statusClientClosed, "client_closed"
	}
	if code == statusClientClosed {
		if sw, ok := w.(*statusWriter); ok {
			sw.code = code // nobody to answer: count and log it as 499
		}
		return
	}
	msg := err.Error()
	if code == http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", requestID(r.Context()))
		msg = "internal error (request id " + requestID(r.Context()) + ")"
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mlsec"`)
	}
	var b errorBody
	b.Error.Code, b.Error.Message = name, msg
	writeJSON(w, code, b)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads one JSON value into v: unknown fields, trailing data and
// bodies over MaxJSONBody are errors.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var be *bodyError
		switch {
		case errors.As(err, &mbe):
			return fmt.Errorf("%w: body over %d bytes", registry.ErrTooLarge, MaxJSONBody)
		case errors.As(err, &be):
			return err
		}
		return fmt.Errorf("%w: malformed JSON body: %v", registry.ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after the JSON body", registry.ErrInvalid)
	}
	return nil
}

// list is the shape of every paginated response.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func page(r *http.Request) (registry.Page, error) {
	p := registry.Page{Cursor: r.URL.Query().Get("cursor")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > registry.MaxLimit {
			return p, fmt.Errorf("%w: limit must be 1..%d", registry.ErrInvalid, registry.MaxLimit)
		}
		p.Limit = n
	}
	return p, nil
}

func versionNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: version number %q", registry.ErrInvalid, r.PathValue("number"))
	}
	return n, nil
}

func etag(rev int64) string { return `"r` + strconv.FormatInt(rev, 10) + `"` }

// ifMatch parses the If-Match revision; it is required on updates.
func ifMatch(r *http.Request) (int64, error) {
	h := r.Header.Get("If-Match")
	if h == "" {
		return 0, errPreconditionRequired
	}
	if len(h) < 4 || h[0] != '"' || h[1] != 'r' || h[len(h)-1] != '"' {
		return 0, fmt.Errorf("%w: If-Match %s is not an ETag of this API", registry.ErrPrecondition, h)
	}
	n, err := strconv.ParseInt(h[2:len(h)-1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: If-Match %s", registry.ErrPrecondition, h)
	}
	return n, nil
}

// The helpers below keep each handler down to its own logic: parse the
// request, call the service, respond. A failure is always written by
// s.fail, so every error keeps the one error shape.

// parse runs fn on the request (page, versionNumber, ifMatch, ...); on an
// error it writes the failure and returns false.
func parse[T any](s *Server, w http.ResponseWriter, r *http.Request, fn func(*http.Request) (T, error)) (T, bool) {
	v, err := fn(r)
	if err != nil {
		s.fail(w, r, err)
		return v, false
	}
	return v, true
}

// decodeInto decodes the JSON body into a T (see decode); on an error it
// writes the failure and returns false.
func decodeInto[T any](s *Server, w http.ResponseWriter, r *http.Request) (T, bool) {
	var v T
	if err := decode(w, r, &v); err != nil {
		s.fail(w, r, err)
		return v, false
	}
	return v, true
}

// respond writes v with code, or the failure if err is not nil.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, code int, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, code, v)
}

// respondETag is respond with the ETag of revision rev, set on success only.
func (s *Server) respondETag(w http.ResponseWriter, r *http.Request, code int, v any, rev int64, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rev))
	writeJSON(w, code, v)
}

// respondList writes one page of items (200), or the failure if err is not
// nil. Items are written as given: nil stays null.
func respondList[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T, cursor string, err error) {
	s.respond(w, r, http.StatusOK, list[T]{items, cursor}, err)
}

// noContent answers 204, or the failure if err is not nil.
func (s *Server) noContent(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
