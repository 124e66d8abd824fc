package registry

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlsec/mlsec/audit"
)

// AuditLogHead is the stored state of the Merkle audit log: its size, the
// border hashes of the compact range [0, Size) (enough to append and get
// the new root), the latest signed checkpoint and the key that signs it.
type AuditLogHead struct {
	Size        uint64
	Border      [][]byte
	Checkpoint  []byte
	VerifierKey string
	UpdatedAt   time.Time
	// LastKeptAt is when the newest row of the checkpoint history was
	// written (zero if none).
	LastKeptAt time.Time
}

// AuditCheckpoint is a signed checkpoint kept in the history.
type AuditCheckpoint struct {
	Size uint64
	At   time.Time
	Note []byte
}

// AuditLogReader reads the Merkle audit log (the SQL store implements it,
// outside and inside transactions).
type AuditLogReader interface {
	AuditLogHead(ctx context.Context) (AuditLogHead, error)
	// AuditLogEntries returns the stored rows with start <= index < end in
	// index order (gaps are not filled: a verifier must see them).
	AuditLogEntries(ctx context.Context, start, end uint64) ([]audit.Record, error)
	// AuditCheckpoints returns up to limit history checkpoints with size
	// greater than after, by size.
	AuditCheckpoints(ctx context.Context, after uint64, limit int) ([]AuditCheckpoint, error)
}

// AuditLogTx appends to the Merkle audit log inside a write transaction.
type AuditLogTx interface {
	AuditLogReader
	// LockAuditLog returns the head and holds it until the transaction
	// ends, so appends are serialized and indices dense.
	LockAuditLog(ctx context.Context) (AuditLogHead, error)
	// AppendAuditLog stores rec, replaces the head with head and, if keep,
	// adds head's checkpoint to the history.
	AppendAuditLog(ctx context.Context, rec audit.Record, head AuditLogHead, keep bool) error
	// SetAuditCheckpoint replaces the head's checkpoint with note, signed
	// over size (ErrPrecondition unless the head is that size), and keeps
	// it in the history if keep.
	SetAuditCheckpoint(ctx context.Context, size uint64, note []byte, at time.Time, keep bool) error
}

// MerkleAuditor is the tamper-evident Auditor: it keeps writing the
// audit_events table and, in the same transaction, appends each event as a
// leaf of an RFC 6962 Merkle tree. A rolled-back transaction leaves no
// entry behind.
//
// Checkpoints are signed either in every write transaction (SignEvery 0:
// every committed entry is covered by a signed checkpoint at commit) or in
// batches (SignEvery d > 0, as mlsec serve runs it): Run signs the head at
// most once per d while entries arrive, and Flush signs it at once; the
// server flushes before it serves the latest checkpoint, at start and at
// shutdown. Verification is as strict either way: every signed checkpoint
// must match the entries and be consistent with the others. What batching
// changes is when an entry becomes tamper-evident: up to d after its
// commit, or, if the server is killed within d, when it next starts.
// Signing (and keeping a checkpoint) per transaction cost about a tenth of
// a write's CPU and held SQLite's single write lock meanwhile
// (docs/audit.md "Batched signing").
type MerkleAuditor struct {
	signer *audit.Signer
	// KeepEvery spaces the checkpoint history: 0 keeps every checkpoint
	// signed; d > 0 keeps at most one per d (the head checkpoint, served
	// as the latest, is always current).
	KeepEvery time.Duration
	// SignEvery batches checkpoint signing (see above); 0 signs in every
	// write transaction.
	SignEvery time.Duration

	mu   sync.Mutex  // guards tree
	tree *audit.Tree // committed leaves read back for proofs

	pending atomic.Bool // entries appended since the last batch signature
	signMu  sync.Mutex  // one signer at a time (Run, Flush)
}

// NewMerkleAuditor returns an auditor that signs checkpoints with s.
func NewMerkleAuditor(s *audit.Signer) *MerkleAuditor {
	return &MerkleAuditor{signer: s, tree: &audit.Tree{}}
}

// Signer returns the checkpoint signer.
func (m *MerkleAuditor) Signer() *audit.Signer { return m.signer }

// Record implements Auditor.
func (m *MerkleAuditor) Record(ctx context.Context, tx Tx, e *AuditEvent) error {
	if err := tx.AppendAudit(ctx, e); err != nil {
		return err
	}
	lt, ok := tx.(AuditLogTx)
	if !ok {
		return fmt.Errorf("audit log: the store does not support the Merkle audit log")
	}
	head, err := lt.LockAuditLog(ctx)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	vkey := m.signer.VerifierKey()
	if head.VerifierKey != "" && head.VerifierKey != vkey {
		return fmt.Errorf("audit log: signed by key %s, not the server's key %s", head.VerifierKey, vkey)
	}
	data, err := audit.Entry{Index: head.Size, Time: e.At, Actor: e.Actor, Action: e.Action, Object: e.Subject, Details: e.Payload}.Marshal()
	if err != nil {
		return err
	}
	leaf := audit.LeafHash(data)
	border, root, err := audit.CompactAppend(head.Size, head.Border, leaf)
	if err != nil {
		return err
	}
	now := e.At
	next := AuditLogHead{Size: head.Size + 1, Border: border, Checkpoint: head.Checkpoint, VerifierKey: vkey, UpdatedAt: now}
	if m.SignEvery > 0 {
		// Batched: the head keeps its last signed checkpoint until Run or
		// Flush signs the new size.
		m.pending.Store(true)
		return lt.AppendAuditLog(ctx, audit.Record{Index: head.Size, Data: data, LeafHash: leaf}, next, false)
	}
	if next.Checkpoint, err = m.signer.Sign(audit.Checkpoint{Origin: m.signer.Origin(), Size: next.Size, Hash: root}); err != nil {
		return err
	}
	return lt.AppendAuditLog(ctx, audit.Record{Index: head.Size, Data: data, LeafHash: leaf}, next, m.keep(head, now))
}

