// Package server is the HTTP face of the registry: the REST API under
// /api/v1 (described by the embedded OpenAPI 3 document at
// /api/v1/openapi.json), health and readiness probes, and Prometheus
// metrics. It uses only net/http (Go 1.22 method and wildcard patterns).
//
// Every route is declared once in the routes table with the least
// permission it needs; the table drives the mux, the authorization
// middleware and the OpenAPI sync test. The service layer re-checks
// permissions against the token's team or model scope.
package server

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/server/session"
)

// Config configures a Server.
type Config struct {
	Service *registry.Service
	Blobs   *blob.Store
	Logger  *slog.Logger
	// Keys verify evidence attestations pushed to the registry.
	Keys []evidence.TrustedKey
	// Registerer receives the server's metrics and Gatherer serves
	// /metrics; with both nil the server uses a registry of its own. Give
	// both (usually the same *prometheus.Registry) to add the server's
	// metrics to a program's own.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// BodyWindow and MinBodyRate (bytes/s) bound how slowly a request
	// body may arrive (body.go); zero values take DefaultBodyWindow and
	// DefaultMinBodyRate, a negative MinBodyRate turns the limit off.
	BodyWindow  time.Duration
	MinBodyRate int64
	// AnalysisWait bounds how long a decision request on a version whose
	// analysis is pending waits for it before it is refused with 409
	// analysis_pending (zero: DefaultAnalysisWait; negative: no wait).
	AnalysisWait time.Duration
	// MetricsToken, if set, is a bearer secret that /metrics requires
	// (Prometheus: authorization.credentials_file). MetricsRole, if set,
	// lets an API token whose role has PermAudit (admin, auditor) read
	// /metrics too. With neither, /metrics is open, for scraping on a
	// private network.
	MetricsToken string
	MetricsRole  bool
	// Pages and Sessions, both set, serve the web UI at / (package ui
	// and package session); without them the server is the API alone.
	Pages    Pages
	Sessions Sessions
	// SSO, if set, serves the CLI's single sign-on exchange (give the
	// same provider to the UI for the web sign-in).
	SSO SSO
}

// DefaultAnalysisWait is Config.AnalysisWait's default: long enough for
// the scan of a typical model pushed just before, short enough for a
// client's patience.
const DefaultAnalysisWait = 30 * time.Second

// Server is the registry's HTTP handler.
type Server struct {
	svc     *registry.Service
	blobs   *blob.Store
	log     *slog.Logger
	keys    []evidence.TrustedKey
	mux     *http.ServeMux
	reg     prometheus.Registerer
	gather  prometheus.Gatherer
	reqs    *prometheus.CounterVec
	latency *prometheus.HistogramVec
	window  time.Duration // body rate window (body.go)
	minRate int64
	// analysisWait: Config.AnalysisWait resolved.
	analysisWait time.Duration
	metricsToken string
	metricsRole  bool
	pages        Pages
	sessions     Sessions
	sso          SSO
	cop          *http.CrossOriginProtection
}

// route is one API operation.
type route struct {
	method, path string
	// perm is checked before the handler runs; public routes need no token.
	perm   registry.Permission
	public bool
	// page routes belong to the web UI (pages.go): session cookie
	// instead of bearer token, CSRF checks, HTML errors.
	page  bool
	scope scopeRule
	h     func(*Server, http.ResponseWriter, *http.Request, registry.Actor)
}

// scopeRule is how a route's target relates to a token's team or model
// scope (docs/registry.md "Scopes"). The service enforces each rule;
// scopeWhole is also refused here, before the handler, and
// TestAuthorizationMatrix checks every route against its rule for every
// role and scope.
type scopeRule int

const (
	scopeUnset   scopeRule = iota // a route must say (the matrix test fails otherwise)
	scopeNone                     // public: no token
	scopeModel                    // the {model}, the {id} request's model or the model created: inside the scope, else 403
	scopeDataset                  // the {name} dataset or the dataset created: its team inside the scope, else 403
	scopeOwned                    // the {id} token or webhook, or the one created: its scope inside the token's, else 403
	scopeWhole                    // covers the whole registry (the Merkle log's entries and proofs): scoped tokens get 403
	scopeBlob                     // a blob: held by the caller (uploaded, or in a version in scope), else 404 as if absent
	scopeList                     // a list across models: filtered to the scope
	scopeAny                      // not scoped: the signed audit checkpoint and key, uploading bytes (proof of possession)
	scopeTeam                     // the {team}, or the {model}'s team (profile settings): a token covering that whole team (no model scope), else 403
)

