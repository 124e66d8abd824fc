package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// Webhooks and their deliveries (migration 0005). A delivery's status is
// its job's state, so the worker's lease, retry and failure rules are the
// only ones.

var (
	_ registry.WebhookReader = q{}
	_ registry.WebhookTx     = (*txn)(nil)
)

func scanWebhook(sc interface{ Scan(...any) error }) (registry.Webhook, bool, error) {
	var w registry.Webhook
	var events string
	var deleted sql.NullTime
	if err := sc.Scan(&w.ID, &w.URL, &events, &w.Secret, &w.CreatedBy, &w.CreatedAt, &deleted, &w.ScopeTeam, &w.ScopeModel); err != nil {
		return w, false, err
	}
	w.CreatedAt = w.CreatedAt.UTC()
	return w, deleted.Valid, json.Unmarshal([]byte(events), &w.Events)
}

const webhookCols = `id, url, events, secret, created_by, created_at, deleted_at, scope_team, scope_model`

// ListWebhooks lists the webhooks not deleted, oldest first.
func (x q) ListWebhooks(ctx context.Context) ([]registry.Webhook, error) {
	rows, err := x.query(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE deleted_at IS NULL ORDER BY id LIMIT 1000`)
	if err != nil {
		return nil, wrap(err, "list webhooks")
	}
	ws, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.Webhook, error) {
		w, _, err := scanWebhook(sc)
		return w, err
	})
	return ws, wrap(err, "list webhooks")
}

// GetWebhook returns webhook id and whether it was deleted.
func (x q) GetWebhook(ctx context.Context, id int64) (registry.Webhook, bool, error) {
	w, deleted, err := scanWebhook(x.row(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = ?`, id))
	return w, deleted, wrap(err, "webhook "+strconv.FormatInt(id, 10))
}

const deliveryCols = `d.id, d.webhook_id, d.job_id, d.event, d.payload, d.attempts, d.response_code, d.error, d.created_at, d.updated_at,
	j.state, j.attempts, j.max_attempts`

func scanDelivery(sc interface{ Scan(...any) error }) (registry.WebhookDelivery, error) {
	var d registry.WebhookDelivery
	var payload, state string
	var jobAttempts int
	err := sc.Scan(&d.ID, &d.WebhookID, &d.JobID, &d.Event, &payload, &d.Attempts, &d.ResponseCode, &d.Error, &d.CreatedAt, &d.UpdatedAt,
		&state, &jobAttempts, &d.MaxAttempts)
	d.Payload = json.RawMessage(payload)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	switch registry.JobState(state) {
	case registry.JobDone:
		d.Status = registry.DeliveryDelivered
	case registry.JobFailed:
		d.Status = registry.DeliveryFailed
		if d.Error == "" || jobAttempts > d.Attempts { // the worker died on the last attempt
			d.Error = "lease expired after the last attempt"
		}
	default:
		d.Status = registry.DeliveryPending
	}
	return d, err
}

// GetWebhookDeliveryByJob returns the delivery that job jobID sends.
func (x q) GetWebhookDeliveryByJob(ctx context.Context, jobID int64) (registry.WebhookDelivery, error) {
	d, err := scanDelivery(x.row(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries d JOIN jobs j ON j.id = d.job_id WHERE d.job_id = ?`, jobID))
	return d, wrap(err, "webhook delivery of job "+strconv.FormatInt(jobID, 10))
}

// ListWebhookDeliveries lists a webhook's deliveries, oldest first.
func (x q) ListWebhookDeliveries(ctx context.Context, webhookID int64, p registry.Page) ([]registry.WebhookDelivery, string, error) {
	var w where
	w.add(`d.webhook_id = ?`, webhookID)
	limit, err := w.page(p, "d.id")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries d JOIN jobs j ON j.id = d.job_id`+w.String()+
		fmt.Sprintf(` ORDER BY d.id LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, "list webhook deliveries")
	}
	ds, err := collect(rows, scanDelivery)
	if err != nil {
		return nil, "", wrap(err, "list webhook deliveries")
	}
	ds, cur := next(ds, limit, func(d registry.WebhookDelivery) int64 { return d.ID })
	return ds, cur, nil
}

// CreateWebhook inserts w.
func (t *txn) CreateWebhook(ctx context.Context, w *registry.Webhook) error {
	events, err := json.Marshal(w.Events)
	if err != nil {
		return err
	}
	ts := now()
	id, err := t.insertID(ctx, `INSERT INTO webhooks (url, events, secret, created_by, created_at, scope_team, scope_model) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		w.URL, string(events), w.Secret, w.CreatedBy, ts, w.ScopeTeam, w.ScopeModel)
	if err != nil {
		return wrap(err, "create webhook")
	}
	w.ID, w.CreatedAt = id, ts
	return nil
}

// DeleteWebhook marks webhook id deleted; ErrNotFound if it is not live.
func (t *txn) DeleteWebhook(ctx context.Context, id int64) error {
	res, err := t.exec(ctx, `UPDATE webhooks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, now(), id)
	if err != nil {
		return wrap(err, "delete webhook")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("webhook %d: %w", id, registry.ErrNotFound)
	}
	return nil
}

// CreateWebhookDelivery inserts d (its job already enqueued).
func (t *txn) CreateWebhookDelivery(ctx context.Context, d *registry.WebhookDelivery) error {
	ts := now()
	id, err := t.insertID(ctx, `INSERT INTO webhook_deliveries (webhook_id, job_id, event, payload, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, d.WebhookID, d.JobID, d.Event, string(d.Payload), ts, ts)
	if err != nil {
		return wrap(err, "create webhook delivery")
	}
	d.ID, d.CreatedAt, d.UpdatedAt, d.Status = id, ts, ts, registry.DeliveryPending
	return nil
}

// RecordWebhookAttempt stores the outcome of one attempt.
func (t *txn) RecordWebhookAttempt(ctx context.Context, id int64, attempts, code int, errMsg string) error {
	_, err := t.exec(ctx, `UPDATE webhook_deliveries SET attempts = ?, response_code = ?, error = ?, updated_at = ? WHERE id = ?`,
		attempts, code, errMsg, now(), id)
	return wrap(err, "record webhook attempt")
}

// RewriteWebhookSecrets passes every stored secret to fn and stores what
// it returns when changed.
func (t *txn) RewriteWebhookSecrets(ctx context.Context, fn func(string) (string, bool, error)) (int, error) {
	rows, err := t.query(ctx, `SELECT id, secret FROM webhooks ORDER BY id`)
	if err != nil {
		return 0, wrap(err, "read webhook secrets")
	}
	type row struct {
		id     int64
		secret string
	}
	all, err := collect(rows, func(sc interface{ Scan(...any) error }) (row, error) {
		var r row
		return r, sc.Scan(&r.id, &r.secret)
	})
	if err != nil {
		return 0, wrap(err, "read webhook secrets")
	}
	n := 0
	for _, r := range all {
		next, changed, err := fn(r.secret)
		if err != nil {
			return n, fmt.Errorf("webhook %d: %w", r.id, err)
		}
		if !changed {
			continue
		}
		if _, err := t.exec(ctx, `UPDATE webhooks SET secret = ? WHERE id = ?`, next, r.id); err != nil {
			return n, wrap(err, "seal webhook secret")
		}
		n++
	}
	return n, nil
}
