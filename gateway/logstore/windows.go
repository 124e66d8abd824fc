package logstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// Partial is one replica's share of a route's open monitoring window: its
// request counters and, for routes with drift, its drift profile (JSON of a
// drift.Profile whose categories unseen in the reference are pseudonyms,
// never clear text). Replicas write partials; the window closer merges all
// open partials of a route into one Window.
type Partial struct {
	ID       int64
	Route    string
	Replica  string
	Start    time.Time
	End      time.Time
	Requests int64
	Errors   int64
	Rows     int64
	PII      map[string]int64
	Profile  []byte
}

// Window is a closed monitoring window of a route.
type Window struct {
	ID       int64
	Route    string
	Model    string
	Version  int
	Digest   string
	Start    time.Time
	End      time.Time
	Requests int64
	Errors   int64
	Rows     int64
	PII      map[string]int64
	// Drift is the drift summary (JSON): per column scores, share, verdict;
	// empty when the route has no drift check or too few rows.
	Drift   []byte
	Drifted bool
	Closed  time.Time
}

// AddPartial stores a replica's partial window.
func (s *Store) AddPartial(ctx context.Context, p Partial) error {
	pii, _ := json.Marshal(p.PII)
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO gateway_partials
		(route, replica, start_us, end_us, requests, errors, rows_n, pii, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		p.Route, p.Replica, micros(p.Start), micros(p.End), p.Requests, p.Errors, p.Rows, string(pii), string(p.Profile))
	return classify("add partial", err)
}

// OpenPartials returns the partials of route not yet in a window, oldest
// first, locked for the transaction on PostgreSQL (SQLite transactions are
// exclusive already).
func (s *Store) OpenPartials(ctx context.Context, tx *sql.Tx, route string) ([]Partial, error) {
	q := `SELECT id, replica, start_us, end_us, requests, errors, rows_n, pii, profile
		FROM gateway_partials WHERE route = ? AND window_id IS NULL ORDER BY id`
	if s.dialect == Postgres {
		q += " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, s.rebind(q), route)
	if err != nil {
		return nil, classify("partials", err)
	}
	defer rows.Close()
	var out []Partial
	for rows.Next() {
		p := Partial{Route: route}
		var st, en int64
		var pii, prof string
		if err := rows.Scan(&p.ID, &p.Replica, &st, &en, &p.Requests, &p.Errors, &p.Rows, &pii, &prof); err != nil {
			return nil, classify("partials", err)
		}
		p.Start, p.End, p.Profile = fromMicros(st), fromMicros(en), []byte(prof)
		_ = json.Unmarshal([]byte(pii), &p.PII)
		out = append(out, p)
	}
	return out, classify("partials", rows.Err())
}

// CloseWindow stores w and assigns the partials to it, inside tx.
func (s *Store) CloseWindow(ctx context.Context, tx *sql.Tx, w *Window, partials []int64) error {
	pii, _ := json.Marshal(w.PII)
	drifted := 0
	if w.Drifted {
		drifted = 1
	}
	q := `INSERT INTO gateway_windows (route, model, version, digest, start_us, end_us, requests, errors, rows_n, pii,
		drift, drifted, closed_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	if err := tx.QueryRowContext(ctx, s.rebind(q), w.Route, w.Model, w.Version, w.Digest, micros(w.Start), micros(w.End),
		w.Requests, w.Errors, w.Rows, string(pii), string(w.Drift), drifted, micros(w.Closed)).Scan(&w.ID); err != nil {
		return classify("close window", err)
	}
	for _, id := range partials {
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE gateway_partials SET window_id = ? WHERE id = ?`), w.ID, id); err != nil {
			return classify("close window", err)
		}
	}
	return nil
}

// LatestWindows returns the newest closed window of each route.
func (s *Store) LatestWindows(ctx context.Context) ([]Window, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT w.id, w.route, w.model, w.version, w.digest, w.start_us, w.end_us,
		w.requests, w.errors, w.rows_n, w.pii, w.drift, w.drifted, w.closed_us
		FROM gateway_windows w JOIN (SELECT route, MAX(id) AS id FROM gateway_windows GROUP BY route) m ON w.id = m.id
		ORDER BY w.route`)
	if err != nil {
		return nil, classify("windows", err)
	}
	defer rows.Close()
	var out []Window
	for rows.Next() {
		var w Window
		var st, en, cl int64
		var pii, drift string
		var drifted int
		if err := rows.Scan(&w.ID, &w.Route, &w.Model, &w.Version, &w.Digest, &st, &en, &w.Requests, &w.Errors, &w.Rows,
			&pii, &drift, &drifted, &cl); err != nil {
			return nil, classify("windows", err)
		}
		w.Start, w.End, w.Closed, w.Drift, w.Drifted = fromMicros(st), fromMicros(en), fromMicros(cl), []byte(drift), drifted != 0
		_ = json.Unmarshal([]byte(pii), &w.PII)
		out = append(out, w)
	}
	return out, classify("windows", rows.Err())
}

// GetWindow returns a closed window by id.
func (s *Store) GetWindow(ctx context.Context, id int64) (Window, error) {
	var w Window
	var st, en, cl int64
	var pii, drift string
	var drifted int
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT id, route, model, version, digest, start_us, end_us, requests, errors,
		rows_n, pii, drift, drifted, closed_us FROM gateway_windows WHERE id = ?`), id).Scan(&w.ID, &w.Route, &w.Model,
		&w.Version, &w.Digest, &st, &en, &w.Requests, &w.Errors, &w.Rows, &pii, &drift, &drifted, &cl)
	if err != nil {
		return w, classify("window", err)
	}
	w.Start, w.End, w.Closed, w.Drift, w.Drifted = fromMicros(st), fromMicros(en), fromMicros(cl), []byte(drift), drifted != 0
	_ = json.Unmarshal([]byte(pii), &w.PII)
	return w, nil
}
