package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// shutdownGrace bounds how long a stopping server waits for requests in
// flight.
const shutdownGrace = 15 * time.Second

// serving is an HTTP server started on a listener; untilDone is the one
// place serve and gateway wait for a stop signal and drain.
type serving struct {
	hs   *http.Server
	errc chan error
}

func startServing(hs *http.Server, ln net.Listener) *serving {
	s := &serving{hs: hs, errc: make(chan error, 1)}
	go func() { s.errc <- hs.Serve(ln) }()
	return s
}

// untilDone returns when the server fails (exit 1) or ctx ends, then shuts
// it down gracefully within shutdownGrace. name prefixes the errors.
func (s *serving) untilDone(ctx context.Context, name string) error {
	select {
	case err := <-s.errc:
		return withCode(1, fmt.Errorf("%s: %w", name, err))
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := s.hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return withCode(1, fmt.Errorf("%s: shutdown: %w", name, err))
	}
	return nil
}
