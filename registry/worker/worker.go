// Package worker runs the registry's background jobs. An analyze job
// (enqueued when a version becomes ready) materialises the version's model
// files from the blob store into a temporary folder, checks that they give
// the version's root digest, scans them, generates their ML-BOM, and stores
// scan and bom evidence records through the registry Service, so they are
// audited like any other change.
//
// Jobs are claimed from the store with a lease: a worker that dies stops
// holding its job when the lease expires and another worker (or the same
// server after a restart) claims it again. Failed attempts are retried with
// exponential backoff until the job's attempt limit.
package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
)

// Producer is the producer.tool of the evidence the server records.
const Producer = "mlsec-server"

// Config configures a Pool. Zero values take the defaults.
type Config struct {
	Service *registry.Service
	Blobs   *blob.Store
	Logger  *slog.Logger
	// Workers is the number of concurrent job runners (default 2).
	Workers int
	// Lease is how long a claimed job stays with its worker before another
	// may take it over (default 15 minutes). Keep it above the longest scan.
	Lease time.Duration
	// Poll is the idle wait between claims when the queue is empty
	// (default 1 second).
	Poll time.Duration
	// Backoff returns the delay before retrying after attempt n failed
	// (default 10s·2^(n-1), at most 10 minutes).
	Backoff func(attempt int) time.Duration
	// TempDir holds materialised versions ("" = os.TempDir()); mlsec
	// serve keeps them under its data dir (DATA_DIR/work), where
	// SweepScratch removes what a killed server left.
	TempDir string
	// Name prefixes worker ids in job rows (default host-pid-random).
	Name string
	// Now replaces time.Now (tests).
	Now func() time.Time
	// HTTPClient sends webhook deliveries (default: 10 s timeout, no
	// redirects).
	HTTPClient *http.Client
	// TrustedKeys verify a version's OMS signature (its model.sig
	// artifact); the result is stored as signature evidence. With no keys
	// the server records no signature evidence, and policies that require
	// a verified signature deny until one is posted.
	TrustedKeys []evidence.TrustedKey
}

// Pool runs jobs.
type Pool struct {
	c Config
}

// New returns a Pool.
func New(c Config) *Pool {
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.Lease <= 0 {
		c.Lease = 15 * time.Minute
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Backoff == nil {
		c.Backoff = func(n int) time.Duration {
			d := 10 * time.Second << min(max(n-1, 0), 6)
			return min(d, 10*time.Minute)
		}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Name == "" {
		host, _ := os.Hostname()
		b := make([]byte, 3)
		rand.Read(b)
		c.Name = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	return &Pool{c: c}
}

// scratchPrefix names the folder of one analysis (under Config.TempDir).
const scratchPrefix = "mlsec-job-"

// SweepScratch removes the analysis folders a killed server left in
// Config.TempDir (model copies, spooled archive members). Call it before
// Run, and give each server process a TempDir of its own: a folder in use
// by another process would be removed too. It returns how many it removed.
func (p *Pool) SweepScratch() (int, error) {
	if p.c.TempDir == "" {
		return 0, nil // the shared system temp folder: not ours to sweep
	}
	ents, err := os.ReadDir(p.c.TempDir)
	if err != nil {
		return 0, fmt.Errorf("sweep scratch: %w", err)
	}
	n := 0
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), scratchPrefix) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(p.c.TempDir, e.Name())); err != nil {
			return n, fmt.Errorf("sweep scratch: %w", err)
		}
		n++
	}
	return n, nil
}

// Run runs c.Workers runners until ctx ends, then waits for them. A job
// cut short by the shutdown keeps its lease and is reclaimed later.
func (p *Pool) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range p.c.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.loop(ctx, fmt.Sprintf("%s/%d", p.c.Name, i))
		}()
	}
	wg.Wait()
}

func (p *Pool) loop(ctx context.Context, id string) {
	for ctx.Err() == nil {
		ran, err := p.RunOne(ctx, id)
		if err != nil && ctx.Err() == nil {
			p.c.Logger.Error("job runner", "worker", id, "err", err)
		}
		if ran && err == nil {
			continue // the queue may hold more
		}
		select {
		case <-ctx.Done():
		case <-time.After(p.c.Poll):
		}
	}
}

// RunOne claims one runnable job as worker and runs it to its outcome;
// ran is false when the queue had nothing. err reports store failures,
// not job failures (those are recorded on the job).
func (p *Pool) RunOne(ctx context.Context, worker string) (ran bool, err error) {
	j, ok, err := p.Claim(ctx, worker)
	if err != nil || !ok {
		return false, err
	}
	start := time.Now()
	jobErr := p.run(ctx, j)
	if ctx.Err() != nil {
		// Shutting down: leave the lease to expire so the job is retried.
		return true, ctx.Err()
	}
	msg := ""
	if jobErr != nil {
		msg = jobErr.Error()
		p.c.Logger.Warn("job failed", "job", j.ID, "kind", j.Kind, "version_id", j.VersionID, "attempt", j.Attempts, "max_attempts", j.MaxAttempts, "err", jobErr)
	} else {
		p.c.Logger.Info("job done", "job", j.ID, "kind", j.Kind, "version_id", j.VersionID, "duration_ms", time.Since(start).Milliseconds())
	}
	retry := p.c.Now().Add(p.c.Backoff(j.Attempts))
	err = p.c.Service.Store().Tx(ctx, func(tx registry.Tx) error {
		return tx.FinishJob(ctx, j.ID, worker, msg, retry)
	})
	if errors.Is(err, registry.ErrConflict) {
		// Our lease expired and someone else holds the job now.
		p.c.Logger.Warn("job lease lost", "job", j.ID, "worker", worker)
		return true, nil
	}
	return true, err
}

// Claim leases the oldest runnable job to worker.
func (p *Pool) Claim(ctx context.Context, worker string) (j registry.Job, ok bool, err error) {
	err = p.c.Service.Store().Tx(ctx, func(tx registry.Tx) error {
		j, ok, err = tx.ClaimJob(ctx, worker, p.c.Now(), p.c.Lease)
		return err
	})
	return j, ok, err
}

// run executes one job.
func (p *Pool) run(ctx context.Context, j registry.Job) error {
	switch j.Kind {
	case registry.JobAnalyze:
		return p.analyze(ctx, j)
	case registry.JobWebhook:
		return p.deliverWebhook(ctx, j)
	}
	return fmt.Errorf("unknown job kind %q", j.Kind)
}
