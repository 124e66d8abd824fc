//go:build !windows

package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlsec/mlsec/gateway/logstore"
)

// TestKill9LosesNoAcknowledgedRecord runs the real binary, sends requests
// from four clients, kills the gateway with SIGKILL mid-traffic (batches
// in flight) and checks that every request whose answer a client received
// is in the log store exactly once (the answer is held until its record is
// in the acknowledgement journal; reopening the store replays what was not
// committed), and that no byte of the personal data the requests carried
// is anywhere in the store's files (database, WAL, shared memory, journal).
func TestKill9LosesNoAcknowledgedRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "mlsec")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/mlsec").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(bytes.Replace(b, []byte(`"q"`), []byte(`"answer"`), 1))
	}))
	defer up.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "gateway.db")
	cfg := fmt.Sprintf(`listen: %s
log:
  database: %s
allow_anonymous: true
routes:
  - name: m
    path: /m
    upstream: %s
    model: m
    version: "1"
    retention: 30d
`, addr, db, up.URL)
	cfgPath := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(cfgPath, []byte(cfg), 0o600)
	var stderr syncBuffer
	cmd := exec.Command(bin, "gateway", "--config", cfgPath)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if res, err := http.Get("http://" + addr + "/_mlsec/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway did not start:\n%s", stderr.String())
		}
	}
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("c%d-r%d", c, i)
				body := `{"q": "` + id + `", "contact": "` + strings.ReplaceAll(id, "-", ".") + `@example.com"}`
				res, err := cl.Post("http://"+addr+"/m", "application/json", strings.NewReader(body))
				if err != nil {
					continue // the gateway is gone: not acknowledged
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err == nil && res.StatusCode == 200 && strings.Contains(string(b), id) {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) < 20 {
		t.Fatalf("only %d requests acknowledged before the kill:\n%s", len(acked), stderr.String())
	}
	// The default configuration acknowledges through the journal: the
	// reopened store replays what the killed process had not committed.
	journal := db + ".acklog"
	if _, err := os.Stat(journal); err != nil {
		t.Fatalf("no acknowledgement journal: %v", err)
	}
	// Read every file before the replay truncates the journal.
	files, _ := filepath.Glob(db + "*")
	contents := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		contents[f] = b
	}
	st, err := logstore.Open(context.Background(), db, logstore.Options{Journal: journal})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t.Logf("replay after the kill: %+v", st.Replayed())
	logged := map[string]int{}
	for after := int64(0); ; {
		recs, next, err := st.List(context.Background(), logstore.Query{Model: "m", After: after, Limit: 1000}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if rest, ok := strings.CutPrefix(r.Request, `{"q": "`); ok {
				id, _, _ := strings.Cut(rest, `"`)
				logged[id]++
			}
		}
		if next == 0 {
			break
		}
		after = next
	}
	lost := 0
	for _, id := range acked {
		if logged[id] == 0 {
			lost++
			if lost < 5 {
				t.Errorf("acknowledged request %s is not in the log", id)
			}
		}
	}
	for id, n := range logged {
		if n > 1 {
			t.Errorf("request %s is logged %d times", id, n)
		}
	}
	t.Logf("%d acknowledged, %d logged, %d lost", len(acked), len(logged), lost)
	for _, f := range files {
		if i := bytes.Index(contents[f], []byte("@example.com")); i >= 0 {
			t.Errorf("%s holds an unredacted e-mail address at byte %d", filepath.Base(f), i)
		}
	}
	if len(files) < 3 {
		t.Errorf("store files %v: expected the database, its WAL and the journal", files)
	}
	if lost > 0 {
		t.Fatalf("%d acknowledged records lost", lost)
	}
}
