package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/store"
)

// BenchmarkGetVersion is the hot read path of bench/registry.sh in
// process: GET /api/v1/models/{m}/versions/{n} with a reviewer token, over
// keep-alive connections, in parallel, on SQLite (go test -run '^$'
// -bench GetVersion -cpuprofile cpu.out ./registry/server/ to profile).
func BenchmarkGetVersion(b *testing.B) {
	db, err := store.Open(b.Context(), filepath.Join(b.TempDir(), "r.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bs, err := blob.Open(b.Context(), filepath.Join(b.TempDir(), "blobs"), 0)
	if err != nil {
		b.Fatal(err)
	}
	svc := registry.NewService(db)
	srv := httptest.NewServer(New(Config{Service: svc, Blobs: bs, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}))
	defer srv.Close()
	secret, _, err := svc.Bootstrap(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	admin, _ := svc.Authenticate(b.Context(), secret)
	_, tok, err := svc.CreateToken(b.Context(), admin, registry.Token{Name: "r", Role: registry.RoleReviewer})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateModel(b.Context(), admin, registry.Model{Name: "m", Tags: []string{"a", "b"}}); err != nil {
		b.Fatal(err)
	}
	arts := []registry.Artifact{{Path: "w.bin", Size: 7, SHA256: sum([]byte("weights"))}, {Path: "config.json", Size: 2, SHA256: sum([]byte("{}"))}}
	if _, _, err := svc.CreateVersion(b.Context(), admin, "m", registry.NewVersion{SourceURI: "s3://x/y", Artifacts: arts}); err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/models/m/versions/1", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}
