package logstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The acknowledgement journal (Options.Journal).
//
// Waiting for the group commit was the tail of the gateway's added latency
// (docs/gateway.md, "Speed"): a record's answer waited for the batch before
// its own to commit and then for its own. With a journal, Append writes the
// encoded record as one frame with one write(2) to a local append-only file
// and returns; the writer commits it later and stores, in the same
// transaction, the highest journal sequence number it committed. Once
// write(2) has returned the frame is in the kernel's page cache, so a kill
// -9 of the process loses nothing acknowledged: Open replays the frames the
// database does not have yet. A power loss can lose the page cache, which
// is why Synchronous "full" keeps waiting for the commit.
//
// File layout: a header line, "mlsec-acklog v1 " + 32 hex digits of a random
// journal id + "\n", then frames of [u32 length][u32 CRC-32C of
// payload][u64 seq][payload], little endian. The payload is the record
// (frame.go: binary, or JSON in journals of older binaries; it is redacted:
// the journal never holds more than the database).
// The id is registered in the database (table log_journal) before the file
// exists, so a journal from another database, or another replica's, is
// refused instead of being replayed into the wrong place.

const (
	journalMagic  = "mlsec-acklog v1 "
	journalHeader = len(journalMagic) + 32 + 1
	frameHeader   = 16
	// maxFrame bounds a frame's payload on replay: a length beyond it is a
	// corrupt tail, not an allocation.
	maxFrame = 64 << 20
)

// Variables so that a test can make them small.
var (
	// journalTruncateAt is the journal size past which it is cut back to
	// its header once everything in it is committed.
	journalTruncateAt int64 = 8 << 20
	// journalMaxPending bounds the bytes journaled but not yet committed;
	// past it Append waits for its commit (back-pressure) instead of letting
	// the file grow while the database is slow.
	journalMaxPending int64 = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ReplayStats says what Open found in the journal. It holds counts only.
type ReplayStats struct {
	// Replayed frames were inserted; Skipped were already committed.
	Replayed, Skipped int
	// DroppedBytes is the length of a torn or corrupt tail that was cut
	// off: a frame being written when the process died, never acknowledged.
	DroppedBytes int64
}

type journal struct {
	path string
	id   string
	f    *os.File

	mu   sync.Mutex // serializes frames and truncation
	last int64      // highest seq written (under mu)
	size int64      // file size (under mu)

	pending atomic.Int64 // bytes written but not committed

	q    []*pending    // journaled, not yet taken by the writer, in seq order (under mu)
	kick chan struct{} // wakes the writer (capacity 1)

	cmu       sync.Mutex
	committed int64
	wake      chan struct{}
}

// openJournal opens (or creates) the journal at path, replays what the
// database lacks and leaves the file holding only its header.
func (s *Store) openJournal(ctx context.Context, path string) error {
	j := &journal{path: path, wake: make(chan struct{}), kick: make(chan struct{}, 1)}
	// Only a regular file: a device (/dev/full, /dev/null) would either
	// never end on read or swallow what it acknowledged.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("journal %s: not a regular file", path)
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist) || (err == nil && len(b) == 0):
		if err := s.createJournal(ctx, j); err != nil {
			return err
		}
		b, err = os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("journal %s: %w", path, err)
		}
	case err != nil:
		return fmt.Errorf("journal %s: %w", path, err)
	}
	if len(b) < journalHeader || !strings.HasPrefix(string(b), journalMagic) || b[journalHeader-1] != '\n' {
		return fmt.Errorf("journal %s: not an mlsec acknowledgement journal (bad header)", path)
	}
	j.id = string(b[len(journalMagic) : journalHeader-1])
	var committed int64
	err = s.db.QueryRowContext(ctx, s.rebind(`SELECT seq FROM log_journal WHERE id = ?`), j.id).Scan(&committed)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("journal %s: its id %s is not registered in this database: it belongs to another "+
			"database or replica; replay it against that database, or move it away to start a new one", path, j.id)
	}
	if err != nil {
		return classify("journal", err)
	}
	frames, good := parseFrames(b[journalHeader:])
	s.replay.DroppedBytes = int64(len(b) - journalHeader - good)
	j.last = committed
	var batch []*pending
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return classify("replay", err)
		}
		if err := s.insertBatch(tx, batch, j.id, batch[0].seq, batch[len(batch)-1].seq); err != nil {
			return err
		}
		s.replay.Replayed += len(batch)
		batch = batch[:0]
		return nil
	}
	for _, fr := range frames {
		if fr.seq <= committed {
			s.replay.Skipped++
			continue
		}
		w, err := decodeFrame(fr.payload)
		if err != nil {
			// The CRC matched, so this is not a torn write: refuse rather
			// than silently drop an acknowledged record.
			return fmt.Errorf("journal %s: frame %d does not decode: %w", path, fr.seq, err)
		}
		batch = append(batch, &pending{args: w.args(), seq: fr.seq})
		j.last = fr.seq
		if len(batch) >= s.opt.MaxBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	j.committed = j.last
	// Everything is committed: cut the file back to its header (dropping a
	// torn tail with it, so that new frames do not follow garbage).
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("journal %s: %w", path, err)
	}
	if err := f.Truncate(int64(journalHeader)); err != nil {
		f.Close()
		return fmt.Errorf("journal %s: %w", path, err)
	}
	j.f, j.size = f, int64(journalHeader)
	s.j = j
	return nil
}

