package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlsec/mlsec/gateway/logstore"
	"github.com/mlsec/mlsec/guard"
)

// route is one configured route, ready to serve.
type route struct {
	cfg           Route
	up            *url.URL
	proxy         *httputil.ReverseProxy
	allowed       map[string]bool
	version       int
	digest        string
	upstreamToken string
	hooks         []Hook
	win           *windowAcc
}

// Exchange is one request/response pair as it passes through the gateway.
// Its bodies are clear text held in memory only; nothing in an Exchange is
// written anywhere before redaction. Hooks may read and replace Request
// (before it goes upstream).
type Exchange struct {
	Route    string
	Protocol string
	Model    string
	Client   string
	Start    time.Time
	Method   string
	// URL is the incoming request's URL (do not modify).
	URL *url.URL
	// Request is the request body.
	Request []byte
	// Response is the answer body (non-streamed answers) or the captured
	// beginning of a stream (Stream true, at most Limits.MaxResponseBytes).
	Response []byte
	Stream   bool
	Status   int

	errClass  string
	truncated bool
	// peer names an anonymous caller by a pseudonym of its address
	// (clients.peerOf), for the per-client extraction detectors; empty for
	// callers with a key.
	peer string
	// guard is the guard's view of this exchange (its canary, the
	// answer's JSON schema), set by the route's guard hook.
	guard  *guard.Exchange
	once   sync.Once
	logErr error
}

// caller is who the extraction detectors watch: the client's name, or
// for an anonymous request the pseudonym of its address.
func (ex *Exchange) caller() string {
	if ex.peer != "" {
		return ex.peer
	}
	return ex.Client
}

type exKey struct{}

// Errors the gateway answers with; each maps to a status in one place
// (errorStatus).
var (
	errUpstreamTooLarge = errors.New("the model's answer is larger than limits.max_response_bytes")
	errLogging          = errors.New("the gateway cannot log this exchange, so it is not served (log.on_failure: refuse)")
)

// serveProxy is the gateway's main path: route, authenticate, limit, read
// the body within its limit, run hooks, proxy.
func (g *Gateway) serveProxy(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	rt := g.match(r.URL.Path)
	if rt == nil {
		g.m.requests.WithLabelValues("unmatched", clientUnauthenticated, "404").Inc()
		writeError(w, http.StatusNotFound, "not_found", "no route serves this path: see the routes in the gateway configuration")
		return
	}
	cl := g.clients.lookup(r)
	if cl == nil {
		g.m.requests.WithLabelValues(rt.cfg.Name, clientUnauthenticated, "401").Inc()
		w.Header().Set("WWW-Authenticate", `Bearer realm="mlsec-gateway"`)
		writeError(w, http.StatusUnauthorized, "unauthenticated", "send your API key as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY'")
		return
	}
	if len(rt.allowed) > 0 && !rt.allowed[cl.name] {
		g.m.requests.WithLabelValues(rt.cfg.Name, cl.name, "403").Inc()
		writeError(w, http.StatusForbidden, "forbidden", "this client may not call route "+rt.cfg.Name)
		return
	}
	if !cl.allow() {
		g.m.requests.WithLabelValues(rt.cfg.Name, cl.name, "429").Inc()
		g.m.rateLimited.WithLabelValues(cl.name).Inc()
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests for this client: slow down")
		return
	}
	ex := &Exchange{Route: rt.cfg.Name, Protocol: rt.cfg.Protocol, Model: rt.cfg.Model, Client: cl.name,
		Start: start, Method: r.Method, URL: r.URL}
	if cl == g.clients.anonymous {
		ex.peer = g.clients.peerOf(r)
	}
	if g.cfg.Log.OnFailure == FailRefuse && g.logDown.Load() && !g.probeStore(r.Context()) {
		g.refuseUnlogged(w, rt, ex, true)
		return
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, int64(g.cfg.Limits.MaxRequestBytes)), r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			// Nothing of the body is logged: only that it was refused.
			ex.Status, ex.errClass = http.StatusRequestEntityTooLarge, "too_large"
			if g.finish(rt, ex) != nil && g.cfg.Log.OnFailure == FailRefuse {
				g.refuseUnlogged(w, rt, ex, false)
				return
			}
			writeError(w, http.StatusRequestEntityTooLarge, "too_large",
				"request body over limits.max_request_bytes ("+strconv.FormatInt(int64(g.cfg.Limits.MaxRequestBytes), 10)+" bytes)")
			return
		}
		ex.Status, ex.errClass = 499, "client_closed"
		_ = g.finish(rt, ex)
		return
	}
	ex.Request = body
	for _, h := range rt.hooks {
		if err := h.InspectRequest(r.Context(), ex); err != nil {
			var ref *Refusal
			if !errors.As(err, &ref) {
				ref = &Refusal{Status: http.StatusInternalServerError, Code: "hook_failed", Message: "a request hook failed"}
			}
			ex.Status, ex.errClass = ref.Status, "refused:"+ref.Code
			if g.finish(rt, ex) != nil && g.cfg.Log.OnFailure == FailRefuse {
				g.refuseUnlogged(w, rt, ex, false)
				return
			}
			if ref.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(ref.RetryAfter))
			}
			writeError(w, ref.Status, ref.Code, ref.Message)
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.Limits.Timeout.D())
	defer cancel()
	// The exchange's time starts now that the body is read.
	g.writeDeadline(w)
	rt.proxy.ServeHTTP(w, r.WithContext(context.WithValue(ctx, exKey{}, ex)))
}

