package logstore

import (
	"context"
	"fmt"
	"strings"
)

// schemaLock is the PostgreSQL advisory lock key ("mlsecgw"): replicas that
// start together create the schema once.
const schemaLock = 0x6d6c7365636777

// The schema is small and versioned by the gateway_schema table; a change
// appends a statement list here (forward only).
var schema = [][]string{{
	`CREATE TABLE IF NOT EXISTS gateway_logs (
		id {{id}},
		ts BIGINT NOT NULL,
		expires_at BIGINT NOT NULL,
		route TEXT NOT NULL,
		model TEXT NOT NULL,
		version INTEGER NOT NULL,
		digest TEXT NOT NULL,
		client TEXT NOT NULL,
		replica TEXT NOT NULL,
		method TEXT NOT NULL,
		path TEXT NOT NULL,
		status INTEGER NOT NULL,
		latency_us BIGINT NOT NULL,
		request TEXT NOT NULL,
		request_format TEXT NOT NULL,
		response TEXT NOT NULL,
		response_format TEXT NOT NULL,
		truncated INTEGER NOT NULL,
		pii TEXT NOT NULL,
		error TEXT NOT NULL)`,
	// List pages by model in id order (the cursor); one index serves it.
	`CREATE INDEX IF NOT EXISTS gateway_logs_model_id ON gateway_logs (model, id)`,
	`CREATE INDEX IF NOT EXISTS gateway_logs_route_expiry ON gateway_logs (route, expires_at)`,
	`CREATE TABLE IF NOT EXISTS gateway_partials (
		id {{id}},
		route TEXT NOT NULL,
		replica TEXT NOT NULL,
		start_us BIGINT NOT NULL,
		end_us BIGINT NOT NULL,
		requests BIGINT NOT NULL,
		errors BIGINT NOT NULL,
		rows_n BIGINT NOT NULL,
		pii TEXT NOT NULL,
		profile TEXT NOT NULL,
		window_id BIGINT)`,
	`CREATE INDEX IF NOT EXISTS gateway_partials_open ON gateway_partials (route, window_id)`,
	`CREATE TABLE IF NOT EXISTS gateway_windows (
		id {{id}},
		route TEXT NOT NULL,
		model TEXT NOT NULL,
		version INTEGER NOT NULL,
		digest TEXT NOT NULL,
		start_us BIGINT NOT NULL,
		end_us BIGINT NOT NULL,
		requests BIGINT NOT NULL,
		errors BIGINT NOT NULL,
		rows_n BIGINT NOT NULL,
		pii TEXT NOT NULL,
		drift TEXT NOT NULL,
		drifted INTEGER NOT NULL,
		closed_us BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS gateway_windows_route ON gateway_windows (route, id)`,
}, {
	// The highest acknowledgement-journal sequence committed, per journal
	// (journal.go); updated in each batch's transaction.
	`CREATE TABLE IF NOT EXISTS log_journal (id TEXT PRIMARY KEY, seq BIGINT NOT NULL)`,
}}

func (s *Store) migrate(ctx context.Context) error {
	id := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if s.dialect == Postgres {
		id = "BIGSERIAL PRIMARY KEY"
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if s.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("SELECT pg_advisory_lock(%d)", schemaLock)); err != nil {
			return err
		}
		defer conn.ExecContext(context.Background(), fmt.Sprintf("SELECT pg_advisory_unlock(%d)", schemaLock))
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS gateway_schema (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var have int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM gateway_schema`).Scan(&have); err != nil {
		return err
	}
	for v := have; v < len(schema); v++ {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for _, st := range schema[v] {
			if _, err := tx.ExecContext(ctx, strings.ReplaceAll(st, "{{id}}", id)); err != nil {
				tx.Rollback()
				return fmt.Errorf("schema %d: %w", v+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO gateway_schema (version) VALUES (?)`), v+1); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Locked runs fn while holding the schema lock (PostgreSQL; SQLite has one
// process), so replicas starting together run other migrations (the job
// queue's) once.
func (s *Store) Locked(ctx context.Context, fn func() error) error {
	if s.dialect != Postgres {
		return fn()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SELECT pg_advisory_lock(%d)", schemaLock)); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), fmt.Sprintf("SELECT pg_advisory_unlock(%d)", schemaLock))
	return fn()
}
