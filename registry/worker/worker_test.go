package worker

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/registry/egress"
	"github.com/mlsec/mlsec/registry/server"
	"github.com/mlsec/mlsec/registry/store"
)

// evilPickle runs os.system("echo hi") when loaded (protocol 2).
const evilPickle = "\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."

type env struct {
	svc     *registry.Service
	blobs   *blob.Store
	blobDir string
	cl      *client.Client
	clock   atomic.Int64 // offset added to time.Now, in ns
}

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.clock.Load())) }

func (e *env) pool(workers int) *Pool {
	return New(Config{Service: e.svc, Blobs: e.blobs, Logger: slog.New(slog.DiscardHandler), Workers: workers, Egress: loopbackOK,
		Lease: time.Minute, Poll: 20 * time.Millisecond, Now: e.now, Backoff: func(int) time.Duration { return time.Second }})
}

// loopbackOK lets webhooks reach the tests' loopback receivers (the
// default guard refuses loopback: registry/egress).
var loopbackOK = &egress.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}

// testSecretKey seals webhook secrets in these tests (a restarted service
// opens them with the same key, as mlsec serve reads secrets.key).
var testSecretKey = bytes.Repeat([]byte{7}, registry.SecretKeySize)

// forEachDialect runs fn against a registry on SQLite and, when
// MLSEC_TEST_POSTGRES_URL is set, on a fresh PostgreSQL database.
func forEachDialect(t *testing.T, fn func(t *testing.T, e *env)) {
	dsns := pgtest.DSNs(t)
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(t.Context(), dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			e := &env{svc: registry.NewService(db, registry.WithSecretKey(testSecretKey), registry.WithWebhookGuard(loopbackOK)), blobDir: filepath.Join(t.TempDir(), "blobs")}
			if e.blobs, err = blob.Open(t.Context(), e.blobDir, 1<<30); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(server.New(server.Config{Service: e.svc, Blobs: e.blobs, Logger: slog.New(slog.DiscardHandler)}))
			t.Cleanup(srv.Close)
			secret, _, err := e.svc.Bootstrap(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if e.cl, err = client.New(srv.URL, secret); err != nil {
				t.Fatal(err)
			}
			fn(t, e)
		})
	}
}

// push writes files into a folder and pushes it as model.
func (e *env) push(t *testing.T, model string, files map[string]string) client.VersionView {
	t.Helper()
	dir := t.TempDir()
	for p, b := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(b), 0o644)
	}
	res, err := e.cl.Push(t.Context(), dir, client.PushOptions{Model: model})
	if err != nil || res.Version.State != registry.StateReady {
		t.Fatalf("push: %v %+v", err, res)
	}
	return res.Version
}

func (e *env) jobs(t *testing.T, model string, n int) []registry.Job {
	t.Helper()
	l, err := e.cl.ListJobs(t.Context(), model, n, registry.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

// serverEvidence returns the records the worker stored, by type.
func (e *env) serverEvidence(t *testing.T, model string, n int) map[string]registry.Evidence {
	t.Helper()
	l, err := e.cl.ListEvidence(t.Context(), model, n, client.EvidenceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]registry.Evidence{}
	for _, ev := range l.Items {
		if ev.Producer == Producer {
			if _, dup := out[ev.Type]; dup {
				t.Fatalf("duplicate %s evidence", ev.Type)
			}
			out[ev.Type] = ev
		}
	}
	return out
}

func TestWorkerAnalyzes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		bad := e.push(t, "evil", map[string]string{"model.pkl": evilPickle, "config.json": `{"a": 1}`})
		clean := e.push(t, "clean", map[string]string{"config.json": `{"model_type": "toy"}`, "README.md": "# toy\n"})
		p := e.pool(1)
		for range 2 {
			if ran, err := p.RunOne(t.Context(), "w1"); !ran || err != nil {
				t.Fatalf("RunOne: %v %v", ran, err)
			}
		}
		if ran, _ := p.RunOne(t.Context(), "w1"); ran {
			t.Fatal("queue should be empty")
		}
		for _, c := range []struct {
			v       client.VersionView
			sev     string
			finding string
		}{{bad, "critical", "os.system"}, {clean, "none", ""}} {
			js := e.jobs(t, c.v.Model, c.v.Number)
			if len(js) != 1 || js[0].State != registry.JobDone || js[0].Error != "" {
				t.Fatalf("%s jobs: %+v", c.v.Model, js)
			}
			ev := e.serverEvidence(t, c.v.Model, c.v.Number)
			s, ok := ev[evidence.TypeScan]
			if !ok || s.MaxSeverity != c.sev || s.SubjectDigest != c.v.Digest || s.CreatedBy != registry.System.Name {
				t.Fatalf("%s scan evidence: %+v", c.v.Model, s)
			}
			if c.finding != "" && (!strings.Contains(string(s.Body), "model.pkl") || !strings.Contains(string(s.Body), "system")) {
				t.Fatalf("scan body lacks the finding: %s", s.Body)
			}
			if strings.Contains(string(s.Body), os.TempDir()) {
				t.Fatalf("scan body leaks the temp dir: %s", s.Body)
			}
			if b, ok := ev[evidence.TypeBOM]; !ok || b.SubjectDigest != c.v.Digest {
				t.Fatalf("%s bom evidence missing: %+v", c.v.Model, ev)
			}
		}
		// The version filter by severity now finds the bad one only.
		l, err := e.cl.ListVersions(t.Context(), "evil", client.VersionQuery{Severity: "critical"})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("severity filter: %v %+v", err, l)
		}
		// Evidence writes are audited as the system actor.
		aud, _, _ := e.svc.ListAudit(t.Context(), registry.System, registry.Page{Limit: 500})
		n := 0
		for _, a := range aud {
			if a.Action == "evidence.add" && a.Actor == registry.System.Name {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("want 2 audited evidence writes by system, got %d", n)
		}
	})
}

func TestWorkerLeaseReclaim(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		v := e.push(t, "m", map[string]string{"model.pkl": evilPickle})
		p := e.pool(1)
		// A worker claims the job and dies without finishing it.
		j, ok, err := p.Claim(t.Context(), "dead")
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		// While the lease holds nobody else gets it.
		if ran, _ := p.RunOne(t.Context(), "w2"); ran {
			t.Fatal("job claimed twice within its lease")
		}
		e.clock.Store(int64(2 * time.Minute)) // the lease expires
		if ran, err := p.RunOne(t.Context(), "w2"); !ran || err != nil {
			t.Fatalf("reclaim: %v %v", ran, err)
		}
		js := e.jobs(t, "m", v.Number)
		if len(js) != 1 || js[0].ID != j.ID || js[0].State != registry.JobDone || js[0].Attempts != 2 {
			t.Fatalf("job after reclaim: %+v", js)
		}
		// The dead worker coming back cannot finish it again.
		err = e.svc.Store().Tx(t.Context(), func(tx registry.Tx) error { return tx.FinishJob(t.Context(), j.ID, "dead", "", time.Now()) })
		if err == nil {
			t.Fatal("a worker that lost its lease finished the job")
		}
		if ev := e.serverEvidence(t, "m", v.Number); ev[evidence.TypeScan].MaxSeverity != "critical" {
			t.Fatalf("evidence: %+v", ev)
		}
	})
}

func TestWorkerRetriesAndFails(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		weights := "not the recorded bytes?"
		v := e.push(t, "m", map[string]string{"w.bin": weights})
		// Corrupt the stored blob: materialising must refuse it.
		var sha string
		for _, a := range v.Artifacts {
			sha = a.SHA256
		}
		if err := os.WriteFile(filepath.Join(e.blobDir, "sha256", sha[:2], sha), []byte("tampered bytes of same size"[:len(weights)]), 0o644); err != nil {
			t.Fatal(err)
		}
		p := e.pool(1)
		for attempt := 1; attempt <= 3; attempt++ {
			if ran, err := p.RunOne(t.Context(), "w"); !ran || err != nil {
				t.Fatalf("attempt %d: %v %v", attempt, ran, err)
			}
			js := e.jobs(t, "m", v.Number)
			want := registry.JobQueued
			if attempt == 3 {
				want = registry.JobFailed
			}
			if js[0].State != want || js[0].Attempts != attempt || !strings.Contains(js[0].Error, "does not match its record") {
				t.Fatalf("attempt %d: %+v", attempt, js[0])
			}
			if ran, _ := p.RunOne(t.Context(), "w"); ran {
				t.Fatalf("attempt %d: retried before its backoff", attempt)
			}
			e.clock.Add(int64(2 * time.Second))
		}
		if len(e.serverEvidence(t, "m", v.Number)) != 0 {
			t.Fatal("a failed analysis stored evidence")
		}
	})
}

func TestWorkerPoolRunsConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		var vs []client.VersionView
		for i := range 6 {
			vs = append(vs, e.push(t, "m", map[string]string{"w.bin": strings.Repeat("x", i+1)}))
		}
		ctx, cancel := contextWithCancel(t)
		done := make(chan struct{})
		go func() { e.pool(3).Run(ctx); close(done) }()
		deadline := time.Now().Add(60 * time.Second)
		for _, v := range vs {
			for {
				js := e.jobs(t, "m", v.Number)
				if js[0].State == registry.JobDone {
					break
				}
				if js[0].State == registry.JobFailed || time.Now().After(deadline) {
					t.Fatalf("version %d: %+v", v.Number, js[0])
				}
				time.Sleep(20 * time.Millisecond)
			}
			if len(e.serverEvidence(t, "m", v.Number)) != 2 {
				t.Fatalf("version %d lacks evidence", v.Number)
			}
		}
		cancel()
		<-done
	})
}