// keep reports whether a checkpoint signed at now goes into the history.
func (m *MerkleAuditor) keep(head AuditLogHead, now time.Time) bool {
	return m.KeepEvery <= 0 || head.LastKeptAt.IsZero() || now.Sub(head.LastKeptAt) >= m.KeepEvery
}

// CheckKey fails if the log in st was signed with another key (a lost or
// swapped key file): the server must not start a second, unrelated log.
func (m *MerkleAuditor) CheckKey(ctx context.Context, st Store) error {
	r, ok := st.(AuditLogReader)
	if !ok {
		return fmt.Errorf("audit log: the store does not support the Merkle audit log")
	}
	h, err := r.AuditLogHead(ctx)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if h.VerifierKey != "" && h.VerifierKey != m.signer.VerifierKey() {
		return fmt.Errorf("audit log: the database's log is signed by %s but the audit key is %s; start with the original key file", h.VerifierKey, m.signer.VerifierKey())
	}
	return nil
}

// proofTree returns the cached tree extended to at least size leaves read
// from r. Callers hold m.mu.
func (m *MerkleAuditor) proofTree(ctx context.Context, r AuditLogReader, size uint64) (*audit.Tree, error) {
	const chunk = 5000
	for m.tree.Size() < size {
		start := m.tree.Size()
		recs, err := r.AuditLogEntries(ctx, start, min(size, start+chunk))
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			if rec.Index != m.tree.Size() {
				return nil, fmt.Errorf("audit log: entry %d missing", m.tree.Size())
			}
			h := rec.LeafHash
			if !bytes.Equal(h, audit.LeafHash(rec.Data)) {
				return nil, fmt.Errorf("audit log: entry %d does not match its leaf hash", rec.Index)
			}
			m.tree.Append(h)
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("audit log: entry %d missing", start)
		}
	}
	return m.tree, nil
}

// MaxAuditEntries bounds one page of log entries.
const MaxAuditEntries = 1000

// auditLog returns the Merkle auditor and its reader, after checking that
// a may read the audit trail and, for entries and proofs (whole), that a is
// unscoped: the log covers every team, and a scoped token must not read
// other teams' entries or confirm guesses of them through proof hashes.
// The signed checkpoint (size and root) is a commitment any auditor reads.
func (s *Service) auditLog(a Actor, whole bool) (*MerkleAuditor, AuditLogReader, error) {
	if err := require(a, PermAudit, nil); err != nil {
		return nil, nil, err
	}
	if whole {
		if err := requireUnscoped(a, "the Merkle audit log's entries and proofs"); err != nil {
			return nil, nil, err
		}
	}
	m, ok := s.auditor.(*MerkleAuditor)
	r, ok2 := s.store.(AuditLogReader)
	if !ok || !ok2 {
		return nil, nil, fmt.Errorf("%w: the tamper-evident audit log is not enabled on this server", ErrNotFound)
	}
	return m, r, nil
}

// AuditLogInfo is the log's identity and current state.
type AuditLogInfo struct {
	Origin      string `json:"origin"`
	VerifierKey string `json:"verifier_key"`
	Size        uint64 `json:"size"`
	Checkpoint  string `json:"checkpoint"`
}

// AuditLogInfo returns the log's key, size and latest signed checkpoint.
func (s *Service) AuditLogInfo(ctx context.Context, a Actor) (AuditLogInfo, error) {
	m, r, err := s.auditLog(a, false)
	if err != nil {
		return AuditLogInfo{}, err
	}
	if err := s.flushLog(ctx, m); err != nil {
		return AuditLogInfo{}, err
	}
	h, err := r.AuditLogHead(ctx)
	if err != nil {
		return AuditLogInfo{}, err
	}
	return AuditLogInfo{Origin: m.signer.Origin(), VerifierKey: m.signer.VerifierKey(), Size: h.Size, Checkpoint: string(h.Checkpoint)}, nil
}