// createJournal registers a new id in the database, then writes the file
// (via a rename, so a crash never leaves a half header).
func (s *Store) createJournal(ctx context.Context, j *journal) error {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	id := hex.EncodeToString(raw[:])
	if _, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO log_journal (id, seq) VALUES (?, 0)`), id); err != nil {
		return classify("journal", err)
	}
	if err := os.MkdirAll(filepath.Dir(j.path), 0o700); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	tmp := j.path + ".new"
	if err := os.WriteFile(tmp, []byte(journalMagic+id+"\n"), 0o600); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	if err := os.Rename(tmp, j.path); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	return nil
}

type frame struct {
	seq     int64
	payload []byte
}

// parseFrames returns the frames of b up to the first short, oversized,
// out-of-order or CRC-bad one, and the length of that good prefix.
func parseFrames(b []byte) ([]frame, int) {
	var out []frame
	off := 0
	var prev int64
	for len(b)-off >= frameHeader {
		n := binary.LittleEndian.Uint32(b[off:])
		sum := binary.LittleEndian.Uint32(b[off+4:])
		seq := int64(binary.LittleEndian.Uint64(b[off+8:]))
		if n > maxFrame || len(b)-off-frameHeader < int(n) || seq <= prev {
			break
		}
		p := b[off+frameHeader : off+frameHeader+int(n)]
		if crc32.Checksum(p, castagnoli) != sum {
			break
		}
		out = append(out, frame{seq: seq, payload: p})
		prev = seq
		off += frameHeader + int(n)
	}
	return out, off
}

// journalAppend writes one frame for p's record w and hands p to the
// writer, in seq order. It holds the journal's mutex throughout.
func (s *Store) journalAppend(w *row, p *pending) error {
	bp := bufPool.Get().(*[]byte)
	buf := w.appendFrame(slices.Grow((*bp)[:0], frameHeader+w.frameSize())[:frameHeader])
	defer func() {
		if cap(buf) <= 64<<10 { // a rare huge frame is not kept
			*bp = buf
			bufPool.Put(bp)
		}
	}()
	payload := buf[frameHeader:]
	if len(payload) > maxFrame {
		// Replay would take it for a corrupt tail and drop what follows.
		return fmt.Errorf("%w: record of %d bytes exceeds the journal's frame limit", ErrUnavailable, len(payload))
	}
	j := s.j
	binary.LittleEndian.PutUint32(buf, uint32(len(payload)))
	binary.LittleEndian.PutUint32(buf[4:], crc32.Checksum(payload, castagnoli))
	j.mu.Lock()
	binary.LittleEndian.PutUint64(buf[8:], uint64(j.last+1))
	n, err := j.f.Write(buf)
	if err != nil {
		// A partial frame is a torn tail to replay; cut it now so that the
		// next frame does not follow it.
		if n > 0 {
			_ = j.f.Truncate(j.size)
		}
		j.mu.Unlock()
		return classify("journal", err)
	}
	j.last++
	j.size += int64(n)
	p.seq, p.bytes = j.last, int64(n)
	j.pending.Add(p.bytes)
	// Queued in seq order under mu; the writer is woken after mu is
	// released. Handing p over a channel inside mu (readying the writer
	// there) was where the gateway's requests waited longest for a CPU
	// (go tool trace -pprof=sched), and every Append behind the lock
	// waited with them. After Close the writer takes no more: the next
	// Open commits what is queued then.
	j.q = append(j.q, p)
	j.mu.Unlock()
	select {
	case j.kick <- struct{}{}:
	default: // a wake-up is pending already; the writer takes all queued
	}
	return nil
}

// take moves up to max-len(dst) queued records, oldest first, to dst.
func (j *journal) take(dst []*pending, max int) []*pending {
	j.mu.Lock()
	n := min(max-len(dst), len(j.q))
	dst = append(dst, j.q[:n]...)
	rest := copy(j.q, j.q[n:])
	clear(j.q[rest:])
	j.q = j.q[:rest]
	j.mu.Unlock()
	return dst
}

// committedUpTo records that seq is in the database and truncates the
// journal when it is all committed and large.
func (j *journal) committedUpTo(seq, bytes int64) {
	j.pending.Add(-bytes)
	j.cmu.Lock()
	j.committed = seq
	close(j.wake)
	j.wake = make(chan struct{})
	j.cmu.Unlock()
	// TryLock: the writer does not wait behind an Append's write(2) for
	// this; truncation is skipped then and done after a later commit.
	if !j.mu.TryLock() {
		return
	}
	if j.last == seq && j.size > journalTruncateAt {
		if j.f.Truncate(int64(journalHeader)) == nil {
			j.size = int64(journalHeader)
		}
	}
	j.mu.Unlock()
}

// waitCommitted returns once every frame written before the call is
// committed, ctx ends or the store stops.
func (s *Store) waitCommitted(ctx context.Context) {
	j := s.j
	if j == nil {
		return
	}
	j.mu.Lock()
	target := j.last
	j.mu.Unlock()
	for {
		if s.failing.Load() {
			return // the queries read what is there
		}
		j.cmu.Lock()
		done, wake := j.committed >= target, j.wake
		j.cmu.Unlock()
		if done {
			return
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
	}
}

// Replayed says what Open replayed from the journal.
func (s *Store) Replayed() ReplayStats { return s.replay }
