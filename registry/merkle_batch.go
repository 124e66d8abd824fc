package registry

import (
	"context"

	"fmt"
	"time"

	"github.com/mlsec/mlsec/audit"
)

// Batched checkpoint signing (MerkleAuditor.SignEvery > 0).

// Run signs the log's head at most once per SignEvery while entries arrive,
// until ctx ends; then it signs what is left, so a server that stops
// cleanly leaves every entry covered. It does nothing when SignEvery is 0.
func (m *MerkleAuditor) Run(ctx context.Context, st Store) error {
	if m.SignEvery <= 0 {
		return nil
	}
	t := time.NewTicker(m.SignEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return m.Flush(context.WithoutCancel(ctx), st)
		case <-t.C:
			if m.pending.Load() {
				if err := m.Flush(ctx, st); err != nil && ctx.Err() == nil {
					return err
				}
			}
		}
	}
}

// Flush signs a checkpoint over the log's head now if the latest signed
// checkpoint does not cover every entry (entries appended by a batching
// server since its last signature, or left by one that was killed).
func (m *MerkleAuditor) Flush(ctx context.Context, st Store) error {
	m.signMu.Lock()
	defer m.signMu.Unlock()
	m.pending.Store(false) // entries appended from now on set it again
	err := st.Tx(ctx, func(tx Tx) error {
		lt, ok := tx.(AuditLogTx)
		if !ok {
			return fmt.Errorf("audit log: the store does not support the Merkle audit log")
		}
		head, err := lt.LockAuditLog(ctx)
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		if signed, err := signedSize(head); err != nil || signed == head.Size {
			return err
		}
		if head.VerifierKey != "" && head.VerifierKey != m.signer.VerifierKey() {
			return fmt.Errorf("audit log: signed by key %s, not the server's key %s", head.VerifierKey, m.signer.VerifierKey())
		}
		root, err := audit.CompactRoot(head.Size, head.Border)
		if err != nil {
			return err
		}
		note, err := m.signer.Sign(audit.Checkpoint{Origin: m.signer.Origin(), Size: head.Size, Hash: root})
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		return lt.SetAuditCheckpoint(ctx, head.Size, note, now, m.keep(head, now))
	})
	if err != nil {
		m.pending.Store(true) // try again next time
	}
	return err
}

// signedSize is the tree size the head's checkpoint covers (0 if none).
func signedSize(h AuditLogHead) (uint64, error) {
	if len(h.Checkpoint) == 0 {
		return 0, nil
	}
	c, err := audit.ParseCheckpointNote(h.Checkpoint)
	if err != nil {
		return 0, fmt.Errorf("audit log head: %w", err)
	}
	return c.Size, nil
}

// flushLog signs pending entries before a reader is given the latest
// checkpoint (a no-op without batching).
func (s *Service) flushLog(ctx context.Context, m *MerkleAuditor) error {
	if m.SignEvery <= 0 {
		return nil
	}
	return m.Flush(ctx, s.store)
}
