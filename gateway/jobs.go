package gateway

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/mlsec/mlsec/drift"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/gateway/logstore"
	"github.com/mlsec/mlsec/internal/version"
)

// Durable and periodic work runs on River (riverqueue/river): the window
// closer and the retention sweeper are periodic jobs (run by the elected
// leader when replicas share PostgreSQL), and every delivery to the
// registry or Alertmanager is a job inserted in the same transaction as the
// window or the deletion it reports, so a crash can neither lose a
// delivery nor deliver something that was rolled back. River's SQLite
// driver serves the single-process case and its database/sql driver
// PostgreSQL, both on the log store's own pool: one transaction type
// (*sql.Tx) for our rows and River's.

type closeWindowsArgs struct{}

func (closeWindowsArgs) Kind() string { return "gateway_close_windows" }

type sweepArgs struct{}

func (sweepArgs) Kind() string { return "gateway_retention_sweep" }

// deliverEvidenceArgs posts one evidence record of a closed window.
type deliverEvidenceArgs struct {
	WindowID int64  `json:"window_id"`
	Type     string `json:"type"`
}

func (deliverEvidenceArgs) Kind() string { return "gateway_deliver_evidence" }

// deliverRetentionArgs appends one sweep batch to the registry's audit log.
type deliverRetentionArgs struct {
	Model   string         `json:"model"`
	Version int            `json:"version"`
	Event   RetentionEvent `json:"event"`
}

func (deliverRetentionArgs) Kind() string { return "gateway_deliver_retention" }

// alertArgs sends the alerts of a closed window to Alertmanager.
type alertArgs struct {
	WindowID int64 `json:"window_id"`
}

func (alertArgs) Kind() string { return "gateway_alert" }

type jobs struct {
	g      *Gateway
	client *river.Client[*sql.Tx]
}

func (g *Gateway) startJobs(ctx context.Context) error {
	var drv riverdriver.Driver[*sql.Tx]
	if g.store.Dialect() == logstore.Postgres {
		drv = riverdatabasesql.New(g.store.DB())
	} else {
		drv = riversqlite.New(g.store.DB())
	}
	if err := g.store.Locked(ctx, func() error {
		m, err := rivermigrate.New(drv, nil)
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	}); err != nil {
		return fmt.Errorf("job queue schema: %w", err)
	}
	j := &jobs{g: g}
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[closeWindowsArgs]) error {
		_, err := g.CloseWindows(ctx)
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[sweepArgs]) error {
		_, err := g.Sweep(ctx)
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[deliverEvidenceArgs]) error {
		return g.deliverEvidence(ctx, job.Args.WindowID, job.Args.Type)
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[deliverRetentionArgs]) error {
		err := g.reg.RecordRetention(ctx, job.Args.Model, job.Args.Version, job.Args.Event)
		g.countDelivery("retention", err)
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[alertArgs]) error {
		return g.sendWindowAlerts(ctx, job.Args.WindowID)
	}))
	c, err := river.NewClient(drv, &river.Config{
		ID:                g.cfg.Replica,
		Logger:            slog.New(minLevel{g.log.Handler(), slog.LevelWarn}),
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		FetchPollInterval: time.Second,
		MaxAttempts:       20,
		JobTimeout:        time.Minute,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(g.tick),
				func() (river.JobArgs, *river.InsertOpts) { return closeWindowsArgs{}, nil },
				&river.PeriodicJobOpts{ID: "close_windows", RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(g.cfg.Log.SweepInterval.D()),
				func() (river.JobArgs, *river.InsertOpts) { return sweepArgs{}, nil },
				&river.PeriodicJobOpts{ID: "retention_sweep", RunOnStart: true}),
		},
	})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	j.client = c
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	g.jobs = j
	return nil
}

func (j *jobs) stop(ctx context.Context) error { return j.client.Stop(ctx) }

// enqueueWindow inserts a closed window's deliveries in tx.
func (j *jobs) enqueueWindow(ctx context.Context, tx *sql.Tx, w *logstore.Window) error {
	var args []river.InsertManyParams
	if j.g.reg != nil {
		args = append(args, river.InsertManyParams{Args: deliverEvidenceArgs{WindowID: w.ID, Type: evidence.TypeMonitoring}})
		if len(w.Drift) > 0 {
			var sum windowSummary
			if json.Unmarshal(w.Drift, &sum) == nil && sum.Report != nil {
				args = append(args, river.InsertManyParams{Args: deliverEvidenceArgs{WindowID: w.ID, Type: evidence.TypeDrift}})
			}
		}
	}
	if j.g.alerter.enabled() && len(j.g.alerter.alertsFor(w, j.g.byName[w.Route])) > 0 {
		args = append(args, river.InsertManyParams{Args: alertArgs{WindowID: w.ID}})
	}
	if len(args) == 0 {
		return nil
	}
	_, err := j.client.InsertManyTx(ctx, tx, args)
	return err
}

func (j *jobs) enqueueRetention(ctx context.Context, tx *sql.Tx, a deliverRetentionArgs) error {
	_, err := j.client.InsertTx(ctx, tx, a, nil)
	return err
}

