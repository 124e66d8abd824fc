package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/store"
)

type env struct {
	url    string
	svc    *registry.Service
	tokens map[registry.Role]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := blob.Open(t.Context(), filepath.Join(t.TempDir(), "blobs"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	svc := registry.NewService(db)
	srv := httptest.NewServer(New(Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	e := &env{url: srv.URL, svc: svc, tokens: map[registry.Role]string{}}
	secret, ok, err := svc.Bootstrap(t.Context())
	if err != nil || !ok {
		t.Fatal(err)
	}
	e.tokens[registry.RoleAdmin] = secret
	admin, _ := svc.Authenticate(t.Context(), secret)
	for _, r := range []registry.Role{registry.RoleMaintainer, registry.RoleReviewer, registry.RoleAuditor} {
		_, sec, err := svc.CreateToken(t.Context(), admin, registry.Token{Name: string(r), Role: r})
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = sec
	}
	return e
}

type resp struct {
	code int
	hdr  http.Header
	body []byte
}

func (e *env) do(t *testing.T, token, method, path string, body any, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, e.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

// errCode returns the error code of a JSON error body, failing the test
// if the body is not one.
func errCode(t *testing.T, r resp) string {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(r.body, &b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("status %d: body %q is not {\"error\": {\"code\", \"message\"}}", r.code, r.body)
	}
	return b.Error.Code
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

var wildcard = regexp.MustCompile(`\{([a-z]+)(\.\.\.)?\}`)

func TestOpenAPIInSync(t *testing.T) {
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	var documented, registered []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	for _, rt := range routes {
		registered = append(registered, rt.method+" "+wildcard.ReplaceAllString(rt.path, "{$1}"))
	}
	sort.Strings(documented)
	sort.Strings(registered)
	if strings.Join(documented, "\n") != strings.Join(registered, "\n") {
		t.Fatalf("routes and openapi.json differ:\nregistered:\n%s\n\ndocumented:\n%s", strings.Join(registered, "\n"), strings.Join(documented, "\n"))
	}
	e := newEnv(t)
	if r := e.do(t, "", "GET", "/api/v1/openapi.json", nil); r.code != 200 || !bytes.Equal(r.body, openAPIDoc) {
		t.Fatalf("served doc: %d", r.code)
	}
}

// TestMetricsRegistererAndGatherer: a program's own registry given as both
// interfaces receives the server's metrics and serves them at /metrics.
func TestMetricsRegistererAndGatherer(t *testing.T) {
	reg := prometheus.NewRegistry()
	srv := New(Config{Service: newEnv(t).svc, Registerer: reg, Gatherer: reg, Logger: slog.New(slog.DiscardHandler)})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		found = found || mf.GetName() == "mlsec_http_requests_total"
	}
	if !found {
		t.Fatal("the server's metrics are not in the given registry")
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `mlsec_http_requests_total{code="200",method="GET",route="/healthz"} 1`) {
		t.Fatalf("/metrics does not serve the given gatherer:\n%s", rec.Body.String())
	}
}