// New returns a Server.
func New(c Config) *Server {
	s := &Server{svc: c.Service, blobs: c.Blobs, log: c.Logger, keys: c.Keys, mux: http.NewServeMux(),
		reg: c.Registerer, gather: c.Gatherer}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.reg == nil && s.gather == nil {
		r := prometheus.NewRegistry()
		s.reg, s.gather = r, r
	}
	if s.reg == nil || s.gather == nil {
		panic("server.Config: give both Registerer and Gatherer, or neither")
	}
	s.window, s.minRate = cmp.Or(c.BodyWindow, DefaultBodyWindow), cmp.Or(c.MinBodyRate, DefaultMinBodyRate)
	s.analysisWait = cmp.Or(c.AnalysisWait, DefaultAnalysisWait)
	s.metricsToken, s.metricsRole = c.MetricsToken, c.MetricsRole
	s.sso = c.SSO
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mlsec_http_requests_total",
		Help: "HTTP requests by route pattern, method and status code (499: the client closed the request; 408: its body came too slowly)."},
		[]string{"route", "method", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mlsec_http_request_duration_seconds",
		Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"})
	s.reg.MustRegister(s.reqs, s.latency)
	if c.Pages != nil && c.Sessions != nil {
		s.pages, s.sessions, s.cop = c.Pages, c.Sessions, http.NewCrossOriginProtection()
	}
	for _, rt := range routes {
		if rt.page && s.pages == nil {
			continue
		}
		h := s.wrap(rt)
		if rt.page {
			h = session.Headers(h)
		}
		s.mux.Handle(rt.method+" "+rt.path, h)
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errNoRoute)
	})
	return s
}

var errNoRoute = registry.ErrNotFound

// ServeHTTP implements http.Handler: it assigns a request id, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 64 {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	w.Header().Set("X-Request-Id", id)
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ridKey{}, id)))
}

type ridKey struct{}

func requestID(ctx context.Context) string { s, _ := ctx.Value(ridKey{}).(string); return s }

// statusWriter records the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap adds authentication, the route's permission check, logging and
// metrics to a handler.
func (s *Server) wrap(rt route) http.Handler {
	pattern := rt.method + " " + rt.path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		var actor registry.Actor
		s.limitBody(w, r)
		func() {
			switch {
			case rt.page:
				var ok bool
				if actor, ok = s.authorizePage(sw, r, rt); !ok {
					return
				}
			case !rt.public:
				var err error
				if actor, err = s.authenticate(r); err != nil {
					s.fail(sw, r, err)
					return
				}
				if err := s.authorize(actor, rt); err != nil {
					s.fail(sw, r, err)
					return
				}
			}
			rt.h(s, sw, r, actor)
		}()
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		d := time.Since(start)
		s.reqs.WithLabelValues(rt.path, r.Method, strconv.Itoa(sw.code)).Inc()
		s.latency.WithLabelValues(rt.path).Observe(d.Seconds())
		level := slog.LevelInfo
		switch {
		case sw.code >= 500:
			level = slog.LevelError
		case sw.code == statusClientClosed || sw.code == http.StatusRequestTimeout:
			level = slog.LevelWarn
		}
		s.log.Log(r.Context(), level, "request", "request_id", requestID(r.Context()), "route", pattern,
			"method", r.Method, "path", r.URL.Path, "status", sw.code, "bytes", sw.bytes,
			"duration_ms", float64(d.Microseconds())/1000, "actor", actor.Name)
	})
}

func forbidden(a registry.Actor) error {
	return &roleError{role: a.Role}
}

type roleError struct{ role registry.Role }

func (e *roleError) Error() string { return "forbidden: role " + string(e.role) + " may not do this" }
func (e *roleError) Unwrap() error { return registry.ErrForbidden }

func (s *Server) authenticate(r *http.Request) (registry.Actor, error) {
	secret := bearer(r)
	if secret == "" {
		return registry.Actor{}, &authError{"missing bearer token"}
	}
	return s.svc.Authenticate(r.Context(), secret)
}

// bearer returns the request's bearer secret, or "".
func bearer(r *http.Request) string {
	secret, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(secret)
}

// metricsAllowed applies Config.MetricsToken and MetricsRole to a
// /metrics request: nil when it may read them.
func (s *Server) metricsAllowed(r *http.Request) error {
	if s.metricsToken == "" && !s.metricsRole {
		return nil
	}
	secret := bearer(r)
	if secret == "" {
		return &authError{"/metrics requires the metrics token (or an admin or auditor API token if the server allows them)"}
	}
	if s.metricsToken != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(s.metricsToken)) == 1 {
		return nil
	}
	if !s.metricsRole {
		return &authError{"not the metrics token"}
	}
	a, err := s.svc.Authenticate(r.Context(), secret)
	if err != nil {
		return err
	}
	if !a.Can(registry.PermAudit) {
		return forbidden(a)
	}
	return nil
}

type authError struct{ msg string }

func (e *authError) Error() string { return "unauthenticated: " + e.msg }
func (e *authError) Unwrap() error { return registry.ErrUnauthenticated }

func (s *Server) metrics() http.Handler {
	return promhttp.HandlerFor(s.gather, promhttp.HandlerOpts{})
}