// writeGrace is how long past limits.timeout the answer (a 504, the end
// of a stream) may take to write before a client that does not read is cut.
const writeGrace = time.Second

// writeDeadline bounds the writes of the answer to limits.timeout (plus
// writeGrace) from now. A client that stops reading (a stream it never
// consumes) must not hold an exchange, its goroutine and its upstream
// connection: cancelling the upstream does not unblock a write to the
// client, the deadline does. Every request sets its own (Handler), so the
// next request on a kept-alive connection never inherits an old one.
func (g *Gateway) writeDeadline(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(g.cfg.Limits.Timeout.D() + writeGrace))
}

// probeStore re-checks a store that failed, at most once a second.
func (g *Gateway) probeStore(ctx context.Context) bool {
	last := g.downSince.Load()
	if time.Since(time.Unix(0, last)) < time.Second {
		return false
	}
	g.downSince.Store(time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if g.store.Ping(ctx) == nil {
		g.logDown.Store(false)
		return true
	}
	return false
}

// refuseUnlogged answers 503 when an exchange cannot be logged; count is
// false when record already counted the request.
func (g *Gateway) refuseUnlogged(w http.ResponseWriter, rt *route, ex *Exchange, count bool) {
	if count {
		g.m.requests.WithLabelValues(rt.cfg.Name, ex.Client, "503").Inc()
	}
	w.Header().Set("Retry-After", "5")
	writeError(w, http.StatusServiceUnavailable, "logging_unavailable", errLogging.Error())
}

// rewrite builds the outgoing request. The incoming request is never
// changed: ReverseProxy hands us a copy (pr.Out) with its own headers.
// Hop-by-hop headers are already stripped by ReverseProxy (RFC 9110 7.6.1).
func (rt *route) rewrite(pr *httputil.ProxyRequest) {
	ex := pr.In.Context().Value(exKey{}).(*Exchange)
	out := pr.Out
	out.URL.Scheme, out.URL.Host = rt.up.Scheme, rt.up.Host
	rest := strings.TrimPrefix(pr.In.URL.Path, rt.cfg.Path)
	out.URL.Path = strings.TrimSuffix(rt.up.Path, "/") + rest
	if rest == "" {
		out.URL.Path = rt.up.Path
	}
	if out.URL.Path == "" {
		out.URL.Path = "/"
	}
	out.URL.RawPath = ""
	out.Host = rt.up.Host
	// The client's key is for the gateway only.
	out.Header.Del("Authorization")
	out.Header.Del("X-Api-Key")
	if rt.upstreamToken != "" {
		out.Header.Set("Authorization", "Bearer "+rt.upstreamToken)
	}
	// Ask for an uncompressed answer: the gateway must read it to log it.
	out.Header.Del("Accept-Encoding")
	out.Body = io.NopCloser(bytes.NewReader(ex.Request))
	out.ContentLength = int64(len(ex.Request))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(ex.Request)), nil }
	if len(ex.Request) == 0 {
		out.Body, out.GetBody = http.NoBody, nil
	}
	pr.SetXForwarded()
}

