package cli

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/syncbuf"
)

// syncBuffer is a buffer safe for the server goroutine and the test.
type syncBuffer = syncbuf.Buffer

var tokenRE = regexp.MustCompile(`mlsec_[0-9a-f]{64}`)

// startServe runs 'mlsec serve' on a free loopback port until the test ends
// and returns its URL and stderr.
func startServe(t *testing.T, dataDir string) (string, *syncBuffer) {
	t.Helper()
	return startServeWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: dataDir})
}

// startServeWith is startServe with every option given.
func startServeWith(t *testing.T, o serveOptions) (string, *syncBuffer) {
	t.Helper()
	url, stderr, _ := serveStoppable(t, o)
	return url, stderr
}

// serveStoppable is startServeWith that also returns a function stopping
// the server before the test ends.
func serveStoppable(t *testing.T, o serveOptions) (string, *syncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, o, stderr, ready)
	}()
	select {
	case addr := <-ready:
		stop := sync.OnceFunc(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
		t.Cleanup(stop)
		scheme := "http://"
		if o.tlsCert != "" {
			scheme = "https://"
		}
		return scheme + addr, stderr, stop
	case err := <-done:
		cancel()
		t.Fatalf("serve did not start: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not start in 30s")
	}
	return "", nil, nil
}

func TestServeBootstrapsOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	url, stderr := startServe(t, dir)
	tok := tokenRE.FindString(stderr.String())
	if tok == "" {
		t.Fatalf("no bootstrap token printed:\n%s", stderr.String())
	}
	req, _ := http.NewRequest("GET", url+"/api/v1/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("bootstrap token rejected: %v %v", err, res)
	}
	res.Body.Close()
	if res, err := http.Get(url + "/readyz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", err, res)
	}
	// A second server on the same data dir prints no new token.
	_, stderr2 := startServe(t, dir)
	if tokenRE.MatchString(stderr2.String()) {
		t.Fatalf("second start printed a token:\n%s", stderr2.String())
	}
}
