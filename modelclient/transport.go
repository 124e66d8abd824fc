package modelclient

import (
	"net/http"
	"slices"
	"sync"
	"time"
)

// RoundTripperFunc adapts a function to http.RoundTripper.
type RoundTripperFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f RoundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Exchange is one request and its outcome, as Observe reports it.
type Exchange struct {
	Request *http.Request
	// Status is the answer's HTTP status, 0 when the round trip failed.
	Status int
	// Duration runs from sending to the answer's headers.
	Duration time.Duration
	Err      error
}

// Observe returns a RoundTripper that sends through next and calls fn
// after each round trip (fn must be safe for concurrent use).
func Observe(next http.RoundTripper, fn func(Exchange)) http.RoundTripper {
	return RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		res, err := next.RoundTrip(r)
		e := Exchange{Request: r, Duration: time.Since(start), Err: err}
		if res != nil {
			e.Status = res.StatusCode
		}
		fn(e)
		return res, err
	})
}

// WithHeader returns a RoundTripper that sets h on a clone of every
// request (e.g. an Authorization token) before sending it through next.
func WithHeader(next http.RoundTripper, h http.Header) http.RoundTripper {
	return RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		for k, v := range h {
			r.Header[http.CanonicalHeaderKey(k)] = slices.Clone(v)
		}
		return next.RoundTrip(r)
	})
}

// Latencies keeps the durations of observed exchanges (pass its Observe
// method to Observe). It is safe for concurrent use.
type Latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

// Observe records one exchange's duration.
func (l *Latencies) Observe(e Exchange) {
	l.mu.Lock()
	l.d = append(l.d, e.Duration)
	l.mu.Unlock()
}

// Count is how many exchanges were observed.
func (l *Latencies) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

// Quantile returns the q-quantile (0..1, nearest rank) of the durations,
// or 0 when none was observed.
func (l *Latencies) Quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
