// Package logstore is the gateway's embedded store of redacted log
// records, drift partials and monitoring windows: SQLite by default (one
// file, WAL), PostgreSQL when several replicas share it.
//
// It only ever receives redacted records. Writes are group-committed by
// one writer goroutine (up to Options.MaxBatch records per transaction) and
// Append returns only once its record is committed, so an acknowledged record
// survives kill -9 (and power loss with Synchronous "full"). With
// Options.Journal, Append returns once the record is written to a local
// append-only journal instead, and Open replays what the database lacks
// (journal.go): kill -9 safe, not power-loss safe. Every failure
// wraps ErrUnavailable with a classified reason and never the record's
// content. Queries filter expired records themselves, so retention holds
// before the sweeper has run; DeleteExpired removes them in bounded
// batches. Tx lets the gateway enqueue River jobs in the same transaction
// as the rows they report.
package logstore
