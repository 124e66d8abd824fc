//go:build !windows && !mutate

// Not built with the mutate tag (make mutate): this test checks crash
// safety with a real binary and SIGKILL, minutes under load, and kills no
// authorization or governance mutant that faster tests do not.

package registry_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/syncbuf"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/scan"
)

type lockedBuf = syncbuf.Buffer

// startServer runs the mlsec binary's serve on addr and waits for /healthz.
func startServer(t *testing.T, bin, addr, dir string) (*exec.Cmd, *lockedBuf) {
	t.Helper()
	out := &lockedBuf{}
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", dir, "--workers", "2", "--job-lease", "2s")
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			return cmd, out
		}
	}
	t.Fatalf("server did not start:\n%s", out.String())
	return nil, nil
}

type acked struct {
	model    string
	number   int
	digest   string
	evidence int
}

// TestCrashSafety kills -9 the server during concurrent pushes and evidence
// writes, restarts it, and checks nothing acknowledged was lost, no ready
// version lacks a blob, and queued jobs complete.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "mlsec")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/mlsec").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cmd, out := startServer(t, bin, addr, dir)
	token := regexp.MustCompile(`mlsec_[0-9a-f]{64}`).FindString(out.String())
	cl, _ := client.New("http://"+addr, token)

	var mu sync.Mutex
	var acks []acked
	// The kill lands once the writers have had acknowledgements (so there
	// is something to lose) and are still pushing, not after a fixed sleep
	// that on a loaded machine may come before the first one.
	const killAfter = 6
	enough := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				m := t.TempDir()
				os.WriteFile(filepath.Join(m, "w.bin"), bytes.Repeat([]byte(fmt.Sprintf("%d-%d|", g, i)), 20000), 0o644)
				os.WriteFile(filepath.Join(m, "config.json"), []byte(fmt.Sprintf(`{"i": %d}`, i)), 0o644)
				res, err := cl.Push(ctx, m, client.PushOptions{Model: fmt.Sprintf("m%d", g)})
				if err != nil {
					continue
				}
				a := acked{model: fmt.Sprintf("m%d", g), number: res.Version.Number, digest: res.Version.Digest}
				rec, _ := scan.Evidence(evidence.NewSubject(a.model, a.digest), &scan.Report{}, time.Now())
				var buf bytes.Buffer
				evidence.Write(&buf, rec)
				if _, err := cl.AddEvidence(ctx, a.model, a.number, bytes.NewReader(buf.Bytes()), int64(buf.Len())); err == nil {
					a.evidence = 1
				}
				mu.Lock()
				acks = append(acks, a)
				if len(acks) >= killAfter {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(2 * time.Minute):
		cancel()
		wg.Wait()
		t.Fatalf("fewer than %d pushes acknowledged in 2 minutes:\n%s", killAfter, out.String())
	}
	cmd.Process.Kill() // SIGKILL: no shutdown path runs
	cmd.Wait()
	cancel()
	wg.Wait()
	if len(acks) == 0 {
		t.Fatal("nothing was acknowledged before the kill")
	}

	startServer(t, bin, addr, dir)
	bg := context.Background()
	for _, a := range acks {
		v, err := cl.GetVersion(bg, a.model, a.number)
		if err != nil || v.Digest != a.digest || v.State != registry.StateReady {
			t.Fatalf("acknowledged %s@%d lost or changed: %v %+v", a.model, a.number, err, v.Version)
		}
		l, err := cl.ListEvidence(bg, a.model, a.number, client.EvidenceQuery{})
		n := 0
		for _, e := range l.Items {
			if e.CreatedBy != registry.System.Name {
				n++
			}
		}
		if err != nil || n < a.evidence {
			t.Fatalf("acknowledged evidence of %s@%d lost: %v", a.model, a.number, err)
		}
	}
	// Every ready version has all its blobs (pull verifies them), and every
	// job finishes after the restart.
	deadline := time.Now().Add(20 * time.Second)
	for g := range 4 {
		vs, err := client.All(bg, 0, func(ctx context.Context, cur string) (client.List[registry.Version], error) {
			return cl.ListVersions(ctx, fmt.Sprintf("m%d", g), client.VersionQuery{Page: registry.Page{Limit: 500, Cursor: cur}})
		})
		if err != nil && !strings.Contains(err.Error(), "not_found") {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.State != registry.StateReady {
				continue
			}
			if _, err := cl.Pull(bg, v.Model, v.Number, t.TempDir()); err != nil {
				t.Fatalf("ready version %s@%d is incomplete: %v", v.Model, v.Number, err)
			}
			for {
				js, err := cl.ListJobs(bg, v.Model, v.Number, registry.Page{})
				if err == nil && len(js.Items) == 1 && js.Items[0].State == registry.JobDone {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("job of %s@%d not done after restart: %v %+v", v.Model, v.Number, err, js)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	// The audit log: entries the killed server appended after its last
	// batch signature were signed at the restart, so the whole log
	// verifies against the server's key.
	l, err := cl.ReadAuditLog(bg)
	if err != nil {
		t.Fatal(err)
	}
	ver, err := audit.NewVerifier(l.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	if r := audit.Verify(l, ver, audit.VerifyOptions{}); !r.OK() || r.Entries == 0 {
		t.Fatalf("audit log after kill -9 and restart: %d entries, %+v", r.Entries, r.Problems)
	}
	t.Logf("%d versions acknowledged before kill -9; all present after restart", len(acks))
}
