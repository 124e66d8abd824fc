package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/internal/s3test"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/registry/server"
	"github.com/mlsec/mlsec/registry/store"
	"github.com/mlsec/mlsec/registry/worker"
)

// replica is one registry server process's worth of parts, as 'mlsec serve
// --database DSN --blob URL' assembles them, on an httptest listener.
type replica struct {
	url string
	svc *registry.Service
}

func startReplica(t *testing.T, dsn, blobURL string, workers int) *replica {
	t.Helper()
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := blob.Open(t.Context(), blobURL, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	svc := registry.NewService(db)
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	if workers > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			worker.New(worker.Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler), Workers: workers, Poll: 50 * time.Millisecond, TempDir: t.TempDir()}).Run(ctx)
		}()
		t.Cleanup(func() { cancel(); <-done })
	}
	return &replica{url: srv.URL, svc: svc}
}

func adminToken(t *testing.T, svc *registry.Service) string {
	t.Helper()
	secret, ok, err := svc.Bootstrap(t.Context())
	if err != nil || !ok {
		t.Fatalf("bootstrap: %v %v", ok, err)
	}
	return secret
}

func writeFolder(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for p, b := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestS3ServeRoundTrip is 'mlsec serve --blob s3://…' end to end: push a
// folder (a blob larger than one multipart part included), pull it back
// verified, watch the server's own analysis read the blobs from the bucket,
// and check a digest mismatch leaves nothing in the bucket.
func TestS3ServeRoundTrip(t *testing.T) {
	b := s3test.Fresh(t)
	r := startReplica(t, filepath.Join(t.TempDir(), "registry.db"), b.URL, 1)
	c, err := client.New(r.url, adminToken(t, r.svc))
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 20<<20) // over the 16 MiB multipart threshold
	rand.Read(big)
	files := map[string][]byte{"weights.bin": big, "config.json": []byte(`{"model_type": "toy"}`), "tok/vocab.txt": []byte("a\nb\n")}
	res, err := c.Push(t.Context(), writeFolder(t, files), client.PushOptions{Model: "toy"})
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if !res.Created || res.Uploaded != 3 || res.Version.State != registry.StateReady {
		t.Fatalf("push result %+v", res)
	}
	var want []string
	for _, data := range files {
		want = append(want, blob.Key(hexSum(data)))
	}
	slices.Sort(want)
	got := b.Keys(t)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("bucket holds %v, want %v", got, want)
	}

	dst := filepath.Join(t.TempDir(), "pulled")
	if _, err := c.Pull(t.Context(), "toy", res.Version.Number, dst); err != nil {
		t.Fatalf("pull: %v", err)
	}
	for p, data := range files {
		if back, err := os.ReadFile(filepath.Join(dst, p)); err != nil || !bytes.Equal(back, data) {
			t.Fatalf("%s differs after pull: %v", p, err)
		}
	}
	again, err := c.Push(t.Context(), writeFolder(t, files), client.PushOptions{Model: "toy"})
	if err != nil || !again.NoOp() {
		t.Fatalf("re-push not a no-op: %+v %v", again, err)
	}

	// Digest mismatch over HTTP, small and multipart-sized: 422, no object,
	// no open multipart upload, HEAD still 404.
	for _, body := range [][]byte{[]byte("tampered"), big[:17<<20]} {
		claimed := hexSum(append([]byte("x"), body...))
		if _, err := c.PutBlob(t.Context(), claimed, int64(len(body)), bytes.NewReader(body)); !errors.Is(err, registry.ErrDigestMismatch) || client.StatusOf(err) != http.StatusUnprocessableEntity {
			t.Fatalf("mismatched upload of %d bytes: %v", len(body), err)
		}
		if ok, err := c.HasBlob(t.Context(), claimed); ok || err != nil {
			t.Fatalf("HEAD after a rejected upload: %v %v", ok, err)
		}
	}
	if after := b.Keys(t); len(after) != len(want) {
		t.Fatalf("rejected uploads left objects: %v", after)
	}
	if ups := b.Uploads(t); len(ups) != 0 {
		t.Fatalf("rejected uploads left multipart uploads: %v", ups)
	}

	// The worker streams the version back out of the bucket, checks it and
	// stores scan and bom evidence.
	deadline := time.Now().Add(60 * time.Second)
	for {
		jobs, err := c.ListJobs(t.Context(), "toy", res.Version.Number, registry.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs.Items) == 1 && jobs.Items[0].State == registry.JobDone {
			break
		}
		if len(jobs.Items) == 1 && jobs.Items[0].State == registry.JobFailed || time.Now().After(deadline) {
			t.Fatalf("analysis job did not finish: %+v", jobs.Items)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ev, err := c.ListEvidence(t.Context(), "toy", res.Version.Number, client.EvidenceQuery{})
	if err != nil || len(ev.Items) < 2 {
		t.Fatalf("server evidence: %+v %v", ev.Items, err)
	}
}

// TestReplicasShareDatabaseAndBucket runs two servers on one PostgreSQL
// database and one bucket: a push through one pulls through the other,
// and a token issued by one works on the other.
func TestReplicasShareDatabaseAndBucket(t *testing.T) {
	pg := pgtest.URL(t)
	if pg == "" {
		t.Skip("replicas need PostgreSQL")
	}
	b := s3test.Fresh(t)
	dsn := pgtest.Fresh(t, pg)
	r1 := startReplica(t, dsn, b.URL, 1)
	r2 := startReplica(t, dsn, b.URL, 1)
	admin := adminToken(t, r1.svc)
	if _, ok, err := r2.svc.Bootstrap(t.Context()); ok || err != nil {
		t.Fatalf("second replica bootstrapped again: %v %v", ok, err)
	}
	c1, _ := client.New(r1.url, admin)
	c2, _ := client.New(r2.url, admin)
	files := map[string][]byte{"w.bin": bytes.Repeat([]byte("w"), 300_000), "config.json": []byte(`{}`)}
	res, err := c1.Push(t.Context(), writeFolder(t, files), client.PushOptions{Model: "shared"})
	if err != nil {
		t.Fatalf("push via replica 1: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "out")
	pr, err := c2.Pull(t.Context(), "shared", res.Version.Number, dst)
	if err != nil || pr.Files != 2 || pr.Version.Digest != res.Version.Digest {
		t.Fatalf("pull via replica 2: %+v %v", pr, err)
	}
	// Same bytes pushed through replica 2: already there.
	again, err := c2.Push(t.Context(), writeFolder(t, files), client.PushOptions{Model: "shared"})
	if err != nil || !again.NoOp() {
		t.Fatalf("re-push via replica 2: %+v %v", again, err)
	}
	// Exactly one analysis job ran, on one of the two replicas' workers.
	deadline := time.Now().Add(60 * time.Second)
	for {
		jobs, err := c2.ListJobs(t.Context(), "shared", res.Version.Number, registry.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs.Items) == 1 && jobs.Items[0].State == registry.JobDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job: %+v", jobs.Items)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
