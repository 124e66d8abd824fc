package gateway_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mlsec/mlsec/drift"
	"github.com/mlsec/mlsec/gateway"
	"github.com/mlsec/mlsec/gateway/logstore"
	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/internal/syncbuf"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/server"
	"github.com/mlsec/mlsec/registry/store"
)

// testKey is a client API key; its hash is in every test config.
const testKey = "mlsgw_test_key_0123456789abcdef0123456789abcdef"

// syncBuffer is a buffer safe for the gateway's goroutines.
type syncBuffer = syncbuf.Buffer

// env is a gateway under test with everything it wrote kept for
// inspection.
type env struct {
	t       testing.TB
	g       *gateway.Gateway
	srv     *httptest.Server
	dir     string
	logs    *syncBuffer
	metrics *prometheus.Registry
	cfg     *gateway.Config
}

type envOpts struct {
	dsn   string // default: SQLite in dir
	store *logstore.Store
	clock func() time.Time
	reg   gateway.Registry
	authz gateway.Authorizer
	hooks map[string][]gateway.Hook
	// noStart skips Start (no job queue): for tests that drive windows
	// and sweeps by hand without a registry.
	noStart bool
	// tick is the flush and window-check period (default 1h: tests close
	// windows by hand).
	tick time.Duration
	// infoLog logs at info, as `mlsec gateway` does by default (tests log
	// at debug, so that the privacy tests also grep the debug lines).
	infoLog bool
}

