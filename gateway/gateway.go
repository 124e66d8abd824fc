package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mlsec/mlsec/gateway/logstore"
	"github.com/mlsec/mlsec/pii"
)

// Gateway is the inference gateway: an http.Handler that proxies each route
// to its model server and logs every exchange after redaction. Create it
// with New, start its background work with Start, stop it with Close.
type Gateway struct {
	cfg     *Config
	routes  []*route // longest path first
	byName  map[string]*route
	clients *clients
	store   *logstore.Store
	red     *redactor
	key     *pii.Key
	m       *metrics
	mreg    prometheus.Registerer
	gather  prometheus.Gatherer
	hooks   map[string][]Hook
	reg     Registry
	authz   Authorizer
	log     *slog.Logger
	now     func() time.Time
	mux     *http.ServeMux
	jobs    *jobs
	alerter *alerter
	// tick is how often partial windows are flushed and windows closed.
	tick time.Duration

	// logDown is set while the log store fails, so that in refuse mode
	// requests are turned away before they reach the model.
	logDown   atomic.Bool
	downSince atomic.Int64

	closeOnce sync.Once
	stop      chan struct{}
	wg        sync.WaitGroup
}

// Option configures New.
type Option func(*Gateway)

// WithRegistry posts evidence and audit events through r and resolves
// each route's model version with it.
func WithRegistry(r Registry) Option { return func(g *Gateway) { g.reg = r } }

// WithAuthorizer decides who may read logs through /_mlsec/logs (default:
// the registry, when one is configured; else nobody).
func WithAuthorizer(a Authorizer) Option { return func(g *Gateway) { g.authz = a } }

// WithMetrics registers the gateway's collectors with reg and serves gat on
// /metrics (default: a new registry of the gateway's own).
func WithMetrics(reg prometheus.Registerer, gat prometheus.Gatherer) Option {
	return func(g *Gateway) { g.m, g.gather = nil, gat; g.mreg = reg }
}

// WithLogger sets the operational log (default: discard). It receives
// route, client, status, latency and counts, never content.
func WithLogger(l *slog.Logger) Option { return func(g *Gateway) { g.log = l } }

// WithClock replaces time.Now (tests of retention and windows).
func WithClock(now func() time.Time) Option { return func(g *Gateway) { g.now = now } }

// WithTick sets how often this replica flushes its partial windows and
// the job queue checks for windows to close (default 2s). Tests that drive
// windows by hand (FlushWindows, CloseWindows) set it high.
func WithTick(d time.Duration) Option { return func(g *Gateway) { g.tick = d } }

// WithStore uses an open log store instead of opening cfg.Log.Database.
func WithStore(s *logstore.Store) Option { return func(g *Gateway) { g.store = s } }

// WithHooks attaches request and response hooks to the named route (the
// seam for guardrails; see Hook).
func WithHooks(routeName string, hooks ...Hook) Option {
	return func(g *Gateway) { g.hooks[routeName] = append(g.hooks[routeName], hooks...) }
}

