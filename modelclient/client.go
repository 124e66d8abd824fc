package modelclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Protocol names a serving API.
type Protocol string

// Protocols.
const (
	KServeV2  Protocol = "kserve-v2"
	MLflow    Protocol = "mlflow"
	TFServing Protocol = "tfserving"
	JSON      Protocol = "json"
)

// Protocols lists every protocol, for flags and messages.
var Protocols = []Protocol{KServeV2, MLflow, TFServing, JSON}

// Defaults.
const (
	DefaultBatchSize        = 64
	DefaultConcurrency      = 4
	DefaultTimeout          = 10 * time.Second
	DefaultRetries          = 2
	DefaultMaxResponseBytes = 64 << 20
)

// Config describes the served model and how to call it. Zero values take
// the defaults above.
type Config struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:8080 (a path
	// prefix is kept).
	Endpoint string
	Protocol Protocol
	// Model and Version name the model (kserve-v2 and tfserving).
	Model, Version string
	// Columns are the input column names, in row order (mlflow
	// dataframe_split and the json template's "$records" and "$columns").
	Columns []string
	// InputName and Datatype describe the kserve-v2 input tensor
	// (default "input-0", FP64; FP32 rounds values to float32).
	InputName, Datatype string
	// LabelOutput and ScoresOutput name the outputs that hold the answer
	// and the per-class scores: kserve-v2 output tensors (then requested
	// by name), or fields of object answers (mlflow, tfserving).
	LabelOutput, ScoresOutput string
	// Format is mlflow's dataframe_split (default) or inputs, or
	// tfserving's instances (default) or inputs.
	Format string
	// Signature is tfserving's signature_name (default: the server's).
	Signature string
	// Template describes a json-protocol API.
	Template *Template

	// BatchSize is the most rows per request; Concurrency the most
	// requests in flight; Timeout bounds each attempt; Retries is how many
	// times a failed attempt is repeated (-1 = never).
	BatchSize, Concurrency int
	Timeout                time.Duration
	Retries                int
	// Budget caps the queries (rows sent, retries included) over the
	// client's life; 0 means no cap.
	Budget int64
	// MaxResponseBytes caps an answer's size.
	MaxResponseBytes int64
	// Transport sends the requests (default: a clone of
	// http.DefaultTransport keeping Concurrency connections per host).
	// Wrap it with Observe or WithHeader to instrument or authenticate.
	Transport http.RoundTripper
}

// Stats counts a client's traffic.
type Stats struct {
	// Requests is every HTTP attempt, retries included.
	Requests int64 `json:"requests"`
	// Queries is every row sent, retries included: the model evaluations
	// the server was asked for.
	Queries int64 `json:"queries"`
	// Retries is the attempts that repeated a failed one.
	Retries int64 `json:"retries"`
	// Failures is the attempts that failed (errors and non-2xx answers).
	Failures int64 `json:"failures"`
}

// Client calls one served model. It is safe for concurrent use; the
// Concurrency limit and the Budget are shared by every caller.
type Client struct {
	// HTTP sends the requests; New builds it from Config.Transport.
	HTTP  *http.Client
	cfg   Config
	base  *url.URL
	codec Codec
	sem   chan struct{}

	requests, queries, retries, failures atomic.Int64
	// reserved counts queries reserved against the budget.
	reserved atomic.Int64
	// sleep waits between retries (replaced in tests).
	sleep func(context.Context, time.Duration) error
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q: want http(s)://host[:port][/prefix]", cfg.Endpoint)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.Retries < 0:
		cfg.Retries = 0
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.Budget < 0 {
		return nil, fmt.Errorf("query budget %d: want 0 (none) or more", cfg.Budget)
	}
	var codec Codec
	switch cfg.Protocol {
	case KServeV2:
		codec, err = newKServe(&cfg)
	case MLflow:
		codec, err = newMLflow(&cfg)
	case TFServing:
		codec, err = newTFServing(&cfg)
	case JSON:
		codec, err = newTemplated(&cfg)
	default:
		err = fmt.Errorf("protocol %q: want one of %v", cfg.Protocol, Protocols)
	}
	if err != nil {
		return nil, err
	}
	rt := cfg.Transport
	if rt == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Concurrency
		rt = tr
	}
	return &Client{
		HTTP: &http.Client{Transport: rt}, cfg: cfg, base: u, codec: codec,
		sem: make(chan struct{}, cfg.Concurrency), sleep: sleepCtx,
	}, nil
}

// Config returns the client's configuration with defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Stats returns the traffic so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Queries: c.queries.Load(), Retries: c.retries.Load(), Failures: c.failures.Load()}
}

// Remaining returns the queries left in the budget, or -1 without one.
func (c *Client) Remaining() int64 {
	if c.cfg.Budget == 0 {
		return -1
	}
	return max(c.cfg.Budget-c.reserved.Load(), 0)
}

