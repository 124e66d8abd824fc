package logstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// A journal frame's payload is one record. Two encodings exist, told apart
// by the first byte:
//
//   - '{': the record's JSON (encoding/json), which the gateway wrote before
//     the binary encoding existed. Replay still reads it, so a journal left
//     by an older binary after a kill -9 is committed, not lost.
//   - frameBinary: the record as the INSERT stores it (frame layout below),
//     written since. Encoding with reflection (json.Marshal of the record,
//     then again of its PII counts for the row) cost about a tenth of the
//     gateway's CPU per request; this encoder writes each field once, with
//     the very PII text the row stores, and allocates nothing but the frame.
//
// Any other first byte is refused on replay with an error naming the
// frame: its CRC matched, so it is not a torn write but a format this
// binary does not know (a newer one's), and dropping it would lose an
// acknowledged record.
//
// Binary layout after the tag byte: varints (zig-zag) time and expiry in
// Unix microseconds, version, status, latency in nanoseconds, truncated
// (0 or 1); then length-prefixed (uvarint) strings: route, model, digest,
// client, replica, method, path, request, request format, response,
// response format, error and the PII counts as the row's JSON text.
const frameBinary = 0x01

// errFrame is wrapped by decodeFrame's errors.
var errFrame = errors.New("journal frame")

// row is a record in the INSERT's column order (insertRecord), with its PII
// counts already encoded: what the writer executes and the journal holds.
type row struct {
	ts, expires           int64 // Unix microseconds
	version, status       int64
	latency               time.Duration
	truncated             bool
	route, model, digest  string
	client, replica       string
	method, path          string
	request, requestFmt   string
	response, responseFmt string
	errClass, pii         string
}

func newRow(r *Record) row {
	return row{ts: micros(r.Time), expires: micros(r.Expires), version: int64(r.Version), status: int64(r.Status),
		latency: r.Latency, truncated: r.Truncated, route: r.Route, model: r.Model, digest: r.Digest, client: r.Client,
		replica: r.Replica, method: r.Method, path: r.Path, request: r.Request, requestFmt: r.RequestFormat,
		response: r.Response, responseFmt: r.ResponseFormat, errClass: r.Error, pii: piiJSON(r.PII)}
}

// args are the INSERT's arguments.
func (w *row) args() []any {
	trunc := 0
	if w.truncated {
		trunc = 1
	}
	return []any{w.ts, w.expires, w.route, w.model, int(w.version), w.digest, w.client, w.replica, w.method, w.path,
		int(w.status), w.latency.Microseconds(), w.request, w.requestFmt, w.response, w.responseFmt, trunc, w.pii, w.errClass}
}

// strings lists the length-prefixed fields in frame order.
func (w *row) strings() [13]*string {
	return [13]*string{&w.route, &w.model, &w.digest, &w.client, &w.replica, &w.method, &w.path, &w.request,
		&w.requestFmt, &w.response, &w.responseFmt, &w.errClass, &w.pii}
}

// appendFrame appends w's binary payload to b.
func (w *row) appendFrame(b []byte) []byte {
	b = append(b, frameBinary)
	trunc := int64(0)
	if w.truncated {
		trunc = 1
	}
	for _, v := range [...]int64{w.ts, w.expires, w.version, w.status, int64(w.latency), trunc} {
		b = binary.AppendVarint(b, v)
	}
	for _, s := range w.strings() {
		b = binary.AppendUvarint(b, uint64(len(*s)))
		b = append(b, *s...)
	}
	return b
}

// frameSize bounds appendFrame's output, to size its buffer at once.
func (w *row) frameSize() int {
	n := 1 + 6*binary.MaxVarintLen64
	for _, s := range w.strings() {
		n += binary.MaxVarintLen64 + len(*s)
	}
	return n
}

// decodeFrame reads a payload of either encoding.
func decodeFrame(p []byte) (row, error) {
	if len(p) == 0 {
		return row{}, fmt.Errorf("%w: empty payload", errFrame)
	}
	switch p[0] {
	case '{':
		var r Record
		if err := json.Unmarshal(p, &r); err != nil {
			return row{}, fmt.Errorf("%w: %w", errFrame, err)
		}
		return newRow(&r), nil
	case frameBinary:
		return decodeBinary(p[1:])
	}
	return row{}, fmt.Errorf("%w: unknown encoding 0x%02x (written by a newer mlsec? replay it with that version)", errFrame, p[0])
}

func decodeBinary(p []byte) (row, error) {
	var w row
	var ints [6]int64
	for i := range ints {
		v, n := binary.Varint(p)
		if n <= 0 {
			return row{}, fmt.Errorf("%w: bad integer field %d", errFrame, i)
		}
		ints[i], p = v, p[n:]
	}
	w.ts, w.expires, w.version, w.status, w.latency = ints[0], ints[1], ints[2], ints[3], time.Duration(ints[4])
	w.truncated = ints[5] != 0
	for i, s := range w.strings() {
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return row{}, fmt.Errorf("%w: bad string field %d", errFrame, i)
		}
		*s, p = string(p[k:k+int(n)]), p[k+int(n):]
	}
	if len(p) != 0 {
		return row{}, fmt.Errorf("%w: %d bytes after the last field", errFrame, len(p))
	}
	return w, nil
}

// piiJSON is the row's pii column: the counts as a JSON object with sorted
// keys, byte for byte what json.Marshal writes, or "" when there are none.
func piiJSON(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var ks [16]string
	keys := ks[:0]
	for k := range m {
		if !plainKey(k) {
			// A custom entity name that needs escaping: rare, leave it
			// to encoding/json.
			b, _ := json.Marshal(m)
			return string(b)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, int64(m[k]), 10)
	}
	b = append(b, '}')
	s := string(b)
	*bp = b
	bufPool.Put(bp)
	return s
}

// plainKey: JSON writes k between quotes unchanged.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// bufPool holds scratch buffers (frames, PII text): they are copied to the
// kernel or into a string before they go back.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}
