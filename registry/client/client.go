// Package client is a small Go client for the mlsec registry's REST API
// (/api/v1, see docs/registry.md). It speaks the API's one error shape,
// {"error": {"code", "message"}}, as typed *Error values, authenticates with
// a bearer token and streams blob uploads and downloads: no method ever
// holds a whole file in memory.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// Client calls one registry server. The zero value is not usable; use New.
type Client struct {
	base  *url.URL
	token string
	// HTTP is the underlying client; New sets one without an overall
	// timeout, since uploads of large models take as long as they take.
	HTTP *http.Client
	// UserAgent is sent with every request.
	UserAgent string
}

// New returns a client for the server at baseURL (scheme and host, e.g.
// http://127.0.0.1:8080) that authenticates with token ("" = anonymous).
func New(baseURL, token string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want http(s)://host[:port]", baseURL)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 5 * time.Minute
	return &Client{base: u, token: token, HTTP: &http.Client{Transport: tr}, UserAgent: "mlsec-client"}, nil
}

// BaseURL returns the server URL the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// Error is an error response of the API.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is the API error code: invalid, unauthenticated, forbidden,
	// not_found, exists, conflict, precondition_failed, too_large,
	// digest_mismatch, precondition_required or internal.
	Code    string
	Message string
	// RequestID is the server's X-Request-Id, for its logs.
	RequestID string
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s (HTTP %d %s)", msg, e.Status, e.Code)
}

// Is makes errors.Is(err, registry.ErrNotFound) and friends work on API
// errors, so callers share the domain's error kinds.
func (e *Error) Is(target error) bool {
	k, ok := codeKinds[e.Code]
	return ok && k == target
}

var codeKinds = map[string]error{
	"invalid": registry.ErrInvalid, "unauthenticated": registry.ErrUnauthenticated, "forbidden": registry.ErrForbidden,
	"not_found": registry.ErrNotFound, "exists": registry.ErrExists, "conflict": registry.ErrConflict,
	"precondition_failed": registry.ErrPrecondition, "too_large": registry.ErrTooLarge, "digest_mismatch": registry.ErrDigestMismatch,
}

// StatusOf returns the HTTP status of an API error, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 1 << 20

// apiError turns a non-2xx response into an *Error.
func apiError(res *http.Response) error {
	e := &Error{Status: res.StatusCode, RequestID: res.Header.Get("X-Request-Id")}
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	if json.Unmarshal(raw, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message = body.Error.Code, body.Error.Message
	} else {
		e.Code = strings.ReplaceAll(strings.ToLower(http.StatusText(res.StatusCode)), " ", "_")
		if s := strings.TrimSpace(string(raw)); s != "" && len(s) < 300 {
			e.Message = s
		}
	}
	return e
}

// request is one API call.
type request struct {
	method, path string
	query        url.Values
	body         io.Reader
	size         int64 // Content-Length of body; -1 = unknown
	json         any   // marshalled as the body when set
	header       http.Header
}

// do sends r and returns the response if its status is 2xx; any other
// status becomes an *Error. The caller closes the body.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	// r.path is escaped (seg, pathEsc): keep it as the raw path, so a file
	// name with a space, '%', '#' or '?' is escaped once, not twice.
	u := *c.base
	raw := c.base.EscapedPath() + r.path
	p, err := url.PathUnescape(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	u.Path, u.RawPath = p, raw
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	body, size := r.body, r.size
	if r.json != nil {
		b, err := json.Marshal(r.json)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		body, size = bytes.NewReader(b), int64(len(b))
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.json != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("User-Agent", c.UserAgent)
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, c.base.Host, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		defer res.Body.Close()
		return nil, apiError(res)
	}
	return res, nil
}

// call sends r and decodes a JSON response into out (if not nil). It
// returns the response status.
func (c *Client) call(ctx context.Context, r request, out any) (int, http.Header, error) {
	res, err := c.do(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	if out != nil && r.method != http.MethodHead {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			return res.StatusCode, res.Header, fmt.Errorf("%s %s: decode response: %w", r.method, r.path, err)
		}
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, maxErrorBody))
	return res.StatusCode, res.Header, nil
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }

// pathEsc escapes a slash path segment by segment.
func pathEsc(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

func versionPath(model string, number int) string {
	return "/api/v1/models/" + seg(model) + "/versions/" + strconv.Itoa(number)
}

// List is one page of a list endpoint.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// pageQuery adds limit and cursor to q.
func pageQuery(q url.Values, p registry.Page) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	return q
}

// All collects every page of a list call, following cursors. It stops
// after max items (0 = no bound) so a huge registry cannot exhaust memory.
func All[T any](ctx context.Context, max int, fetch func(ctx context.Context, cursor string) (List[T], error)) ([]T, error) {
	var out []T
	cursor := ""
	for {
		l, err := fetch(ctx, cursor)
		if err != nil {
			return out, err
		}
		out = append(out, l.Items...)
		if l.NextCursor == "" || l.NextCursor == cursor || (max > 0 && len(out) >= max) {
			return out, nil
		}
		cursor = l.NextCursor
	}
}
