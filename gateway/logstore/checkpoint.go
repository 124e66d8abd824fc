package logstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// WAL checkpoints off the writer's path.
//
// A checkpoint copies the WAL's pages into the database file and, with
// synchronous normal or full, fsyncs the WAL and then the database: several
// milliseconds, and tens of them on a busy disk. SQLite's automatic
// checkpoint runs inside the commit that crosses 1,000 WAL pages, so at
// 2,000 records a second one group commit in a few hundred stalled the
// writer and every request waiting for it: that was the store's share of
// the gateway's p99 (docs/gateway.md, "Speed"). Here no connection
// checkpoints on commit (wal_autocheckpoint 0); a second connection runs a
// passive checkpoint every checkpointEvery while the writer goes on
// appending. A passive checkpoint copies only the frames that were in the
// WAL when it began, so under steady traffic the WAL never becomes empty
// and SQLite never starts it over; once it holds restartPages, the writer
// itself checkpoints what the last pass left (a few milliseconds of frames,
// between two batches), and its next transaction starts the WAL again from
// its beginning. What is durable when is unchanged: a commit is in the WAL
// (kill -9 safe) before Append returns, and checkpoints keep the fsync
// order SQLite's own do.

// Variables so that a test can make them small.
var (
	checkpointEvery = 250 * time.Millisecond
	// restartPages is the WAL length (4 KiB pages: 32 MiB) past which the
	// writer finishes a checkpoint so that the WAL restarts.
	restartPages = 8192
	// residualPages is what a catch-up pass may leave to the writer.
	residualPages = 64
)

const (
	// walSizeLimit is the size the WAL file is truncated to when it
	// restarts (journal_size_limit), so a burst does not keep it large.
	walSizeLimit = 64 << 20
)

type checkpointer struct {
	db      *sql.DB
	restart atomic.Bool
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func newCheckpointer(dsn string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if c.restart.Load() {
			continue // the writer is about to finish: leave it the lock
		}
		// A failed pass (a full disk) is retried at the next tick; the
		// writer's own errors are what the gateway reports.
		log, _, err := checkpoint(c.db)
		if err != nil || log < restartPages {
			continue
		}
		// Catch up before handing over: each pass copies what arrived
		// during the one before, so passes get shorter, and the writer is
		// left a few milliseconds of frames to copy, not a whole pass's.
		for range 8 {
			prev := log
			if log, _, err = checkpoint(c.db); err != nil || log-prev < residualPages {
				break
			}
		}
		if err == nil {
			c.restart.Store(true)
		}
	}
}

// restartWanted says the WAL is long enough for the writer to finish it.
func (c *checkpointer) restartWanted() bool { return c.restart.Load() }

// finish checkpoints, on the writer's connection and between two batches,
// the frames the last background pass left, so that the next write
// transaction restarts the WAL. If the background pass holds the
// checkpoint lock at that moment, the writer tries again after its next
// batch.
func (c *checkpointer) finish(db *sql.DB) {
	if log, done, err := checkpoint(db); err == nil && log == done {
		c.restart.Store(false)
	}
}

// checkpoint runs a passive checkpoint and returns the WAL's length and how
// many of its frames are now in the database file.
func checkpoint(db *sql.DB) (log, done int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy int
	err = db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done)
	if err == nil && busy != 0 {
		done = -1
	}
	return log, done, err
}

func (c *checkpointer) close() {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		c.db.Close()
	})
}