// New builds a gateway from a validated configuration: it opens the log
// store, loads the PII key and drift references and prepares every route.
func New(ctx context.Context, cfg *Config, opts ...Option) (*Gateway, error) {
	g := &Gateway{cfg: cfg, byName: map[string]*route{}, log: slog.New(slog.DiscardHandler), now: time.Now,
		stop: make(chan struct{}), hooks: map[string][]Hook{}, tick: 2 * time.Second}
	for _, o := range opts {
		o(g)
	}
	if g.mreg == nil {
		r := prometheus.NewRegistry()
		g.mreg, g.gather = r, r
	}
	m, err := newMetrics(g.mreg)
	if err != nil {
		return nil, fmt.Errorf("%w: metrics: %w", ErrConfig, err)
	}
	g.m = m
	if g.key, err = loadKey(cfg.PII); err != nil {
		return nil, err
	}
	if g.red, err = newRedactor(cfg, g.key); err != nil {
		return nil, err
	}
	g.clients = newClients(cfg)
	for i := range cfg.Routes {
		// A route's guard: block runs before hooks given with WithHooks.
		if c := cfg.Routes[i].Guard; c != nil {
			h, err := newGuardHook(cfg.Routes[i].Name, *c, g.m, g.log)
			if err != nil {
				return nil, err
			}
			g.hooks[cfg.Routes[i].Name] = append([]Hook{h}, g.hooks[cfg.Routes[i].Name]...)
		}
		// Extraction runs first: a blocked client costs no guard work.
		if cfg.Routes[i].Extraction != nil {
			h, err := newExtractHook(g, cfg.Routes[i])
			if err != nil {
				return nil, err
			}
			g.hooks[cfg.Routes[i].Name] = append([]Hook{h}, g.hooks[cfg.Routes[i].Name]...)
		}
		rt, err := g.newRoute(ctx, &cfg.Routes[i])
		if err != nil {
			return nil, err
		}
		g.routes = append(g.routes, rt)
		g.byName[rt.cfg.Name] = rt
	}
	sort.SliceStable(g.routes, func(i, j int) bool { return len(g.routes[i].cfg.Path) > len(g.routes[j].cfg.Path) })
	if g.store == nil {
		g.store, err = logstore.Open(ctx, cfg.Log.Database, logstore.Options{Synchronous: cfg.Log.Synchronous,
			OnCommit: g.m.observeCommit, Journal: cfg.Log.JournalPath()})
		if err != nil {
			return nil, err
		}
		if r := g.store.Replayed(); r.Replayed > 0 || r.DroppedBytes > 0 {
			g.log.Warn("log journal replayed after an unclean stop", "replayed", r.Replayed,
				"already_committed", r.Skipped, "dropped_tail_bytes", r.DroppedBytes)
		}
	}
	if g.authz == nil && g.reg != nil {
		if a, ok := g.reg.(Authorizer); ok {
			g.authz = a
		}
	}
	g.alerter = newAlerter(cfg.Alerts)
	g.mux = http.NewServeMux()
	g.mux.Handle("GET /metrics", promhttp.HandlerFor(g.gather, promhttp.HandlerOpts{}))
	g.mux.HandleFunc("GET /_mlsec/healthz", g.healthz)
	g.mux.HandleFunc("GET /_mlsec/logs", g.serveLogs)
	g.mux.HandleFunc("GET /_mlsec/clients", g.serveClients)
	g.mux.HandleFunc("/", g.serveProxy)
	return g, nil
}

func loadKey(c PIIConfig) (*pii.Key, error) {
	switch {
	case c.KeyFile != "":
		k, err := pii.LoadKeyFile(c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: pii.key_file: %w", ErrConfig, err)
		}
		return k, nil
	case c.KeyEnv != "":
		k, err := pii.KeyFromEnv(c.KeyEnv)
		if err != nil {
			return nil, fmt.Errorf("%w: pii.key_env: %w", ErrConfig, err)
		}
		return k, nil
	}
	return nil, nil
}

func newRedactor(cfg *Config, key *pii.Key) (*redactor, error) {
	var aopts []pii.Option
	if cfg.PII.Threshold > 0 {
		aopts = append(aopts, pii.WithThreshold(cfg.PII.Threshold))
	}
	if len(cfg.PII.PhoneRegions) > 0 {
		aopts = append(aopts, pii.WithPhoneRegions(cfg.PII.PhoneRegions...))
	}
	a, err := pii.New(aopts...)
	if err != nil {
		return nil, fmt.Errorf("%w: pii: %w", ErrConfig, err)
	}
	var def pii.Operator
	ops := map[pii.Entity]pii.Operator{}
	for name, spec := range cfg.PII.Operators {
		op, err := pii.ParseOperator(spec, key, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: pii.operators[%s]: %w", ErrConfig, name, err)
		}
		if name == "*" {
			def = op
			continue
		}
		e, err := pii.ParseEntity(name)
		if err != nil {
			return nil, fmt.Errorf("%w: pii.operators: %w", ErrConfig, err)
		}
		ops[e] = op
	}
	r, err := pii.NewRedactor(a, def, ops)
	if err != nil {
		return nil, fmt.Errorf("%w: pii: %w", ErrConfig, err)
	}
	return &redactor{r: r, maxBody: int(cfg.Log.MaxBodyLog)}, nil
}

