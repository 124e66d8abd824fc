package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
)

// Entry is the content of one log leaf: who changed what, when and why.
type Entry struct {
	// Index is the leaf's position in the log, bound into the hashed bytes
	// so a row moved to another position no longer verifies.
	Index uint64 `json:"index"`
	// Seq is the audit_events row this entry is the tamper-evident copy
	// of (0 for entries written before the table was sealed): verify
	// cross-checks that row against the entry.
	Seq uint64 `json:"seq,omitempty"`
	// Time is when the change was made (UTC).
	Time time.Time `json:"time"`
	// Actor is the authenticated caller (token name) or "system".
	Actor string `json:"actor"`
	// Action names the change, e.g. "version.create" or "token.revoke".
	Action string `json:"action"`
	// Object is what changed, e.g. "model/fraud/versions/3".
	Object string `json:"object"`
	// Details is the change's JSON payload (old/new values, reason).
	Details json.RawMessage `json:"details,omitempty"`
	// Rows are the images of the registry rows the change wrote (sealed
	// tables only, RowImage): the state a person is shown must equal the
	// last image of each row, which verify checks.
	Rows []RowImage `json:"rows,omitempty"`
}

// RowImage is a registry row as one change left it: every sealed column
// rendered as text (nil for SQL NULL; large columns as "sha256:<hex>"), or
// Deleted.
type RowImage struct {
	Table   string             `json:"table"`
	Key     string             `json:"key"`
	Deleted bool               `json:"deleted,omitempty"`
	Fields  map[string]*string `json:"fields,omitempty"`
}

// Marshal returns the canonical encoding of e: compact JSON with the keys
// in the fixed order above, the time in UTC RFC 3339 with nanoseconds, no
// HTML escaping and no trailing newline. These bytes are what the leaf hash
// covers and what the log stores.
func (e Entry) Marshal() ([]byte, error) {
	e.Time = e.Time.UTC()
	if len(e.Details) > 0 {
		var b bytes.Buffer
		if err := json.Compact(&b, e.Details); err != nil {
			return nil, fmt.Errorf("audit entry details: %w", err)
		}
		e.Details = b.Bytes()
		if string(e.Details) == "null" {
			e.Details = nil
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("audit entry: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// ParseEntry decodes stored entry bytes and checks they are canonical, so
// two different byte strings never stand for the same entry.
func ParseEntry(data []byte) (Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Entry{}, fmt.Errorf("audit entry: %w", err)
	}
	canon, err := e.Marshal()
	if err != nil {
		return Entry{}, err
	}
	if !bytes.Equal(canon, data) {
		return Entry{}, fmt.Errorf("audit entry %d: not in canonical form", e.Index)
	}
	return e, nil
}

// LeafHash is the RFC 6962 leaf hash of stored entry bytes:
// SHA-256(0x00 || data).
func LeafHash(data []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(data) }

// HashChildren is the RFC 6962 interior node hash: SHA-256(0x01 || l || r).
func HashChildren(l, r []byte) []byte { return rfc6962.DefaultHasher.HashChildren(l, r) }

// EmptyRoot is the root hash of the empty tree (SHA-256 of nothing).
func EmptyRoot() []byte { return rfc6962.DefaultHasher.EmptyRoot() }