// modifyResponse captures the answer. A non-streamed answer is read whole
// (within its limit) and logged before any byte of it reaches the client,
// so an answered request always has its log record. A stream is passed
// through as it arrives and logged when it ends, before the client sees its
// end.
func (g *Gateway) modifyResponse(resp *http.Response) error {
	ex := resp.Request.Context().Value(exKey{}).(*Exchange)
	rt := g.byName[ex.Route]
	ex.Status = resp.StatusCode
	// Hooks need to know whether the answer is a stream before they wrap it.
	ex.Stream = isStream(resp)
	var body io.ReadCloser = resp.Body
	for _, h := range rt.hooks {
		body = h.WrapResponse(resp.Request.Context(), ex, body)
	}
	if ex.Stream {
		resp.Body = &streamBody{rc: body, g: g, rt: rt, ex: ex, limit: int(g.cfg.Limits.MaxResponseBytes)}
		return nil
	}
	b, err := readAll(io.LimitReader(body, int64(g.cfg.Limits.MaxResponseBytes)+1), resp.ContentLength)
	body.Close()
	if err != nil {
		return err
	}
	if len(b) > int(g.cfg.Limits.MaxResponseBytes) {
		return errUpstreamTooLarge
	}
	ex.Response = b
	if err := g.finish(rt, ex); err != nil && g.cfg.Log.OnFailure == FailRefuse {
		return errLogging
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	resp.Header.Del("Transfer-Encoding")
	return nil
}

// maxReadHint bounds the buffer readAll sizes from a declared length: a
// client that declares a large body and sends it slowly must not make the
// gateway hold that much memory before the bytes arrive.
const maxReadHint = 64 << 10

// readAll is io.ReadAll with its buffer sized from the declared length
// (Content-Length), so a body is read into one allocation instead of
// growing from 512 bytes through several copies. The reader r enforces
// the limit, whatever the declared length says.
func readAll(r io.Reader, declared int64) ([]byte, error) {
	if declared <= 0 || declared > maxReadHint {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, declared+1) // +1: the final read sees EOF without growing
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // longer than declared: grow as io.ReadAll does
		}
	}
}

func isStream(resp *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}

// proxyError answers for a failed upstream exchange with caddy's statuses:
// 499 when the client went away, 504 on a timeout, 502 otherwise; the body
// is the gateway's JSON error, and the failure is counted and logged.
func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	ex := r.Context().Value(exKey{}).(*Exchange)
	rt := g.byName[ex.Route]
	status, code, msg := errorStatus(r.Context(), err)
	if !errors.Is(err, errLogging) {
		g.m.upstreamErr.WithLabelValues(rt.cfg.Name, code).Inc()
		ex.Status, ex.errClass, ex.Response = status, code, nil
		if g.finish(rt, ex) != nil && g.cfg.Log.OnFailure == FailRefuse {
			status, code, msg = http.StatusServiceUnavailable, "logging_unavailable", errLogging.Error()
		}
	} else {
		status, code, msg = http.StatusServiceUnavailable, "logging_unavailable", errLogging.Error()
	}
	if status == 499 {
		return // nobody is listening
	}
	writeError(w, status, code, msg)
}

// errorStatus classifies an upstream failure. Messages are fixed texts:
// transport errors can quote the upstream URL, whose query may hold
// personal data, so they are never echoed.
func errorStatus(ctx context.Context, err error) (int, string, string) {
	var ne net.Error
	switch {
	case errors.Is(err, errUpstreamTooLarge):
		return http.StatusBadGateway, "upstream_too_large", err.Error()
	case errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled):
		return 499, "client_closed", "the client closed the request"
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()):
		return http.StatusGatewayTimeout, "upstream_timeout", "the model server did not answer in time (limits.timeout)"
	}
	return http.StatusBadGateway, "upstream_down", "the model server cannot be reached or broke the connection; try again later"
}

// streamBody passes a stream through and captures its beginning for the
// log. At the end of the stream it logs the exchange before it reports the
// end, so the client sees a finished stream only once it is logged; if the
// record cannot be stored in refuse mode it reports an error instead, and
// the client sees the stream cut.
type streamBody struct {
	rc    io.ReadCloser
	g     *Gateway
	rt    *route
	ex    *Exchange
	limit int
	done  bool
}

