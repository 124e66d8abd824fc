package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// Jobs.

const jobCols = `id, kind, version_id, payload, state, attempts, max_attempts, run_after, locked_by, locked_until, error, created_at, updated_at`

func scanJob(sc interface{ Scan(...any) error }) (registry.Job, error) {
	var j registry.Job
	var vid sql.NullInt64
	var payload string
	var locked sql.NullTime
	err := sc.Scan(&j.ID, &j.Kind, &vid, &payload, &j.State, &j.Attempts, &j.MaxAttempts, &j.RunAfter, &j.LockedBy, &locked,
		&j.Error, &j.CreatedAt, &j.UpdatedAt)
	j.VersionID, j.LockedUntil = vid.Int64, timePtr(locked)
	if payload != "" {
		j.Payload = []byte(payload)
	}
	j.RunAfter, j.CreatedAt, j.UpdatedAt = j.RunAfter.UTC(), j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	return j, err
}

// GetJob returns job id.
func (x q) GetJob(ctx context.Context, id int64) (registry.Job, error) {
	j, err := scanJob(x.row(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = ?`, id))
	return j, wrap(err, "job "+strconv.FormatInt(id, 10))
}

// ListJobs lists jobs by version and state.
func (x q) ListJobs(ctx context.Context, f registry.JobFilter) ([]registry.Job, string, error) {
	var w where
	if f.VersionID != 0 {
		w.add(`version_id = ?`, f.VersionID)
	}
	if f.State != "" {
		w.add(`state = ?`, string(f.State))
	}
	limit, err := w.page(f.Page, "id")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT `+jobCols+` FROM jobs`+w.String()+fmt.Sprintf(` ORDER BY id LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, "list jobs")
	}
	js, err := collect(rows, scanJob)
	if err != nil {
		return nil, "", wrap(err, "list jobs")
	}
	js, cur := next(js, limit, func(j registry.Job) int64 { return j.ID })
	return js, cur, nil
}

// EnqueueJob inserts j as queued.
func (t *txn) EnqueueJob(ctx context.Context, j *registry.Job) error {
	ts := now()
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = 3
	}
	if j.RunAfter.IsZero() {
		j.RunAfter = ts
	}
	var vid any
	if j.VersionID != 0 {
		vid = j.VersionID
	}
	id, err := t.insertID(ctx, `INSERT INTO jobs (kind, version_id, payload, state, attempts, max_attempts, run_after, created_at, updated_at)
		VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?)`, j.Kind, vid, string(j.Payload), j.MaxAttempts, norm(j.RunAfter), ts, ts)
	if err != nil {
		return wrap(err, "enqueue job")
	}
	j.ID, j.State, j.CreatedAt, j.UpdatedAt, j.RunAfter = id, registry.JobQueued, ts, ts, norm(j.RunAfter)
	return nil
}

// ClaimJob leases the oldest runnable job. Jobs whose lease expired after
// their last attempt are failed first, so a crashing job cannot loop.
func (t *txn) ClaimJob(ctx context.Context, worker string, at time.Time, lease time.Duration) (registry.Job, bool, error) {
	at = norm(at)
	if _, err := t.exec(ctx, `UPDATE jobs SET state = 'failed', error = 'lease expired after the last attempt', locked_by = '', locked_until = NULL, updated_at = ?
		WHERE state = 'running' AND locked_until < ? AND attempts >= max_attempts`, at, at); err != nil {
		return registry.Job{}, false, wrap(err, "expire jobs")
	}
	lock := ""
	if t.d == Postgres {
		lock = " FOR UPDATE SKIP LOCKED" // several workers and replicas claim concurrently
	}
	j, err := scanJob(t.row(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?, updated_at = ?
		WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= ?) OR (state = 'running' AND locked_until < ?)
		ORDER BY id LIMIT 1`+lock+`) RETURNING `+jobCols, worker, at.Add(lease), at, at, at))
	if err == sql.ErrNoRows {
		return registry.Job{}, false, nil
	}
	if err != nil {
		return registry.Job{}, false, wrap(err, "claim job")
	}
	return j, true, nil
}

// FinishJob records a job's outcome if worker still holds its lease.
func (t *txn) FinishJob(ctx context.Context, id int64, worker, jobErr string, retryAt time.Time) error {
	j, err := t.GetJob(ctx, id)
	if err != nil {
		return err
	}
	if j.State != registry.JobRunning || j.LockedBy != worker {
		return fmt.Errorf("job %d: %w: lease lost (state %s, held by %q)", id, registry.ErrConflict, j.State, j.LockedBy)
	}
	state, runAfter := registry.JobDone, j.RunAfter
	switch {
	case jobErr == "":
	case j.Attempts < j.MaxAttempts:
		state, runAfter = registry.JobQueued, norm(retryAt)
	default:
		state = registry.JobFailed
	}
	_, err = t.exec(ctx, `UPDATE jobs SET state = ?, error = ?, run_after = ?, locked_by = '', locked_until = NULL, updated_at = ?
		WHERE id = ?`, string(state), jobErr, runAfter, now(), id)
	return wrap(err, "finish job")
}
