package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Request bodies that arrive too slowly, or not at all (docs/registry.md
// "Limits"). A client that sends one byte every few seconds would hold a
// connection and a file descriptor as long as it liked; so every window of
// BodyWindow must bring at least MinBodyRate×BodyWindow bytes (or the end
// of the body), else the read deadline, extended only while data flows at
// that rate, ends the read, the request fails with 408 and the connection
// closes. A body that breaks off (the client went away) fails the request
// as client-closed, counted with code 499 rather than as a server error.

// Defaults of Config.BodyWindow and Config.MinBodyRate: a slowloris client
// is cut after 30 s; an honest upload needs 4 KiB/s on average per window.
const (
	DefaultBodyWindow  = 30 * time.Second
	DefaultMinBodyRate = 4 << 10
)

// statusClientClosed is nginx's and caddy's code for a request the client
// abandoned; it is logged and counted, never sent.
const statusClientClosed = 499

// bodyError is a failure to read the request body: the client was too
// slow, or went away.
type bodyError struct {
	slow bool
	err  error
}

func (e *bodyError) Error() string {
	if e.slow {
		return "request body arrived slower than the server's minimum rate: " + e.err.Error()
	}
	return "the client closed the request before its body ended: " + e.err.Error()
}

func (e *bodyError) Unwrap() error { return e.err }

// rateBody enforces the minimum rate on a request body through the
// connection's read deadline.
type rateBody struct {
	io.ReadCloser
	ctl    *http.ResponseController
	window time.Duration
	need   int64 // bytes per window
	got    int64 // bytes in the current window
}

// limitBody installs rateBody on r's body, if it has one. The deadline is
// lifted when the body ends; a handler that never reads it leaves it in
// place, which bounds the server's own drain of the unread body.
func (s *Server) limitBody(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody || s.minRate <= 0 {
		return
	}
	ctl := http.NewResponseController(w)
	if err := ctl.SetReadDeadline(time.Now().Add(s.window)); err != nil {
		return // not supported by this connection (a test recorder)
	}
	r.Body = &rateBody{ReadCloser: r.Body, ctl: ctl, window: s.window, need: int64(float64(s.minRate) * s.window.Seconds())}
}

func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.got += int64(n); b.got >= b.need {
		b.got = 0
		b.ctl.SetReadDeadline(time.Now().Add(b.window))
	}
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF):
		// Complete: lift the deadline, or it would cut the connection's
		// background read (and cancel the request) while the handler works.
		b.ctl.SetReadDeadline(time.Time{})
		return n, err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return n, &bodyError{slow: true, err: fmt.Errorf("less than %d bytes in %s", b.need, b.window)}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return n, err
	}
	return n, &bodyError{err: err}
}
