package logstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWALStaysBoundedUnderSteadyWrites: with no checkpoint on commit, the
// WAL must still start over while records keep arriving. A passive
// checkpoint alone never catches up with a writer that never pauses, so
// without the writer's own finishing checkpoint the WAL grows with every
// commit (to about 65 MB here); with it, it restarts every 1 MiB plus what
// arrives while the background passes catch up (11-15 MB here, on a
// loaded machine whose fsyncs take tens of milliseconds).
func TestWALStaysBoundedUnderSteadyWrites(t *testing.T) {
	oldEvery, oldPages := checkpointEvery, restartPages
	checkpointEvery, restartPages = 5*time.Millisecond, 256
	t.Cleanup(func() { checkpointEvery, restartPages = oldEvery, oldPages })

	path := filepath.Join(t.TempDir(), "logs.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 2000)
	const writers, each = 8, 400
	var maxWAL int64
	var wg sync.WaitGroup
	stop, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		for {
			if fi, err := os.Stat(path + "-wal"); err == nil {
				maxWAL = max(maxWAL, fi.Size())
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				now := time.Now()
				r := &Record{Time: now, Expires: now.Add(time.Hour), Route: "r", Model: "m", Client: "c", Method: "POST",
					Path: "/", Status: 200, Request: body, RequestFormat: "text", ResponseFormat: "none"}
				if err := s.Append(context.Background(), r); err != nil {
					t.Error(err)
					return
				}
				// Steady traffic rather than a flood: the writer never
				// pauses, but a background pass gets to run.
				time.Sleep(200 * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-watched
	n, err := s.Count(t.Context(), "r")
	if err != nil || n != writers*each {
		t.Fatalf("count %d, %v; want %d", n, err, writers*each)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if maxWAL > 32<<20 {
		t.Errorf("WAL grew to %d bytes: it never restarted", maxWAL)
	}
	t.Logf("largest WAL seen: %d KiB", maxWAL>>10)
}
