package logstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// frameRecords covers every field, empty ones, text that JSON escapes and
// PII names that need escaping.
func frameRecords() []*Record {
	now := time.Date(2026, 12, 8, 1, 2, 3, 456789000, time.UTC)
	full := &Record{Time: now, Expires: now.Add(30 * 24 * time.Hour), Route: "iris", Model: "iris", Version: 3,
		Digest: "sha256:abc", Client: "app", Replica: "gw-2", Method: "POST", Path: "/v2/models/iris/infer?x=<EMAIL_ADDRESS>",
		Status: 200, Latency: 1234567 * time.Nanosecond, Request: `{"q": "<PERSON> \u2028 \"quoted\" é"}`,
		RequestFormat: "json", Response: "line1\nline2\t<&>", ResponseFormat: "text", Truncated: true,
		PII: map[string]int{"PERSON": 2, "EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1, "CREDIT_CARD": 1}, Error: ""}
	odd := *full
	odd.PII = map[string]int{"my \"custom\" <type>": 1, "ZIP": 2}
	odd.Status, odd.Version, odd.Latency, odd.Error = 499, 0, 0, "client_closed"
	long := *full
	long.Request = strings.Repeat("x", 300<<10)
	return []*Record{full, &odd, &long, {Time: now, Expires: now, Route: "r", Model: "m", Method: "GET",
		RequestFormat: "none", ResponseFormat: "none", Status: -1}}
}

// TestFrameEncodingsGiveTheSameRow: a record written as a binary frame and
// as an older binary's JSON frame replays to the same row, the one Append
// inserts.
func TestFrameEncodingsGiveTheSameRow(t *testing.T) {
	t.Parallel()
	for i, r := range frameRecords() {
		want := newRow(r)
		bin, err := decodeFrame(want.appendFrame(nil))
		if err != nil {
			t.Fatalf("record %d: binary: %v", i, err)
		}
		js, _ := json.Marshal(r)
		old, err := decodeFrame(js)
		if err != nil {
			t.Fatalf("record %d: json: %v", i, err)
		}
		if bin != want || old != want {
			t.Errorf("record %d:\n binary %+v\n json   %+v\n want   %+v", i, bin, old, want)
		}
		if n := len(want.appendFrame(nil)); n > want.frameSize() {
			t.Errorf("record %d: frame %d bytes over its bound %d", i, n, want.frameSize())
		}
	}
}

// TestPIIColumnIsEncodingJSON: the pii column is byte for byte what
// json.Marshal wrote before, escapes included.
func TestPIIColumnIsEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, m := range []map[string]int{nil, {}, {"PERSON": 1}, {"US_SSN": 3, "EMAIL_ADDRESS": 12, "IP_ADDRESS": 0},
		{"a<b": 1, "é": 2}, {"x\"y": -4}} {
		want := ""
		if len(m) > 0 {
			b, _ := json.Marshal(m)
			want = string(b)
		}
		if got := piiJSON(m); got != want {
			t.Errorf("piiJSON(%v) = %q, want %q", m, got, want)
		}
	}
}

// TestBadFramesAreRefused: a payload whose CRC matched but which does not
// decode (an unknown encoding, a cut binary record) is refused, never
// replayed as something else or skipped.
func TestBadFramesAreRefused(t *testing.T) {
	t.Parallel()
	good := newRow(frameRecords()[0])
	enc := good.appendFrame(nil)
	for name, p := range map[string][]byte{
		"empty":    {},
		"unknown":  append([]byte{0x7f}, enc[1:]...),
		"cut":      enc[:len(enc)-3],
		"trailing": append(append([]byte{}, enc...), 0),
		"huge len": append([]byte{frameBinary, 0, 0, 0, 0, 0, 0}, binary.AppendUvarint(nil, 1<<40)...),
		"bad json": []byte(`{"route": 5`),
	} {
		if _, err := decodeFrame(p); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	if _, err := decodeFrame(append([]byte{0x7f}, enc[1:]...)); err == nil || !strings.Contains(err.Error(), "unknown encoding 0x7f") {
		t.Errorf("unknown encoding: err %v, want it named", err)
	}
}

// binFrame is frameBytes with a binary payload.
func binFrame(seq int64, r *Record) []byte {
	w := newRow(r)
	p := w.appendFrame(nil)
	b := make([]byte, 16, 16+len(p))
	binary.LittleEndian.PutUint32(b, uint32(len(p)))
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(p, crc32.MakeTable(crc32.Castagnoli)))
	binary.LittleEndian.PutUint64(b[8:], uint64(seq))
	return append(b, p...)
}

// TestJournalReplaysBothEncodings: a journal holding an older binary's JSON
// frames followed by binary ones is replayed whole, in order; a frame of an
// unknown encoding stops Open with an error naming the journal.
func TestJournalReplaysBothEncodings(t *testing.T) {
	dir := t.TempDir()
	db, jp := filepath.Join(dir, "g.db"), filepath.Join(dir, "g.acklog")
	openJ(t, db, jp).Close()
	appendFile(t, jp, cat(frameBytes(1, jrec(1)), frameBytes(2, jrec(2)), binFrame(3, jrec(3)), binFrame(4, jrec(4))))
	s := openJ(t, db, jp)
	if got := s.Replayed(); got.Replayed != 4 || got.DroppedBytes != 0 {
		t.Fatalf("replay %+v, want 4 frames", got)
	}
	got := strings.Join(requests(t, s), " ")
	if want := `{"q": "id-1"} {"q": "id-2"} {"q": "id-3"} {"q": "id-4"}`; got != want {
		t.Fatalf("requests %s, want %s", got, want)
	}
	s.Close()
	bad := binFrame(5, jrec(5))
	bad[16] = 0x7f
	binary.LittleEndian.PutUint32(bad[4:], crc32.Checksum(bad[16:], crc32.MakeTable(crc32.Castagnoli)))
	appendFile(t, jp, bad)
	_, err := Open(t.Context(), db, Options{Journal: jp})
	if err == nil || !strings.Contains(err.Error(), "g.acklog") || !strings.Contains(err.Error(), "frame 5") {
		t.Fatalf("err %v, want frame 5 of g.acklog refused", err)
	}
}

// FuzzDecodeFrame: any payload decodes or fails with an error, within the
// payload's bounds; a binary payload that decodes re-encodes to itself.
func FuzzDecodeFrame(f *testing.F) {
	for _, r := range frameRecords()[:2] {
		w := newRow(r)
		f.Add(w.appendFrame(nil))
		js, _ := json.Marshal(r)
		f.Add(js)
	}
	f.Add([]byte{frameBinary})
	f.Fuzz(func(t *testing.T, p []byte) {
		w, err := decodeFrame(p)
		if err != nil || p[0] != frameBinary {
			return
		}
		// Varints have several spellings: compare after one round trip.
		again := w.appendFrame(nil)
		w2, err := decodeFrame(again)
		if err != nil || w2 != w || !bytes.Equal(w2.appendFrame(nil), again) {
			t.Fatalf("round trip changed the record")
		}
	})
}

// BenchmarkFrame is the record encoding per Append: binary (the row and the
// frame, once) against the JSON it replaced (json.Marshal of the record,
// then of its PII counts for the row).
func BenchmarkFrame(b *testing.B) {
	r := frameRecords()[0]
	r.Request = strings.Repeat("a", 1000)
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := newRow(r)
			p := bufPool.Get().(*[]byte)
			*p = w.appendFrame((*p)[:0])
			bufPool.Put(p)
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(r)
			_, _ = json.Marshal(r.PII)
		}
	})
}
