package server

import (
	"bufio"
	"fmt"

	"io/fs"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/store"
)

// bodyEnv is a server with a short body window, its metrics registry and
// blob folder, and a maintainer token.
func bodyEnv(t *testing.T) (addr, token, blobDir string, reg *prometheus.Registry, svc *registry.Service) {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobDir = filepath.Join(t.TempDir(), "blobs")
	bs, err := blob.Open(t.Context(), blobDir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	svc = registry.NewService(db)
	reg = prometheus.NewRegistry()
	srv := httptest.NewServer(New(Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler), Registerer: reg, Gatherer: reg,
		BodyWindow: 300 * time.Millisecond, MinBodyRate: 2048}))
	t.Cleanup(srv.Close)
	admin := registry.Actor{Name: "admin", Role: registry.RoleAdmin}
	_, token, err = svc.CreateToken(t.Context(), admin, registry.Token{Name: "m", Role: registry.RoleMaintainer})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(srv.URL, "http://"), token, blobDir, reg, svc
}

// startUpload opens a connection and sends the headers of a 100,000-byte
// blob upload.
func startUpload(t *testing.T, addr, token string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "PUT /api/v1/blobs/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n", sum([]byte("x")), token)
	return c
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestSlowBodyIsCut is S6: a client that trickles one byte every 50 ms
// (it would hold the connection for 80 s) is cut after one window with
// 408, and nothing is stored.
func TestSlowBodyIsCut(t *testing.T) {
	addr, token, blobDir, reg, _ := bodyEnv(t)
	c := startUpload(t, addr, token)
	done := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(c).ReadString('\n')
		done <- line
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(20 * time.Second)
	for sent := 0; ; sent++ {
		select {
		case line := <-done:
			if line != "" && !strings.Contains(line, "408") {
				t.Fatalf("answer %q, want 408 or a closed connection", line)
			}
			if got := counted(t, reg, "408"); got != 1 {
				t.Errorf("408s counted: %v", got)
			}
			if fs := files(t, blobDir); len(fs) != 0 {
				t.Errorf("a cut upload left %v", fs)
			}
			return
		case <-timeout:
			t.Fatalf("a body of %d bytes in %d s was not cut", sent, 20)
		case <-tick.C:
			c.Write([]byte{'x'})
		}
	}
}

// TestClientClosedUpload is R6: a client that closes in the middle of an
// upload is counted and logged as client-closed (499), not as a server
// error, and leaves no blob.
func TestClientClosedUpload(t *testing.T) {
	addr, token, blobDir, reg, svc := bodyEnv(t)
	c := startUpload(t, addr, token)
	c.Write([]byte(strings.Repeat("x", 5000)))
	time.Sleep(50 * time.Millisecond) // let the server read part of it (any delay works; no timing is asserted)
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for counted(t, reg, "499") != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("client-closed upload not counted as 499; 500s: %v", counted(t, reg, "500"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := counted(t, reg, "500"); got != 0 {
		t.Errorf("counted as server error %v times", got)
	}
	if fs := files(t, blobDir); len(fs) != 0 {
		t.Errorf("an aborted upload left %v", fs)
	}
	if _, err := svc.Store().GetBlob(t.Context(), sum([]byte("x"))); err == nil {
		t.Error("an aborted upload left a blob row")
	}
}

// counted sums mlsec_http_requests_total over routes with status code.
func counted(t *testing.T, reg *prometheus.Registry, code string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	v := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "mlsec_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "code" && l.GetValue() == code {
					v += m.GetCounter().GetValue()
				}
			}
		}
	}
	return v
}