func (s *streamBody) Read(p []byte) (int, error) {
	n, err := s.rc.Read(p)
	if n > 0 {
		if room := s.limit - len(s.ex.Response); room > 0 {
			s.ex.Response = append(s.ex.Response, p[:min(n, room)]...)
		}
		if n > s.limit-len(s.ex.Response) {
			s.ex.truncated = true
		}
	}
	if err != nil && !s.done {
		s.done = true
		if !errors.Is(err, io.EOF) {
			s.ex.errClass = "stream_broken"
		}
		if lerr := s.g.finish(s.rt, s.ex); lerr != nil && s.g.cfg.Log.OnFailure == FailRefuse {
			return n, errLogging
		}
	}
	return n, err
}

func (s *streamBody) Close() error {
	if !s.done {
		// The client left before the end of the stream.
		s.done = true
		s.ex.Status, s.ex.errClass = 499, "client_closed"
		_ = s.g.finish(s.rt, s.ex)
	}
	return s.rc.Close()
}

// finish redacts the exchange, counts it and stores its record (once).
func (g *Gateway) finish(rt *route, ex *Exchange) error {
	ex.once.Do(func() { ex.logErr = g.record(rt, ex) })
	return ex.logErr
}

func (g *Gateway) record(rt *route, ex *Exchange) error {
	now := g.now()
	lat := now.Sub(ex.Start)
	counts := map[string]int{}
	rec := &logstore.Record{Time: ex.Start, Expires: ex.Start.Add(rt.cfg.Retention.D()), Route: rt.cfg.Name,
		Model: rt.cfg.Model, Version: rt.version, Digest: rt.digest, Client: ex.Client, Replica: g.cfg.Replica,
		Method: ex.Method, Status: ex.Status, Latency: lat, Error: ex.errClass, Truncated: ex.truncated}
	var err error
	if rec.Path, err = g.red.path(ex.URL, counts); err == nil {
		var rq, rs redacted
		if ex.errClass == "too_large" {
			rq = redacted{format: formatNone}
		} else {
			rq, err = g.red.body(ex.Request, counts)
		}
		if err == nil {
			if ex.Stream {
				rs, err = g.red.sse(ex.Response, counts)
			} else {
				rs, err = g.red.body(ex.Response, counts)
			}
		}
		rec.Request, rec.RequestFormat, rec.Response, rec.ResponseFormat = rq.text, rq.format, rs.text, rs.format
		rec.Truncated = rec.Truncated || rq.trunc || rs.trunc
	}
	for e, n := range counts {
		g.m.pii.WithLabelValues(rt.cfg.Name, e).Add(float64(n))
	}
	if len(counts) > 0 {
		rec.PII = counts
	}
	g.m.latency.WithLabelValues(rt.cfg.Name).Observe(lat.Seconds())
	g.m.requests.WithLabelValues(rt.cfg.Name, ex.Client, codeLabel(ex.Status)).Inc()
	g.observe(rt, ex, counts)
	if err != nil {
		// A body that could not be redacted is not logged at all.
		g.m.logFailures.WithLabelValues("redaction").Inc()
		g.m.unlogged.WithLabelValues(rt.cfg.Name).Inc()
		return err
	}
	t0 := time.Now()
	err = g.store.Append(context.Background(), rec)
	g.m.logAppend.Observe(time.Since(t0).Seconds())
	if err != nil {
		g.m.logFailures.WithLabelValues(failReason(err)).Inc()
		g.m.unlogged.WithLabelValues(rt.cfg.Name).Inc()
		if !g.logDown.Swap(true) {
			g.downSince.Store(time.Now().UnixNano())
			g.log.Error("log store failing", "route", rt.cfg.Name, "err", err, "on_failure", g.cfg.Log.OnFailure)
		}
		return err
	}
	if g.logDown.Swap(false) {
		g.log.Info("log store back")
	}
	// Checked first: the arguments would be boxed (allocated) on every
	// request even with debug logging off.
	if g.log.Enabled(context.Background(), slog.LevelDebug) {
		g.log.Debug("exchange", "route", rt.cfg.Name, "client", ex.Client, "status", ex.Status,
			"latency_ms", float64(lat.Microseconds())/1000, "pii", len(counts), "error", ex.errClass)
	}
	return nil
}

// failReason is the bounded label of a store failure.
func failReason(err error) string {
	msg := err.Error()
	for _, k := range []string{"disk full", "database down", "database busy", "not writable", "closed"} {
		if strings.Contains(msg, k) {
			return strings.ReplaceAll(k, " ", "_")
		}
	}
	return "other"
}

// errorBody is the gateway's error shape, the registry's: {"error":
// {"code", "message"}}.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var b errorBody
	b.Error.Code, b.Error.Message = code, msg
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
