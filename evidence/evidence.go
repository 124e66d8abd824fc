package evidence

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
)

// SchemaV1 identifies version 1 of the evidence format. It is also the
// in-toto predicateType of evidence attestations.
const SchemaV1 = "https://mlsec.dev/evidence/v1"

// Tool is the producer name mlsec writes.
const Tool = "mlsec"

// Evidence types. Scan, Signature and BOM are produced by scan, sign and bom,
// Robustness and Explainability by probe, Drift by drift, Fairness by
// fairness; the others are reserved and documented (docs/evidence.md, with
// JSON Schema entries) so producers (data scan, the gateway) and external
// tools can write them. Producers import evidence, never the reverse.
const (
	TypeScan       = "scan"
	TypeSignature  = "signature"
	TypeBOM        = "bom"
	TypeFairness   = "fairness"
	TypeRobustness = "robustness"
	TypeDrift      = "drift"
	TypeApproval   = "approval"
	TypeTest       = "test"
	// TypeExplainability records a served model's feature importance and
	// per-prediction reasons (mlsec probe explain).
	TypeExplainability = "explainability"
	// TypeData records what a dataset holds: PII, secrets and sensitive
	// attributes per column (mlsec data scan).
	TypeData = "data"
	// TypeMonitoring records one monitoring window of a served version (the
	// inference gateway).
	TypeMonitoring = "monitoring"
)

// Types lists every valid record type.
var Types = []string{TypeScan, TypeSignature, TypeBOM, TypeFairness, TypeRobustness, TypeDrift, TypeApproval, TypeTest,
	TypeExplainability, TypeData, TypeMonitoring}

// MaxFileSize bounds what Read accepts (evidence files are small; a scan of a
// huge archive with many findings stays far below this).
const MaxFileSize = 64 << 20

// ErrInvalid is wrapped by every validation and decoding error.
var ErrInvalid = errors.New("invalid evidence")

// Record is one piece of evidence about one model artifact.
type Record struct {
	Schema    string    `json:"schema"`
	Type      string    `json:"type"`
	Subject   Subject   `json:"subject"`
	Producer  Producer  `json:"producer"`
	Timestamp time.Time `json:"timestamp"`
	// Result is the type-specific result (ScanResult, SignatureResult,
	// BOMResult, or a reserved type's object). Decode it with DecodeResult.
	Result json.RawMessage `json:"result"`
}

// Subject names the artifact: a model name and its OMS root digest.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// NewSubject returns a subject with a sha256 root digest (hex).
func NewSubject(name, sha256Hex string) Subject {
	return Subject{Name: name, Digest: map[string]string{"sha256": strings.ToLower(sha256Hex)}}
}

// SHA256 returns the subject's sha256 root digest (hex), or "".
func (s Subject) SHA256() string { return s.Digest["sha256"] }

// Producer names the tool that produced the record.
type Producer struct {
	Tool    string `json:"tool"`
	Version string `json:"version"`
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// New builds a record of type typ with result marshalled to JSON. A zero
// now means time.Now(); timestamps are stored in UTC, to the second.
func New(typ string, subject Subject, version string, now time.Time, result any) (Record, error) {
	if now.IsZero() {
		now = time.Now()
	}
	raw, err := json.Marshal(result)
	if err != nil {
		return Record{}, fmt.Errorf("%w: result: %w", ErrInvalid, err)
	}
	r := Record{
		Schema: SchemaV1, Type: typ, Subject: subject,
		Producer:  Producer{Tool: Tool, Version: version},
		Timestamp: now.UTC().Truncate(time.Second), Result: raw,
	}
	return r, r.Validate()
}

// Validate checks the envelope fields and, for the produced types, that the
// result decodes and is consistent.
func (r Record) Validate() error {
	if r.Schema != SchemaV1 {
		return fmt.Errorf("%w: schema %q, want %q", ErrInvalid, r.Schema, SchemaV1)
	}
	known := false
	for _, t := range Types {
		known = known || t == r.Type
	}
	if !known {
		return fmt.Errorf("%w: type %q (want one of %s)", ErrInvalid, r.Type, strings.Join(Types, ", "))
	}
	if r.Subject.Name == "" {
		return fmt.Errorf("%w: subject.name is empty", ErrInvalid)
	}
	if !sha256Hex.MatchString(r.Subject.SHA256()) {
		return fmt.Errorf("%w: subject.digest.sha256 must be 64 lowercase hex digits (the OMS root digest), got %q", ErrInvalid, r.Subject.SHA256())
	}
	if r.Producer.Tool == "" {
		return fmt.Errorf("%w: producer.tool is empty", ErrInvalid)
	}
	if r.Timestamp.IsZero() {
		return fmt.Errorf("%w: timestamp is missing", ErrInvalid)
	}
	if len(bytes.TrimSpace(r.Result)) == 0 || bytes.TrimSpace(r.Result)[0] != '{' {
		return fmt.Errorf("%w: result must be a JSON object", ErrInvalid)
	}
	res, err := r.DecodeResult()
	if err != nil {
		return err
	}
	if m, ok := res.(map[string]any); ok {
		res = reservedResult{typ: r.Type, m: m}
	}
	if v, ok := res.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return fmt.Errorf("%w: %s result: %w", ErrInvalid, r.Type, err)
		}
	}
	return nil
}

