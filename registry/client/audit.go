package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mlsec/mlsec/audit"
)

// The tamper-evident audit log API (docs/audit.md).

// AuditLogKey is the log's identity as the server states it.
type AuditLogKey struct {
	Origin      string `json:"origin"`
	VerifierKey string `json:"verifier_key"`
	Size        uint64 `json:"size"`
}

// AuditProof is an inclusion or consistency proof.
type AuditProof struct {
	TreeSize uint64   `json:"tree_size"`
	LeafHash []byte   `json:"leaf_hash"`
	Hashes   [][]byte `json:"hashes"`
}

type auditEntries struct {
	Entries []struct {
		Index    uint64 `json:"index"`
		Entry    []byte `json:"entry"`
		LeafHash []byte `json:"leaf_hash"`
	} `json:"entries"`
	Size uint64 `json:"size"`
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// AuditLogKey returns the log origin and verifier key.
func (c *Client) AuditLogKey(ctx context.Context) (AuditLogKey, error) {
	var k AuditLogKey
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/audit/log/key"}, &k)
	return k, err
}

// AuditLogCheckpoint returns the latest signed checkpoint note.
func (c *Client) AuditLogCheckpoint(ctx context.Context) ([]byte, error) {
	res, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/audit/log/checkpoint"})
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return io.ReadAll(io.LimitReader(res.Body, 64<<10))
}

// AuditLogEntries returns stored entries with start <= index < end (end 0
// = a server-sized page) and the log size.
func (c *Client) AuditLogEntries(ctx context.Context, start, end uint64) ([]audit.Record, uint64, error) {
	q := url.Values{"start": {u64(start)}}
	if end > 0 {
		q.Set("end", u64(end))
	}
	var out auditEntries
	if _, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/audit/log/entries", query: q}, &out); err != nil {
		return nil, 0, err
	}
	recs := make([]audit.Record, 0, len(out.Entries))
	for _, e := range out.Entries {
		recs = append(recs, audit.Record{Index: e.Index, Data: e.Entry, LeafHash: e.LeafHash})
	}
	return recs, out.Size, nil
}

// AuditLogCheckpoints returns the kept checkpoints with size > after and
// the after value of the next page (0 on the last).
func (c *Client) AuditLogCheckpoints(ctx context.Context, after uint64) ([][]byte, uint64, error) {
	var out struct {
		Checkpoints []string `json:"checkpoints"`
		Next        string   `json:"next"`
	}
	if _, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/audit/log/checkpoints",
		query: url.Values{"after": {u64(after)}}}, &out); err != nil {
		return nil, 0, err
	}
	notes := make([][]byte, len(out.Checkpoints))
	for i, s := range out.Checkpoints {
		notes[i] = []byte(s)
	}
	var next uint64
	if out.Next != "" {
		n, err := strconv.ParseUint(out.Next, 10, 64)
		if err != nil || n <= after {
			return nil, 0, fmt.Errorf("audit checkpoints: bad next %q", out.Next)
		}
		next = n
	}
	return notes, next, nil
}

// AuditInclusionProof returns the proof of entry index in the tree of size
// leaves (0 = current).
func (c *Client) AuditInclusionProof(ctx context.Context, index, size uint64) (AuditProof, error) {
	var p AuditProof
	q := url.Values{"index": {u64(index)}}
	if size > 0 {
		q.Set("tree_size", u64(size))
	}
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/audit/log/proof/inclusion", query: q}, &p)
	return p, err
}

// AuditConsistencyProof returns the proof between tree sizes from and to.
func (c *Client) AuditConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	var p AuditProof
	_, _, err := c.call(ctx, request{method: http.MethodGet, path: "/api/v1/audit/log/proof/consistency",
		query: url.Values{"from": {u64(from)}, "to": {u64(to)}}}, &p)
	return p.Hashes, err
}

// ReadAuditLog downloads the whole log: entries first, then checkpoints,
// so every entry read is covered by a checkpoint read after it.
func (c *Client) ReadAuditLog(ctx context.Context) (*audit.Log, error) {
	k, err := c.AuditLogKey(ctx)
	if err != nil {
		return nil, err
	}
	l := &audit.Log{Format: audit.LogFormat, Origin: k.Origin, VerifierKey: k.VerifierKey, ExportedAt: time.Now().UTC()}
	var next uint64
	readFrom := func(start, end uint64) error {
		for end == 0 || start < end {
			recs, _, err := c.AuditLogEntries(ctx, start, end)
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
		return nil
	}
	if err := readFrom(0, 0); err != nil {
		return nil, err
	}
	var after, maxSize uint64
	for {
		notes, nx, err := c.AuditLogCheckpoints(ctx, after)
		if err != nil {
			return nil, err
		}
		l.Checkpoints = append(l.Checkpoints, notes...)
		if nx == 0 {
			break
		}
		after = nx
	}
	if cp, err := c.AuditLogCheckpoint(ctx); err == nil {
		l.Checkpoints = append(l.Checkpoints, cp)
		if parsed, err := audit.ParseCheckpointNote(cp); err == nil {
			maxSize = parsed.Size
		}
	} else if StatusOf(err) != http.StatusNotFound {
		return nil, err
	}
	if maxSize > next { // appended meanwhile
		if err := readFrom(next, maxSize); err != nil {
			return nil, err
		}
	}
	return l, nil
}