// Handler returns the gateway's HTTP handler: the routes, /metrics,
// /_mlsec/healthz, /_mlsec/logs and /_mlsec/clients.
func (g *Gateway) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.writeDeadline(w)
		g.mux.ServeHTTP(w, r)
	})
}

// Store returns the log store.
func (g *Gateway) Store() *logstore.Store { return g.store }

// Close stops background work, flushes open windows and closes the store.
func (g *Gateway) Close() error {
	var err error
	g.closeOnce.Do(func() {
		close(g.stop)
		g.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if g.jobs != nil {
			err = errors.Join(err, g.jobs.stop(ctx))
		}
		err = errors.Join(err, g.FlushWindows(ctx))
		err = errors.Join(err, g.store.Close())
	})
	return err
}

func (g *Gateway) healthz(w http.ResponseWriter, r *http.Request) {
	checks := map[string]string{"log_store": "ok"}
	code := http.StatusOK
	if err := g.store.Ping(r.Context()); err != nil {
		checks["log_store"], code = err.Error(), http.StatusServiceUnavailable
	}
	writeJSON(w, code, checks)
}

// match returns the route whose path prefix matches p (at a '/' boundary).
func (g *Gateway) match(p string) *route {
	for _, rt := range g.routes {
		pre := rt.cfg.Path
		if p == pre || (strings.HasPrefix(p, pre) && (strings.HasSuffix(pre, "/") || p[len(pre)] == '/')) {
			return rt
		}
	}
	return nil
}

// copyBuffers lends ReverseProxy the buffers it copies answers with:
// without a pool it allocates 32 KiB per request, which was half of the
// gateway's allocated bytes and so half of its garbage collections.
var copyBuffers httputil.BufferPool = &bufferPool{sync.Pool{New: func() any { return new([32 << 10]byte) }}}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte { return b.p.Get().(*[32 << 10]byte)[:] }

func (b *bufferPool) Put(p []byte) {
	if len(p) == 32<<10 {
		b.p.Put((*[32 << 10]byte)(p))
	}
}

func (g *Gateway) newRoute(ctx context.Context, c *Route) (*route, error) {
	up, err := url.Parse(c.Upstream)
	if err != nil {
		return nil, fmt.Errorf("%w: route %s: %w", ErrConfig, c.Name, err)
	}
	rt := &route{cfg: *c, up: up, allowed: map[string]bool{}, hooks: g.hooks[c.Name]}
	for _, n := range c.Clients {
		rt.allowed[n] = true
	}
	if c.Version != "" {
		rt.version, _ = strconv.Atoi(c.Version)
	}
	rt.digest = c.Digest
	if c.UpstreamTokenEnv != "" {
		rt.upstreamToken = os.Getenv(c.UpstreamTokenEnv)
		if rt.upstreamToken == "" {
			return nil, fmt.Errorf("%w: route %s: %s is empty", ErrConfig, c.Name, c.UpstreamTokenEnv)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = g.cfg.Limits.HeaderTimeout.D()
	tr.MaxIdleConnsPerHost = 256
	tr.DisableCompression = true
	rt.proxy = &httputil.ReverseProxy{
		Rewrite:        rt.rewrite,
		Transport:      tr,
		ModifyResponse: g.modifyResponse,
		ErrorHandler:   g.proxyError,
		// Event streams and answers of unknown length are flushed at once
		// (the standard library's rule); -1 flushes after every write.
		FlushInterval: -1,
		ErrorLog:      slog.NewLogLogger(g.log.Handler(), slog.LevelDebug),
		BufferPool:    copyBuffers,
	}
	if err := g.newWindow(ctx, rt); err != nil {
		return nil, err
	}
	g.m.modelInfo.WithLabelValues(c.Name, c.Model, c.Version, c.Digest).Set(1)
	return rt, nil
}