// AuditLogEntries returns the stored entries with start <= index < end
// (at most MaxAuditEntries; end 0 means as many as allowed).
func (s *Service) AuditLogEntries(ctx context.Context, a Actor, start, end uint64) ([]audit.Record, error) {
	_, r, err := s.auditLog(a, true)
	if err != nil {
		return nil, err
	}
	if end == 0 || end > start+MaxAuditEntries {
		end = start + MaxAuditEntries
	}
	if end <= start {
		return nil, invalidf("end %d must be greater than start %d", end, start)
	}
	return r.AuditLogEntries(ctx, start, end)
}

// AuditCheckpoints returns up to limit kept checkpoints with size greater
// than after.
func (s *Service) AuditCheckpoints(ctx context.Context, a Actor, after uint64, limit int) ([]AuditCheckpoint, error) {
	_, r, err := s.auditLog(a, true)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxAuditEntries {
		limit = MaxAuditEntries
	}
	return r.AuditCheckpoints(ctx, after, limit)
}

// AuditInclusionProof returns the inclusion proof of entry index in the
// tree of size leaves (0 = the current size) and its leaf hash.
func (s *Service) AuditInclusionProof(ctx context.Context, a Actor, index, size uint64) (leaf []byte, proof [][]byte, treeSize uint64, err error) {
	m, r, err := s.auditLog(a, true)
	if err != nil {
		return nil, nil, 0, err
	}
	if size, err = checkSize(ctx, r, size); err != nil {
		return nil, nil, 0, err
	}
	if index >= size {
		return nil, nil, 0, invalidf("index %d is not below tree size %d", index, size)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.proofTree(ctx, r, size)
	if err != nil {
		return nil, nil, 0, err
	}
	if leaf, err = t.LeafHash(index); err != nil {
		return nil, nil, 0, err
	}
	proof, err = t.Inclusion(index, size)
	return leaf, proof, size, err
}

// AuditConsistencyProof returns the consistency proof between tree sizes
// from and to (to 0 = the current size).
func (s *Service) AuditConsistencyProof(ctx context.Context, a Actor, from, to uint64) ([][]byte, uint64, error) {
	m, r, err := s.auditLog(a, true)
	if err != nil {
		return nil, 0, err
	}
	if to, err = checkSize(ctx, r, to); err != nil {
		return nil, 0, err
	}
	if from > to {
		return nil, 0, invalidf("from %d is greater than to %d", from, to)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.proofTree(ctx, r, to)
	if err != nil {
		return nil, 0, err
	}
	p, err := t.Consistency(from, to)
	return p, to, err
}

// checkSize defaults size to the current tree size and refuses sizes the
// log has not reached.
func checkSize(ctx context.Context, r AuditLogReader, size uint64) (uint64, error) {
	h, err := r.AuditLogHead(ctx)
	if err != nil {
		return 0, err
	}
	if size == 0 {
		size = h.Size
	}
	if size > h.Size {
		return 0, invalidf("tree size %d is beyond the log's size %d", size, h.Size)
	}
	return size, nil
}

// ReadAuditLog reads the whole log from r as an export: every stored entry,
// the kept checkpoints and the head checkpoint. Entries are read before
// checkpoints, so every committed entry read is covered by a checkpoint
// read after it even while the server appends, except with batched signing
// (MerkleAuditor.SignEvery): entries appended less than SignEvery ago are
// not signed yet, and a verifier reports them as not covered. Read through
// the server (it signs before it answers) or once it has stopped.
func ReadAuditLog(ctx context.Context, r AuditLogReader) (*audit.Log, error) {
	l := &audit.Log{Format: audit.LogFormat, ExportedAt: time.Now().UTC()}
	var next uint64
	readFrom := func(start, end uint64) error {
		for {
			recs, err := r.AuditLogEntries(ctx, start, end)
			if err != nil {
				return err
			}
			if len(recs) == 0 {
				return nil
			}
			l.Entries = append(l.Entries, recs...)
			start = recs[len(recs)-1].Index + 1
			next = start
		}
	}
	if err := readFrom(0, 1<<62); err != nil {
		return nil, err
	}
	h, err := r.AuditLogHead(ctx)
	if err != nil {
		return nil, err
	}
	if h.Size > next { // appended meanwhile
		if err := readFrom(next, h.Size); err != nil {
			return nil, err
		}
	}
	l.VerifierKey = h.VerifierKey
	var after uint64
	for {
		cps, err := r.AuditCheckpoints(ctx, after, MaxAuditEntries)
		if err != nil {
			return nil, err
		}
		for _, c := range cps {
			l.Checkpoints = append(l.Checkpoints, c.Note)
			after = c.Size
		}
		if len(cps) < MaxAuditEntries {
			break
		}
	}
	if len(h.Checkpoint) > 0 && (len(l.Checkpoints) == 0 || !bytes.Equal(l.Checkpoints[len(l.Checkpoints)-1], h.Checkpoint)) {
		l.Checkpoints = append(l.Checkpoints, h.Checkpoint)
	}
	if after > next { // kept checkpoints of entries appended meanwhile
		if err := readFrom(next, after); err != nil {
			return nil, err
		}
	}
	if v, err := audit.NewVerifier(h.VerifierKey); err == nil {
		l.Origin = v.Origin()
	}
	return l, nil
}
