package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/registry"
)

// The Merkle audit log tables (migration 0003); see registry.MerkleAuditor.

var (
	_ registry.AuditLogReader = (*DB)(nil)
	_ registry.AuditLogTx     = (*txn)(nil)
)

const hashSize = 32

func joinHashes(hs [][]byte) []byte { return bytes.Join(hs, nil) }

func splitHashes(b []byte) ([][]byte, error) {
	if len(b)%hashSize != 0 {
		return nil, fmt.Errorf("audit log head: border of %d bytes", len(b))
	}
	out := make([][]byte, 0, len(b)/hashSize)
	for i := 0; i < len(b); i += hashSize {
		out = append(out, bytes.Clone(b[i:i+hashSize]))
	}
	return out, nil
}

// AuditLogHead reads the tree state.
func (x q) AuditLogHead(ctx context.Context) (registry.AuditLogHead, error) {
	return x.head(ctx, "")
}

func (x q) head(ctx context.Context, lock string) (registry.AuditLogHead, error) {
	var h registry.AuditLogHead
	var size int64
	var border []byte
	var cp string
	err := x.row(ctx, `SELECT size, border, checkpoint, verifier_key, updated_at FROM audit_log_head WHERE id = 1`+lock).
		Scan(&size, &border, &cp, &h.VerifierKey, &h.UpdatedAt)
	if err != nil {
		return h, wrap(err, "audit log head")
	}
	h.Size, h.Checkpoint, h.UpdatedAt = uint64(size), []byte(cp), h.UpdatedAt.UTC()
	if h.Border, err = splitHashes(border); err != nil {
		return h, err
	}
	var at sql.NullTime
	err = x.row(ctx, `SELECT at FROM audit_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&at)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return h, wrap(err, "audit checkpoints")
	}
	if at.Valid {
		h.LastKeptAt = at.Time.UTC()
	}
	return h, nil
}

// AuditLogEntries returns the rows with start <= idx < end.
func (x q) AuditLogEntries(ctx context.Context, start, end uint64) ([]audit.Record, error) {
	if end > 1<<62 {
		end = 1 << 62
	}
	rows, err := x.query(ctx, `SELECT idx, entry, leaf_hash FROM audit_log WHERE idx >= ? AND idx < ? ORDER BY idx`, int64(start), int64(end))
	if err != nil {
		return nil, wrap(err, "audit log entries")
	}
	recs, err := collect(rows, func(sc interface{ Scan(...any) error }) (audit.Record, error) {
		var r audit.Record
		var idx int64
		err := sc.Scan(&idx, &r.Data, &r.LeafHash)
		r.Index = uint64(idx)
		return r, err
	})
	return recs, wrap(err, "audit log entries")
}

// AuditCheckpoints returns kept checkpoints with size > after.
func (x q) AuditCheckpoints(ctx context.Context, after uint64, limit int) ([]registry.AuditCheckpoint, error) {
	rows, err := x.query(ctx, (`SELECT size, at, note FROM audit_checkpoints WHERE size > ? ORDER BY size LIMIT ?`), int64(after), limit)
	if err != nil {
		return nil, wrap(err, "audit checkpoints")
	}
	cps, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.AuditCheckpoint, error) {
		var c registry.AuditCheckpoint
		var size int64
		var note string
		err := sc.Scan(&size, &c.At, &note)
		c.Size, c.At, c.Note = uint64(size), c.At.UTC(), []byte(note)
		return c, err
	})
	return cps, wrap(err, "audit checkpoints")
}

// LockAuditLog reads the head and holds it until the transaction ends:
// FOR UPDATE on PostgreSQL; SQLite transactions already have the single
// writer lock (BEGIN IMMEDIATE).
func (t *txn) LockAuditLog(ctx context.Context) (registry.AuditLogHead, error) {
	lock := ""
	if t.d == Postgres {
		lock = " FOR UPDATE"
	}
	return t.head(ctx, lock)
}

// AppendAuditLog stores rec and the new head, and keeps the checkpoint.
func (t *txn) AppendAuditLog(ctx context.Context, rec audit.Record, h registry.AuditLogHead, keep bool) error {
	if _, err := t.exec(ctx, `INSERT INTO audit_log (idx, entry, leaf_hash) VALUES (?, ?, ?)`,
		int64(rec.Index), rec.Data, rec.LeafHash); err != nil {
		return wrap(err, "append audit log")
	}
	at := norm(h.UpdatedAt)
	if at.IsZero() {
		at = now()
	}
	res, err := t.exec(ctx, `UPDATE audit_log_head SET size = ?, border = ?, checkpoint = ?, verifier_key = ?, updated_at = ?
		WHERE id = 1 AND size = ?`, int64(h.Size), joinHashes(h.Border), string(h.Checkpoint), h.VerifierKey, at, int64(rec.Index))
	if err := affected(res, err, "audit log head"); err != nil {
		return err
	}
	if keep {
		if _, err := t.exec(ctx, `INSERT INTO audit_checkpoints (size, at, note) VALUES (?, ?, ?)`,
			int64(h.Size), at, string(h.Checkpoint)); err != nil {
			return wrap(err, "keep audit checkpoint")
		}
	}
	return nil
}

// SetAuditCheckpoint replaces the head's checkpoint with note, signed over
// the head's current size (ErrPrecondition if the log grew meanwhile), and
// keeps it in the history if keep.
func (t *txn) SetAuditCheckpoint(ctx context.Context, size uint64, note []byte, at time.Time, keep bool) error {
	at = norm(at)
	res, err := t.exec(ctx, `UPDATE audit_log_head SET checkpoint = ?, updated_at = ? WHERE id = 1 AND size = ?`, string(note), at, int64(size))
	if err := affected(res, err, "audit log checkpoint"); err != nil {
		return err
	}
	if keep {
		if _, err := t.exec(ctx, `INSERT INTO audit_checkpoints (size, at, note) VALUES (?, ?, ?)`, int64(size), at, string(note)); err != nil {
			return wrap(err, "keep audit checkpoint")
		}
	}
	return nil
}