// Sweep deletes expired log records of every route in batches of
// log.sweep_batch, each batch in its own transaction together with the job
// that appends what it deleted (count and time range) to the registry's
// audit log. It returns the number of records deleted.
func (g *Gateway) Sweep(ctx context.Context) (int, error) {
	total := 0
	for _, rt := range g.routes {
		for {
			var d logstore.Deleted
			err := g.store.Tx(ctx, func(tx *sql.Tx) error {
				var err error
				d, err = g.store.DeleteExpired(ctx, tx, rt.cfg.Name, g.now(), g.cfg.Log.SweepBatch)
				if err != nil || d.Count == 0 || g.reg == nil || g.jobs == nil {
					return err
				}
				return g.jobs.enqueueRetention(ctx, tx, deliverRetentionArgs{Model: rt.cfg.Model, Version: rt.version,
					Event: RetentionEvent{Route: rt.cfg.Name, Deleted: d.Count, Oldest: d.Oldest, Newest: d.Newer,
						Retention: rt.cfg.Retention.D().String()}})
			})
			if err != nil {
				return total, fmt.Errorf("route %s: retention sweep: %w", rt.cfg.Name, err)
			}
			if d.Count > 0 {
				total += d.Count
				g.m.retention.WithLabelValues(rt.cfg.Name).Add(float64(d.Count))
				g.log.Info("retention sweep", "route", rt.cfg.Name, "deleted", d.Count,
					"oldest", d.Oldest, "newest", d.Newer)
			}
			if d.Count < g.cfg.Log.SweepBatch {
				break
			}
		}
	}
	return total, nil
}

func (g *Gateway) countDelivery(kind string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	g.m.deliveries.WithLabelValues(kind, outcome).Inc()
}

// deliverEvidence posts the drift or monitoring record of a window.
func (g *Gateway) deliverEvidence(ctx context.Context, windowID int64, typ string) error {
	w, err := g.store.GetWindow(ctx, windowID)
	if err != nil {
		return err
	}
	rec, err := windowEvidence(w, typ)
	if err != nil {
		// A record that cannot be built never will be: do not retry.
		g.countDelivery(typ, err)
		return river.JobCancel(err)
	}
	err = g.reg.AddEvidence(ctx, w.Model, w.Version, rec)
	g.countDelivery(typ, err)
	return err
}

// windowEvidence builds a window's drift or monitoring record, about the
// served version (its root digest).
func windowEvidence(w logstore.Window, typ string) (evidence.Record, error) {
	subject := evidence.NewSubject(w.Model, w.Digest)
	window := fmt.Sprintf("%s to %s (%d requests)", w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339), w.Requests)
	var sum windowSummary
	if len(w.Drift) > 0 {
		if err := json.Unmarshal(w.Drift, &sum); err != nil {
			return evidence.Record{}, err
		}
	}
	switch typ {
	case evidence.TypeDrift:
		if sum.Report == nil {
			return evidence.Record{}, errors.New("window has no drift report")
		}
		return drift.Evidence(subject, sum.Report, drift.Roles{Reference: evidence.RoleTraining, Current: evidence.RoleProduction},
			window, version.String(), w.Closed)
	case evidence.TypeMonitoring:
		res := evidence.MonitoringResult{Window: evidence.MonitoringWindow{Start: w.Start.UTC(), End: w.End.UTC()},
			Requests: w.Requests, Errors: w.Errors, Rows: w.Rows, PII: w.PII, Route: w.Route, Source: "mlsec gateway"}
		if w.Requests > 0 {
			r := float64(w.Errors) / float64(w.Requests)
			res.ErrorRate = &r
		}
		if sum.Report != nil {
			d := sum.Report.DatasetDrift
			res.Drifted = &d
		}
		return evidence.New(evidence.TypeMonitoring, subject, version.String(), w.Closed, res)
	}
	return evidence.Record{}, fmt.Errorf("evidence type %q", typ)
}

// resolveVersions asks the registry which exact version each route serves.
func (g *Gateway) resolveVersions(ctx context.Context) error {
	for _, rt := range g.routes {
		n, d, err := g.reg.ResolveVersion(ctx, rt.cfg.Model, rt.version, rt.digest)
		if err != nil {
			return fmt.Errorf("route %s: model %s version %s%s: %w", rt.cfg.Name, rt.cfg.Model, rt.cfg.Version, rt.cfg.Digest, err)
		}
		rt.version, rt.digest = n, d
		g.m.modelInfo.DeleteLabelValues(rt.cfg.Name, rt.cfg.Model, rt.cfg.Version, rt.cfg.Digest)
		g.m.modelInfo.WithLabelValues(rt.cfg.Name, rt.cfg.Model, strconv.Itoa(n), d).Set(1)
	}
	return nil
}

// Start resolves the served versions (with a registry), starts the job
// queue and this replica's window flusher. Serve Handler() after Start.
func (g *Gateway) Start(ctx context.Context) error {
	if g.reg != nil {
		if err := g.resolveVersions(ctx); err != nil {
			return err
		}
	}
	if err := g.startJobs(ctx); err != nil {
		return err
	}
	g.wg.Add(1)
	go g.flushLoop()
	return nil
}

// flushLoop writes this replica's partial windows and refreshes the
// gauges from the newest windows, every tick.
func (g *Gateway) flushLoop() {
	defer g.wg.Done()
	t := time.NewTicker(g.tick)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := g.FlushWindows(ctx); err != nil {
				g.log.Warn("flush windows", "err", err)
			}
			if err := g.refreshGauges(ctx); err != nil {
				g.log.Warn("refresh gauges", "err", err)
			}
			cancel()
		}
	}
}

// minLevel passes only records at or above level: River's debug chatter
// stays out of the gateway's log even with --debug.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.level && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(as), m.level}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.Handler.WithGroup(name), m.level}
}