// DecodeResult decodes Result into *ScanResult, *SignatureResult,
// *BOMResult, *RobustnessResult, *ExplainabilityResult, *DriftResult,
// *FairnessResult, *MonitoringResult or *DataResult for those types, and into
// map[string]any for reserved types.
func (r Record) DecodeResult() (any, error) {
	var v any
	switch r.Type {
	case TypeScan:
		v = &ScanResult{}
	case TypeSignature:
		v = &SignatureResult{}
	case TypeBOM:
		v = &BOMResult{}
	case TypeRobustness:
		v = &RobustnessResult{}
	case TypeExplainability:
		v = &ExplainabilityResult{}
	case TypeDrift:
		v = &DriftResult{}
	case TypeFairness:
		v = &FairnessResult{}
	case TypeMonitoring:
		v = &MonitoringResult{}
	case TypeData:
		v = &DataResult{}
	default:
		m := map[string]any{}
		v = &m
	}
	dec := json.NewDecoder(bytes.NewReader(r.Result))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return nil, fmt.Errorf("%w: %s result: %w", ErrInvalid, r.Type, err)
	}
	if m, ok := v.(*map[string]any); ok {
		return *m, nil
	}
	return v, nil
}

// Write writes rec as indented JSON after validating it.
func Write(w io.Writer, rec Record) error {
	if err := rec.Validate(); err != nil {
		return err
	}
	return writeJSON(w, rec)
}

// WriteAll writes several records as one JSON array.
func WriteAll(w io.Writer, recs []Record) error {
	for i, r := range recs {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
	}
	if recs == nil {
		recs = []Record{}
	}
	return writeJSON(w, recs)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Read reads an evidence file: one record, a JSON array of records, or a
// DSSE envelope holding an evidence attestation. The envelope's signature is
// NOT checked (use ReadItems with keys for that); every record is validated.
func Read(r io.Reader) ([]Record, error) {
	items, err := ReadItems(r, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(items))
	for i, it := range items {
		out[i] = it.Record
	}
	return out, nil
}

// Item is a record as the policy sees it: the record's fields plus whether a
// trusted key signed it and which (key fingerprint, see sign.KeyHint).
type Item struct {
	Record
	Signed bool   `json:"signed"`
	Signer string `json:"signer,omitempty"`
	// FirstParty marks evidence the deciding process produced itself in
	// this run (the gate's own scan, verification and BOM): it needs no
	// signature to be trusted, unlike evidence read from files.
	FirstParty bool `json:"first_party,omitempty"`
	// SignatureError says why an attestation did not count as signed
	// (no trusted key given, or no given key verifies it).
	SignatureError string `json:"signature_error,omitempty"`
	// Source is the file the record came from, for reasons in the decision.
	Source string `json:"source,omitempty"`
}

// ReadItems is Read with signature checking: records from an attestation
// that verifies with one of keys are Signed (Signer is that key's
// fingerprint); plain records and attestations no key verifies are unsigned.
func ReadItems(r io.Reader, keys []TrustedKey) ([]Item, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: file larger than %d bytes", ErrInvalid, MaxFileSize)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrInvalid)
	}
	var recs []Record
	switch data[0] {
	case '[':
		if err := strictUnmarshal(data, &recs); err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("%w: empty array", ErrInvalid)
		}
	case '{':
		var probe struct {
			PayloadType *string `json:"payloadType"`
		}
		if err := json.Unmarshal(data, &probe); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if probe.PayloadType != nil {
			it, err := readEnvelope(data, keys)
			if err != nil {
				return nil, err
			}
			return []Item{it}, nil
		}
		var rec Record
		if err := strictUnmarshal(data, &rec); err != nil {
			return nil, err
		}
		recs = []Record{rec}
	default:
		return nil, fmt.Errorf("%w: not a JSON object or array", ErrInvalid)
	}
	items := make([]Item, len(recs))
	for i, rec := range recs {
		if err := rec.Validate(); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		items[i] = Item{Record: rec}
	}
	return items, nil
}

// strictUnmarshal decodes one JSON value and rejects trailing data.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrInvalid)
	}
	return nil
}

// String renders the subject as name@sha256:<first 12 hex digits>, for messages.
func (s Subject) String() string {
	d := s.SHA256()
	if len(d) > 12 {
		d = d[:12]
	}
	return s.Name + "@sha256:" + d
}

// ValidDigest reports whether hexDigest is a lowercase hex SHA-256.
func ValidDigest(hexDigest string) bool {
	_, err := hex.DecodeString(hexDigest)
	return err == nil && sha256Hex.MatchString(hexDigest)
}

// ReadFile is ReadItems on a file; every item's Source is the path.
func ReadFile(path string, keys []TrustedKey) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := ReadItems(f, keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range items {
		items[i].Source = path
	}
	return items, nil
}
