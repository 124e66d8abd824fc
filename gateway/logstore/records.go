package logstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// Record is one logged request/response pair. Every text field was
// redacted before it reached the store; the store never sees clear text.
type Record struct {
	ID      int64     `json:"id"`
	Time    time.Time `json:"time"`
	Expires time.Time `json:"expires"`
	Route   string    `json:"route"`
	Model   string    `json:"model"`
	Version int       `json:"version,omitempty"`
	Digest  string    `json:"digest,omitempty"`
	Client  string    `json:"client"`
	Replica string    `json:"replica,omitempty"`
	Method  string    `json:"method"`
	// Path is the request path and query, redacted.
	Path    string        `json:"path"`
	Status  int           `json:"status"`
	Latency time.Duration `json:"latency_ns"`
	// Request and Response are the redacted bodies; *Format says how they
	// were read: json (values redacted in place), text (malformed JSON or
	// other text, redacted as text), sse (a stream, as text), none.
	Request        string `json:"request"`
	RequestFormat  string `json:"request_format"`
	Response       string `json:"response"`
	ResponseFormat string `json:"response_format"`
	// Truncated says a body was longer than the log keeps.
	Truncated bool `json:"truncated,omitempty"`
	// PII counts the redacted spans per entity type (the redaction summary).
	PII map[string]int `json:"pii,omitempty"`
	// Error classifies a failure (upstream_down, timeout, client_closed,
	// too_large, ...), never with content.
	Error string `json:"error,omitempty"`
}

const insertRecord = `INSERT INTO gateway_logs (ts, expires_at, route, model, version, digest, client, replica,
	method, path, status, latency_us, request, request_format, response, response_format, truncated, pii, error)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// Query selects records. Expired records are never returned, whether or
// not the sweeper has deleted them yet.
type Query struct {
	Model string
	// Routes, when set, limits the records to these routes.
	Routes []string
	// Since and Until bound the record time (zero: unbounded).
	Since, Until time.Time
	// After continues a listing after this record id; Limit bounds the page
	// (default 100, at most 1000).
	After int64
	Limit int
}

// List returns records matching q, oldest first, and the id to pass as
// After for the next page (0 when there is none). now decides expiry.
func (s *Store) List(ctx context.Context, q Query, now time.Time) ([]Record, int64, error) {
	s.waitCommitted(ctx) // acknowledged records are listed even when only journaled so far
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 1000)
	sqlq := `SELECT id, ts, expires_at, route, model, version, digest, client, replica, method, path, status, latency_us,
		request, request_format, response, response_format, truncated, pii, error
		FROM gateway_logs WHERE model = ? AND expires_at > ? AND id > ?`
	args := []any{q.Model, micros(now), q.After}
	if !q.Since.IsZero() {
		sqlq += " AND ts >= ?"
		args = append(args, micros(q.Since))
	}
	if !q.Until.IsZero() {
		sqlq += " AND ts < ?"
		args = append(args, micros(q.Until))
	}
	if len(q.Routes) > 0 {
		sqlq += " AND route IN (?" + repeat(",?", len(q.Routes)-1) + ")"
		for _, r := range q.Routes {
			args = append(args, r)
		}
	}
	sqlq += " ORDER BY id LIMIT ?"
	args = append(args, q.Limit+1)
	rows, err := s.db.QueryContext(ctx, s.rebind(sqlq), args...)
	if err != nil {
		return nil, 0, classify("query", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var ts, exp, lat int64
		var trunc int
		var pii string
		if err := rows.Scan(&r.ID, &ts, &exp, &r.Route, &r.Model, &r.Version, &r.Digest, &r.Client, &r.Replica, &r.Method,
			&r.Path, &r.Status, &lat, &r.Request, &r.RequestFormat, &r.Response, &r.ResponseFormat, &trunc, &pii, &r.Error); err != nil {
			return nil, 0, classify("scan", err)
		}
		r.Time, r.Expires, r.Latency, r.Truncated = fromMicros(ts), fromMicros(exp), time.Duration(lat)*time.Microsecond, trunc != 0
		if pii != "" {
			_ = json.Unmarshal([]byte(pii), &r.PII)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, classify("query", err)
	}
	var next int64
	if len(out) > q.Limit {
		out = out[:q.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// Deleted describes one batch of deleted records: how many and the time
// range they covered. It never holds content.
type Deleted struct {
	Route         string
	Count         int
	Oldest, Newer time.Time
}

// DeleteExpired deletes at most batch records of route that expired at now,
// oldest first, inside tx, and says what it deleted.
func (s *Store) DeleteExpired(ctx context.Context, tx *sql.Tx, route string, now time.Time, batch int) (Deleted, error) {
	d := Deleted{Route: route}
	rows, err := tx.QueryContext(ctx, s.rebind(`DELETE FROM gateway_logs WHERE id IN
		(SELECT id FROM gateway_logs WHERE route = ? AND expires_at <= ? ORDER BY id LIMIT ?) RETURNING ts`),
		route, micros(now), batch)
	if err != nil {
		return d, classify("delete", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ts int64
		if err := rows.Scan(&ts); err != nil {
			return d, classify("delete", err)
		}
		t := fromMicros(ts)
		if d.Count == 0 || t.Before(d.Oldest) {
			d.Oldest = t
		}
		if d.Count == 0 || t.After(d.Newer) {
			d.Newer = t
		}
		d.Count++
	}
	if err := rows.Err(); err != nil {
		return d, classify("delete", err)
	}
	return d, nil
}

// Count returns how many rows of route are stored, expired or not (for
// tests and the retention report).
func (s *Store) Count(ctx context.Context, route string) (int, error) {
	s.waitCommitted(ctx)
	var n int
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM gateway_logs WHERE route = ?`), route).Scan(&n)
	if err != nil {
		return 0, classify("count", err)
	}
	return n, nil
}

// advanceJournal moves a journal's committed sequence from first-1 to
// last (insertBatch).
const advanceJournal = `UPDATE log_journal SET seq = ? WHERE id = ? AND seq = ?`

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}