// yamlConfig fills {{key_sha}} and {{dir}} in a config and parses it.
func parseConfig(t testing.TB, dir, y string) *gateway.Config {
	t.Helper()
	y = strings.ReplaceAll(y, "{{key_sha}}", gateway.HashKey(testKey))
	y = strings.ReplaceAll(y, "{{dir}}", dir)
	c, err := gateway.ParseConfig(strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newEnv(t *testing.T, y string, o envOpts) *env { return newEnvTB(t, y, o) }

// newBenchEnv is newEnv for benchmarks (SQLite, no job queue, info-level
// logging as in production: the debug line per exchange cost a sixth of
// the gateway's own CPU per request in BenchmarkGateway).
func newBenchEnv(b *testing.B, y string) *env {
	return newEnvTB(b, y, envOpts{noStart: true, infoLog: true})
}

func newEnvTB(t testing.TB, y string, o envOpts) *env {
	t.Helper()
	dir := t.TempDir()
	if o.dsn == "" {
		o.dsn = filepath.Join(dir, "gateway.db")
	}
	y = strings.ReplaceAll(y, "{{dsn}}", o.dsn)
	cfg := parseConfig(t, dir, y)
	logs := &syncBuffer{}
	reg := prometheus.NewRegistry()
	level := slog.LevelDebug
	if o.infoLog {
		level = slog.LevelInfo
	}
	opts := []gateway.Option{
		gateway.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))),
		gateway.WithMetrics(reg, reg),
	}
	if o.tick == 0 {
		o.tick = time.Hour
	}
	opts = append(opts, gateway.WithTick(o.tick))
	if o.store != nil {
		opts = append(opts, gateway.WithStore(o.store))
	}
	if o.clock != nil {
		opts = append(opts, gateway.WithClock(o.clock))
	}
	if o.reg != nil {
		opts = append(opts, gateway.WithRegistry(o.reg))
	}
	if o.authz != nil {
		opts = append(opts, gateway.WithAuthorizer(o.authz))
	}
	for r, hs := range o.hooks {
		opts = append(opts, gateway.WithHooks(r, hs...))
	}
	g, err := gateway.New(t.Context(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if !o.noStart {
		if err := g.Start(t.Context()); err != nil {
			g.Close()
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(g.Handler())
	e := &env{t: t, g: g, srv: srv, dir: dir, logs: logs, metrics: reg, cfg: cfg}
	t.Cleanup(func() {
		srv.Close()
		g.Close()
	})
	return e
}

// do sends a request with the test key and returns status and body.
func (e *env) do(method, path, body string, hdr ...string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// records lists every unexpired record of model.
func (e *env) records(model string) []logstore.Record {
	e.t.Helper()
	recs, _, err := e.g.Store().List(context.Background(), logstore.Query{Model: model, Limit: 1000}, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// exposition returns the /metrics text.
func (e *env) exposition() string {
	e.t.Helper()
	res, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// dsns returns SQLite and (with MLSEC_TEST_POSTGRES_URL) PostgreSQL
// database makers.
func dsns(t *testing.T) map[string]func(t testing.TB) string {
	return pgtest.DSNs(t)
}

// irisProfile writes a reference profile of four numeric features and a
// categorical prediction, drawn from fixed normal distributions.
func irisProfile(t *testing.T, dir string, n int) string {
	t.Helper()
	p := drift.NewProfile("train.csv", []drift.ColumnSpec{
		{Name: "sepal_length", Kind: drift.KindNumber}, {Name: "sepal_width", Kind: drift.KindNumber},
		{Name: "petal_length", Kind: drift.KindNumber}, {Name: "petal_width", Kind: drift.KindNumber},
		{Name: "species", Kind: drift.KindString},
	})
	r := rand.New(rand.NewPCG(1, 2))
	for range n {
		row := irisRow(r, 0)
		vals := make([]drift.Value, 5)
		for i := range 4 {
			vals[i] = drift.Value{Num: row[i], IsNum: true}
		}
		vals[4] = drift.Value{Str: species(row)}
		if err := p.Update(vals); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "iris-profile.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := drift.WriteProfile(f, p); err != nil {
		t.Fatal(err)
	}
	return path
}

// irisRow draws one row; shift moves every feature's mean.
func irisRow(r *rand.Rand, shift float64) [4]float64 {
	return [4]float64{5.8 + shift + r.NormFloat64()*0.8, 3.0 + shift + r.NormFloat64()*0.4,
		3.7 + shift + r.NormFloat64()*1.7, 1.2 + shift + r.NormFloat64()*0.7}
}

func species(row [4]float64) string {
	switch {
	case row[2] < 2.5:
		return "0"
	case row[2] < 4.9:
		return "1"
	}
	return "2"
}

// testRegistry is a real registry (SQLite, blob folder, the HTTP API) on
// loopback with model iris version 1 registered by reference.
type testRegistry struct {
	url    string
	svc    *registry.Service
	tokens map[string]string
	digest string
}

func newRegistry(t *testing.T) *testRegistry {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := blob.Open(ctx, filepath.Join(dir, "blobs"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	svc := registry.NewService(db)
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	admin, _, err := svc.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	adm, _ := svc.Authenticate(ctx, admin)
	tr := &testRegistry{url: srv.URL, svc: svc, tokens: map[string]string{"admin": admin}}
	for name, role := range map[string]registry.Role{"gateway": registry.RoleMaintainer, "reviewer": registry.RoleReviewer,
		"auditor": registry.RoleAuditor} {
		_, sec, err := svc.CreateToken(ctx, adm, registry.Token{Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		tr.tokens[name] = sec
	}
	if _, err := svc.CreateModel(ctx, adm, registry.Model{Name: "iris"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateModel(ctx, adm, registry.Model{Name: "churn"}); err != nil {
		t.Fatal(err)
	}
	// Auditors scoped to one model: iris (may read its logs) and churn
	// (may not).
	for name, model := range map[string]string{"auditor-iris": "iris", "auditor-churn": "churn"} {
		_, sec, err := svc.CreateToken(ctx, adm, registry.Token{Name: name, Role: registry.RoleAuditor, ScopeModel: model})
		if err != nil {
			t.Fatal(err)
		}
		tr.tokens[name] = sec
	}
	sum := sha256.Sum256([]byte("iris model weights"))
	arts := []registry.Artifact{{Path: "model.skops", Size: 18, SHA256: hex.EncodeToString(sum[:]), Kind: "file"}}
	v, _, err := svc.CreateVersion(ctx, adm, "iris", registry.NewVersion{SourceURI: "file:///models/iris", Artifacts: arts})
	if err != nil {
		t.Fatal(err)
	}
	tr.digest = v.Digest
	return tr
}

func (tr *testRegistry) client(t *testing.T, who string) *gateway.RegistryClient {
	t.Helper()
	c, err := gateway.NewRegistryClient(tr.url, tr.tokens[who])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eventually polls cond until it holds or 20 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
