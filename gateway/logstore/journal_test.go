package logstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/pgtest"
)

// jrec is a redacted record with a recognizable request body.
func jrec(i int) *Record {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &Record{Time: now, Expires: now.Add(time.Hour), Route: "r", Model: "m", Client: "c", Method: "POST",
		Path: "/m", Status: 200, Request: fmt.Sprintf(`{"q": "id-%d"}`, i), RequestFormat: "json",
		Response: "{}", ResponseFormat: "json"}
}

// frameBytes encodes one frame independently of journalAppend, from the
// format documented in journal.go.
func frameBytes(seq int64, r *Record) []byte {
	p, _ := json.Marshal(r)
	b := make([]byte, 16+len(p))
	binary.LittleEndian.PutUint32(b, uint32(len(p)))
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(p, crc32.MakeTable(crc32.Castagnoli)))
	binary.LittleEndian.PutUint64(b[8:], uint64(seq))
	copy(b[16:], p)
	return b
}

func appendFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// requests lists the stored request bodies, in id order.
func requests(t *testing.T, s *Store) []string {
	t.Helper()
	recs, _, err := s.List(t.Context(), Query{Model: "m", Limit: 1000}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Request)
	}
	return out
}

func openJ(t *testing.T, db, j string) *Store {
	t.Helper()
	s, err := Open(t.Context(), db, Options{Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJournalReplay: frames after the committed sequence are inserted once;
// a second replay inserts nothing; a torn tail and a CRC-bad frame stop
// replay without losing the frames before them, and appends after a replay
// continue the sequence.
func TestJournalReplay(t *testing.T) {
	for _, tc := range []replayCase{
		{"clean", func(f4, f5, f6 []byte) []byte { return cat(f4, f5, f6) }, 3, ids(0, 1, 2, 4, 5, 6), false},
		{"torn tail", func(f4, f5, f6 []byte) []byte { return cat(f4, f5, f6[:len(f6)-3]) }, 2, ids(0, 1, 2, 4, 5), true},
		{"torn header", func(f4, f5, f6 []byte) []byte { return cat(f4, f5, f6[:7]) }, 2, ids(0, 1, 2, 4, 5), true},
		{"bad crc", func(f4, f5, f6 []byte) []byte {
			bad := bytes.Clone(f5)
			bad[len(bad)-2] ^= 0x20
			return cat(f4, bad, f6)
		}, 1, ids(0, 1, 2, 4), true},
	} {
		for dialect, mk := range pgtest.DSNs(t) {
			t.Run(dialect+"/"+tc.name, func(t *testing.T) {
				testReplay(t, mk(t), tc)
			})
		}
	}
}

type replayCase struct {
	name     string
	tail     func(f4, f5, f6 []byte) []byte // frames written "before the kill"
	replayed int
	want     []string // request ids stored after the replay
	dropped  bool
}

func testReplay(t *testing.T, db string, tc replayCase) {
	jp := filepath.Join(t.TempDir(), "g.db.acklog")
	s := openJ(t, db, jp)
	for i := range 3 {
		if err := s.Append(t.Context(), jrec(i)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close() // commits 1..3; the journal keeps their frames
	// Frames 4..6 acknowledged but never committed (the process died).
	appendFile(t, jp, tc.tail(frameBytes(4, jrec(4)), frameBytes(5, jrec(5)), frameBytes(6, jrec(6))))
	s = openJ(t, db, jp)
	r := s.Replayed()
	if r.Replayed != tc.replayed || r.Skipped != 3 || (r.DroppedBytes > 0) != tc.dropped {
		t.Fatalf("replay %+v, want %d replayed, 3 skipped, dropped %v", r, tc.replayed, tc.dropped)
	}
	if got := requests(t, s); !equal(got, tc.want) {
		t.Fatalf("stored %v, want %v", got, tc.want)
	}
	if fi, _ := os.Stat(jp); fi.Size() != int64(journalHeader) {
		t.Fatalf("journal is %d bytes after replay, want the header only", fi.Size())
	}
	// New appends follow the replayed sequence.
	if err := s.Append(t.Context(), jrec(7)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openJ(t, db, jp)
	defer s.Close()
	if r := s.Replayed(); r.Replayed != 0 || r.Skipped != 1 || r.DroppedBytes != 0 {
		t.Fatalf("second replay %+v, want nothing new", r)
	}
	if got, want := requests(t, s), append(tc.want, ids(7)...); !equal(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
}

// TestJournalsOfTwoReplicasDoNotMix: replicas sharing one PostgreSQL
// database each keep their own journal and committed sequence; each
// replays only its own frames.
func TestJournalsOfTwoReplicasDoNotMix(t *testing.T) {
	base := pgtest.URL(t)
	if base == "" {
		t.Skip("needs PostgreSQL")
	}
	dsn := pgtest.Fresh(t, base)
	dir := t.TempDir()
	ja, jb := filepath.Join(dir, "a.acklog"), filepath.Join(dir, "b.acklog")
	a, b := openJ(t, dsn, ja), openJ(t, dsn, jb)
	for i := range 2 {
		if err := a.Append(t.Context(), jrec(10+i)); err != nil {
			t.Fatal(err)
		}
		if err := b.Append(t.Context(), jrec(20+i)); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	b.Close()
	appendFile(t, ja, frameBytes(3, jrec(13)))
	appendFile(t, jb, cat(frameBytes(3, jrec(23)), frameBytes(4, jrec(24))))
	a = openJ(t, dsn, ja)
	defer a.Close()
	b = openJ(t, dsn, jb)
	defer b.Close()
	if ra, rb := a.Replayed(), b.Replayed(); ra.Replayed != 1 || ra.Skipped != 2 || rb.Replayed != 2 || rb.Skipped != 2 {
		t.Fatalf("replays %+v %+v", ra, rb)
	}
	if n, _ := a.Count(t.Context(), "r"); n != 7 {
		t.Fatalf("%d records, want 7", n)
	}
}

// TestJournalOfAnotherDatabaseIsRefused: a journal whose id the database
// never registered (another database's, another replica's) is not
// replayed into it.
func TestJournalOfAnotherDatabaseIsRefused(t *testing.T) {
	dir := t.TempDir()
	a := openJ(t, filepath.Join(dir, "a.db"), filepath.Join(dir, "a.acklog"))
	a.Close()
	b := openJ(t, filepath.Join(dir, "b.db"), filepath.Join(dir, "b.acklog"))
	b.Close()
	ja, _ := os.ReadFile(filepath.Join(dir, "a.acklog"))
	os.WriteFile(filepath.Join(dir, "b.acklog"), append(ja, frameBytes(1, jrec(1))...), 0o600)
	_, err := Open(t.Context(), filepath.Join(dir, "b.db"), Options{Journal: filepath.Join(dir, "b.acklog")})
	if err == nil || !strings.Contains(err.Error(), "b.acklog") || !strings.Contains(err.Error(), "not registered") {
		t.Fatalf("err %v, want a refusal naming b.acklog", err)
	}
	os.WriteFile(filepath.Join(dir, "c.acklog"), []byte("not a journal at all, just some text\n"), 0o600)
	_, err = Open(t.Context(), filepath.Join(dir, "b.db"), Options{Journal: filepath.Join(dir, "c.acklog")})
	if err == nil || !strings.Contains(err.Error(), "c.acklog") {
		t.Fatalf("err %v, want a refusal naming c.acklog", err)
	}
	_, err = Open(t.Context(), filepath.Join(dir, "b.db"), Options{Journal: "/dev/full"})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err %v, want /dev/full refused", err)
	}
}

// TestJournalWriteFailureFailsClosed: when write(2) to the journal fails
// (ENOSPC from /dev/full), Append returns ErrUnavailable classified as a
// full disk and the record is stored nowhere.
func TestJournalWriteFailureFailsClosed(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	s := openJ(t, filepath.Join(dir, "g.db"), filepath.Join(dir, "g.acklog"))
	defer s.Close()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	good := s.j.f
	s.j.f = full
	err = s.Append(t.Context(), jrec(1))
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "disk full") || strings.Contains(err.Error(), "id-1") {
		t.Fatalf("Append on a full journal: %v", err)
	}
	s.j.f = good
	full.Close()
	if err := s.Append(t.Context(), jrec(2)); err != nil {
		t.Fatal(err)
	}
	if got := requests(t, s); !equal(got, ids(2)) {
		t.Fatalf("stored %v, want only id-2", got)
	}
}

// TestJournalRefusesWhileCommitsFail: with the database failing, the
// writer keeps the acknowledged batch and retries it, and Append refuses
// new records (fail closed) until a commit succeeds.
func TestJournalRefusesWhileCommitsFail(t *testing.T) {
	dir := t.TempDir()
	db, jp := filepath.Join(dir, "g.db"), filepath.Join(dir, "g.acklog")
	s, err := Open(t.Context(), db, Options{Journal: jp, MaxPages: 40})
	if err != nil {
		t.Fatal(err)
	}
	big := jrec(0)
	big.Response = `"` + strings.Repeat("x", 20000) + `"`
	var refused error
	acked := 0
	for i := range 400 {
		r := *big
		r.Request = fmt.Sprintf(`{"q": "id-%d"}`, i)
		if refused = s.Append(t.Context(), &r); refused != nil {
			break
		}
		acked++
		time.Sleep(time.Millisecond)
	}
	if !errors.Is(refused, ErrUnavailable) || !strings.Contains(refused.Error(), "disk full") {
		t.Fatalf("after %d appends: %v, want a disk-full refusal", acked, refused)
	}
	s.Close()
	// Acknowledged but uncommitted records are still in the journal: a
	// store with room commits them all on Open.
	s, err = Open(t.Context(), db, Options{Journal: jp})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.Count(t.Context(), "r")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("n=%d acked=%d", n, acked)
	var seq int64
	s.db.QueryRow("SELECT seq FROM log_journal").Scan(&seq)
	t.Logf("seq=%d %v", seq, requests(t, s))
	if n != acked {
		t.Fatalf("%d stored, %d acknowledged (replay %+v)", n, acked, s.Replayed())
	}
}

func cat(b ...[]byte) []byte { return bytes.Join(b, nil) }

func ids(n ...int) []string {
	var out []string
	for _, i := range n {
		out = append(out, fmt.Sprintf(`{"q": "id-%d"}`, i))
	}
	return out
}

func equal(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }
