package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// LogFormat identifies the export file format.
const LogFormat = "mlsec-audit-log/v1"

// Record is one stored log row: the entry bytes exactly as hashed.
type Record struct {
	Index uint64 `json:"index"`
	// Data is the canonical entry (base64 in JSON, so the bytes survive
	// any reformatting of the file).
	Data []byte `json:"entry"`
	// LeafHash is the hash recorded at append time, when the store has it
	// (it narrows down an alteration; it is not trusted for anything else).
	LeafHash []byte `json:"-"`
}

// Log is a self-contained copy of the audit log: what 'mlsec audit export'
// writes and 'mlsec audit verify --file' reads.
type Log struct {
	Format string `json:"format"`
	// Origin and VerifierKey are the log's identity as the server states
	// it; an auditor checks the file with a key obtained independently.
	Origin      string    `json:"origin"`
	VerifierKey string    `json:"verifier_key"`
	ExportedAt  time.Time `json:"exported_at"`
	Entries     []Record  `json:"entries"`
	// Checkpoints are signed notes (C2SP signed-note text), by size.
	Checkpoints [][]byte `json:"-"`
}

type logJSON struct {
	Log
	Checkpoints []string `json:"checkpoints"`
}

// AddCheckpoint appends a signed checkpoint note unless the same note is
// the last one: a reader that takes the kept history and then the latest
// checkpoint gets the latest twice when it was kept, and an export must
// not count it twice (verify counts distinct checkpoints).
func (l *Log) AddCheckpoint(note []byte) {
	if n := len(l.Checkpoints); n > 0 && bytes.Equal(l.Checkpoints[n-1], note) {
		return
	}
	l.Checkpoints = append(l.Checkpoints, note)
}

// Write writes l as indented JSON.
func (l *Log) Write(w io.Writer) error {
	j := logJSON{Log: *l}
	j.Format = LogFormat
	for _, c := range l.Checkpoints {
		j.Checkpoints = append(j.Checkpoints, string(c))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(j); err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// ReadLog reads an exported log.
func ReadLog(r io.Reader) (*Log, error) {
	var j logJSON
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	if j.Format != LogFormat {
		return nil, fmt.Errorf("read audit log: format %q, want %q", j.Format, LogFormat)
	}
	l := j.Log
	for _, c := range j.Checkpoints {
		l.Checkpoints = append(l.Checkpoints, []byte(c))
	}
	return &l, nil
}