// Predict asks the model for one answer per row, in batches of BatchSize
// sent Concurrency at a time. It returns every answer or an error (the
// first failure cancels the batches still to go).
func (c *Client) Predict(ctx context.Context, rows [][]float64) ([]Prediction, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	bs := c.cfg.BatchSize
	if len(rows) <= bs {
		return c.predictBatch(ctx, rows)
	}
	out := make([]Prediction, len(rows))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for start := 0; start < len(rows); start += bs {
		end := min(start+bs, len(rows))
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps, err := c.predictBatch(ctx, rows[start:end])
			if err != nil {
				once.Do(func() { first = err; cancel() })
				return
			}
			copy(out[start:end], ps)
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}

func (c *Client) predictBatch(ctx context.Context, rows [][]float64) ([]Prediction, error) {
	body, err := c.codec.Encode(rows)
	if err != nil {
		return nil, fmt.Errorf("encoding the request: %w", err)
	}
	resp, err := c.Send(ctx, c.codec.Path(), body, len(rows))
	if err != nil {
		return nil, err
	}
	ps, err := c.codec.Decode(resp, len(rows))
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Op == "" {
			e.Op = c.op(c.codec.Path())
		}
		return nil, err
	}
	return ps, nil
}

func (c *Client) op(path string) string { return "POST " + c.base.String() + path }

// Send posts a JSON body to path (appended to the endpoint) and returns the
// answer's body. queries is how many model evaluations the request asks
// for; each attempt counts them and reserves them against the budget.
// Send waits for a Concurrency slot per attempt, applies Timeout per
// attempt and retries as the package doc says.
func (c *Client) Send(ctx context.Context, path string, body []byte, queries int) ([]byte, error) {
	op := c.op(path)
	var last *Error
	for attempt := 0; attempt <= c.cfg.Retries; attempt++ {
		if attempt > 0 {
			c.retries.Add(1)
			if err := c.sleep(ctx, backoff(attempt, last)); err != nil {
				return nil, &Error{Kind: ErrCanceled, Op: op, Attempts: attempt, Err: err}
			}
		}
		if err := c.reserve(int64(queries)); err != nil {
			return nil, &Error{Kind: ErrBudget, Op: op, Attempts: attempt,
				Detail: fmt.Sprintf("%d of %d queries used, this request needs %d", c.reserved.Load(), c.cfg.Budget, queries)}
		}
		resp, err := c.attempt(ctx, op, path, body, queries)
		if err == nil {
			return resp, nil
		}
		err.Attempts = attempt + 1
		last = err
		c.failures.Add(1)
		if !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil && last.Kind != ErrCanceled {
		last = &Error{Kind: ErrCanceled, Op: op, Attempts: last.Attempts, Err: ctx.Err()}
	}
	return nil, last
}

// reserve takes n queries from the budget, or fails without taking any.
func (c *Client) reserve(n int64) error {
	for {
		cur := c.reserved.Load()
		if c.cfg.Budget > 0 && cur+n > c.cfg.Budget {
			return ErrBudget
		}
		if c.reserved.CompareAndSwap(cur, cur+n) {
			return nil
		}
	}
}

// attempt sends one request within a Concurrency slot and Timeout.
func (c *Client) attempt(ctx context.Context, op, path string, body []byte, queries int) ([]byte, *Error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &Error{Kind: ErrCanceled, Op: op, Err: ctx.Err()}
	}
	defer func() { <-c.sem }()
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = ""
	req, err := http.NewRequestWithContext(actx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Kind: ErrRejected, Op: op, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "mlsec-modelclient")
	c.requests.Add(1)
	c.queries.Add(int64(queries))
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, c.transportErr(ctx, actx, op, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, c.transportErr(ctx, actx, op, err)
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return nil, &Error{Kind: ErrMalformed, Op: op, Status: res.StatusCode, Detail: fmt.Sprintf("answer larger than %d bytes", c.cfg.MaxResponseBytes)}
	}
	switch {
	case res.StatusCode >= 200 && res.StatusCode <= 299:
		return data, nil
	case res.StatusCode >= 500:
		return nil, &Error{Kind: ErrServer, Op: op, Status: res.StatusCode, Detail: excerpt(data), retryAfter: retryAfter(res)}
	default:
		return nil, &Error{Kind: ErrRejected, Op: op, Status: res.StatusCode, Detail: excerpt(data), retryAfter: retryAfter(res)}
	}
}

// transportErr classifies a failed round trip: the caller's context ended
// (ErrCanceled), our per-attempt timeout fired or the network timed out
// (ErrTimeout), or the connection failed (ErrUnavailable).
func (c *Client) transportErr(parent, attempt context.Context, op string, err error) *Error {
	var ne net.Error
	switch {
	case parent.Err() != nil:
		return &Error{Kind: ErrCanceled, Op: op, Err: parent.Err()}
	case attempt.Err() != nil || (errors.As(err, &ne) && ne.Timeout()):
		return &Error{Kind: ErrTimeout, Op: op, Detail: fmt.Sprintf("no answer within %s", c.cfg.Timeout), Err: err}
	default:
		return &Error{Kind: ErrUnavailable, Op: op, Err: err}
	}
}

// retryable: network failures, timeouts, 429 and 502/503/504.
func retryable(e *Error) bool {
	switch e.Kind {
	case ErrUnavailable, ErrTimeout:
		return true
	case ErrServer:
		return e.Status == 502 || e.Status == 503 || e.Status == 504
	case ErrRejected:
		return e.Status == http.StatusTooManyRequests
	}
	return false
}

// backoff is 100 ms doubling per attempt, or the server's Retry-After up
// to 5 s.
func backoff(attempt int, last *Error) time.Duration {
	if last != nil && last.retryAfter > 0 {
		return min(last.retryAfter, 5*time.Second)
	}
	return 100 * time.Millisecond << (attempt - 1)
}

func retryAfter(res *http.Response) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(res.Header.Get("Retry-After")))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
