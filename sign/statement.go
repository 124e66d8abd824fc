package sign

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/manifest"
)

// Statement and predicate type URIs.
const (
	StatementType   = "https://in-toto.io/Statement/v1"
	PredicateType   = "https://model_signing/signature/v1.0"
	PredicateTypeV0 = "https://model_signing/Digests/v0.1" // v0.2 bundles
)

// The structs below define the canonical form we emit: fields declared in
// lexicographic key order and marshalled without whitespace or HTML
// escaping, which for these value types is byte-identical to RFC 8785 (JCS).
type statement struct {
	Type          string    `json:"_type"`
	Predicate     predicate `json:"predicate"`
	PredicateType string    `json:"predicateType"`
	Subject       []subject `json:"subject"`
}

type subject struct {
	Digest map[string]string `json:"digest"`
	Name   string            `json:"name"`
}

type predicate struct {
	Resources     []resource    `json:"resources"`
	Serialization serialization `json:"serialization"`
}

type resource struct {
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
	Name      string `json:"name"`
}

type serialization struct {
	AllowSymlinks bool     `json:"allow_symlinks"`
	HashType      string   `json:"hash_type"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
	Method        string   `json:"method"`
	ShardSize     int64    `json:"shard_size,omitempty"`
}

// Compat selects the statement form where the OMS v1.0 spec and the Python
// reference (model-signing ≤ 1.1, and the Go port sigstore/model-signing
// v0.0.2, which follows it) disagree. Files-mode bundles of a folder are
// the same in both forms.
type Compat string

const (
	// CompatSpec follows the OMS v1.0 spec and its schema: shard resources
	// carry the plain hash name ("sha256") and a single file is named by
	// its base name. mlsec and spec-conformant verifiers accept it.
	CompatSpec Compat = "oms"
	// CompatPython writes what the reference clients compare against:
	// shard resources "sha256-sharded-<shard_size>" and a single-file model
	// named "." (".:start:end" in shards). The spec schema's algorithm
	// enum rejects the sharded spelling; mlsec accepts both.
	CompatPython Compat = "python"
)

// ParseCompat checks a --compat value ("" means CompatSpec).
func ParseCompat(s string) (Compat, error) {
	switch Compat(s) {
	case "", CompatSpec:
		return CompatSpec, nil
	case CompatPython:
		return CompatPython, nil
	}
	return "", fmt.Errorf("%w: compat %q (want %s or %s)", ErrUnsupported, s, CompatSpec, CompatPython)
}

// NewStatement returns the canonical in-toto statement for a manifest. The
// items must already be in code-point order (manifest.Hash returns them so).
func NewStatement(name string, m *manifest.Manifest, compat Compat) ([]byte, error) {
	if len(m.Items) == 0 {
		return nil, fmt.Errorf("%w: no resources", manifest.ErrNoFiles)
	}
	st := statement{
		Type:          StatementType,
		PredicateType: PredicateType,
		Subject:       []subject{{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(m.RootDigest())}}},
		Predicate: predicate{Serialization: serialization{
			AllowSymlinks: m.AllowSymlinks,
			HashType:      m.Algorithm,
			IgnorePaths:   m.IgnorePaths,
			Method:        "files",
		}},
	}
	alg := m.Algorithm
	if m.ShardSize > 0 {
		st.Predicate.Serialization.Method = "shards"
		st.Predicate.Serialization.ShardSize = m.ShardSize
		if compat == CompatPython {
			alg = fmt.Sprintf("%s-sharded-%d", m.Algorithm, m.ShardSize)
		}
	}
	for _, it := range m.Items {
		rname, err := compatName(it.Name, m, compat)
		if err != nil {
			return nil, err
		}
		st.Predicate.Resources = append(st.Predicate.Resources, resource{Algorithm: alg, Digest: hex.EncodeToString(it.Digest), Name: rname})
	}
	// About 200 bytes a resource: sized once, the buffer never doubles.
	buf := bytes.NewBuffer(make([]byte, 0, 1024+200*len(m.Items)))
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// compatName renames a resource for CompatPython: the reference names a
// single-file model "." and splits shard names on every colon, so a path
// with a colon cannot be verified there in shards mode.
func compatName(name string, m *manifest.Manifest, compat Compat) (string, error) {
	if compat != CompatPython {
		return name, nil
	}
	if m.ShardSize == 0 {
		if m.SingleFile {
			return ".", nil
		}
		return name, nil
	}
	p, start, end, err := manifest.ParseShardName(name)
	if err != nil {
		return "", err
	}
	if strings.Contains(p, ":") {
		return "", fmt.Errorf("%w: --compat python: %q has a colon in its name, which the Python reference cannot parse in shards mode; sign in files mode or rename it", ErrUnsupported, p)
	}
	if m.SingleFile {
		p = "."
	}
	return manifest.ShardName(p, start, end), nil
}

// Payload is a decoded, validated OMS statement.
type Payload struct {
	SubjectName string
	RootDigest  []byte
	// Manifest holds the signed items in document order, with the recorded
	// serialization parameters.
	Manifest *manifest.Manifest
	// Legacy is true for v0.2 (Digests/v0.1) statements.
	Legacy bool
}

// inStatement is the lenient decoding shape: unknown keys are ignored and
// shard_size may be an integer or an integral float.
type inStatement struct {
	Type          string `json:"_type"`
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate *struct {
		Resources []struct {
			Name      string `json:"name"`
			Algorithm string `json:"algorithm"`
			Digest    string `json:"digest"`
		} `json:"resources"`
		Serialization *struct {
			Method        string       `json:"method"`
			HashType      string       `json:"hash_type"`
			AllowSymlinks *bool        `json:"allow_symlinks"`
			ShardSize     *json.Number `json:"shard_size"`
			IgnorePaths   []string     `json:"ignore_paths"`
		} `json:"serialization"`
	} `json:"predicate"`
}

// ParseStatement validates an in-toto statement against the OMS rules and
// checks the root digest (recomputed over resources in document order).
func ParseStatement(data []byte) (*Payload, error) {
	var st inStatement
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: payload is not JSON: %v", ErrStatement, err)
	}
	if st.Type != StatementType {
		return nil, fmt.Errorf("%w: _type %q, want %q", ErrStatement, st.Type, StatementType)
	}
	if st.PredicateType == PredicateTypeV0 {
		return parseLegacy(&st)
	}
	if st.PredicateType != PredicateType {
		return nil, fmt.Errorf("%w: predicateType %q, want %q", ErrStatement, st.PredicateType, PredicateType)
	}
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("%w: %d subjects, want exactly 1", ErrStatement, len(st.Subject))
	}
	root, err := hex.DecodeString(st.Subject[0].Digest["sha256"])
	if err != nil || len(root) != sha256.Size {
		return nil, fmt.Errorf("%w: subject has no valid sha256 digest", ErrStatement)
	}
	if st.Predicate == nil || st.Predicate.Serialization == nil {
		return nil, fmt.Errorf("%w: missing predicate or predicate.serialization", ErrStatement)
	}
	ser := st.Predicate.Serialization
	m := &manifest.Manifest{IgnorePaths: ser.IgnorePaths}
	if ser.AllowSymlinks != nil {
		m.AllowSymlinks = *ser.AllowSymlinks
	}
	m.Algorithm, _ = splitSharded(ser.HashType)
	if _, err := manifest.NewHash(m.Algorithm); err != nil {
		return nil, fmt.Errorf("%w: hash_type: %w", ErrStatement, err)
	}
	switch ser.Method {
	case "files":
	case "shards":
		if ser.ShardSize == nil {
			return nil, fmt.Errorf("%w: shards method without shard_size", ErrStatement)
		}
		f, err := strconv.ParseFloat(ser.ShardSize.String(), 64)
		if err != nil || f <= 0 || f != math.Trunc(f) || f > 1<<53 {
			return nil, fmt.Errorf("%w: shard_size %s is not a positive integer", ErrStatement, ser.ShardSize)
		}
		m.ShardSize = int64(f)
	default:
		return nil, fmt.Errorf("%w: serialization method %q, want files or shards", ErrStatement, ser.Method)
	}
	if len(st.Predicate.Resources) == 0 {
		return nil, fmt.Errorf("%w: no resources", ErrStatement)
	}
	seen := map[string]bool{}
	for _, r := range st.Predicate.Resources {
		alg, _ := splitSharded(r.Algorithm)
		d, err := hex.DecodeString(r.Digest)
		if err != nil || len(d) == 0 || r.Name == "" {
			return nil, fmt.Errorf("%w: resource %q has no valid name and hex digest", ErrStatement, r.Name)
		}
		if alg != m.Algorithm {
			return nil, fmt.Errorf("%w: resource %q uses %q but hash_type is %q", ErrStatement, r.Name, r.Algorithm, ser.HashType)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("%w: resource %q listed twice", ErrStatement, r.Name)
		}
		seen[r.Name] = true
		m.Items = append(m.Items, manifest.Item{Name: r.Name, Digest: d})
	}
	if !bytes.Equal(m.RootDigest(), root) {
		return nil, fmt.Errorf("%w: subject digest does not match the resource digests", ErrStatement)
	}
	return &Payload{SubjectName: st.Subject[0].Name, RootDigest: root, Manifest: m}, nil
}

// parseLegacy reads a v0.2 statement: one subject per file, sha256 only.
func parseLegacy(st *inStatement) (*Payload, error) {
	if len(st.Subject) == 0 {
		return nil, fmt.Errorf("%w: v0.2 statement without subjects", ErrStatement)
	}
	m := &manifest.Manifest{Algorithm: manifest.SHA256}
	for _, s := range st.Subject {
		d, err := hex.DecodeString(s.Digest["sha256"])
		if err != nil || len(d) != sha256.Size || s.Name == "" {
			return nil, fmt.Errorf("%w: v0.2 subject %q has no valid sha256 digest", ErrStatement, s.Name)
		}
		m.Items = append(m.Items, manifest.Item{Name: s.Name, Digest: d})
	}
	return &Payload{RootDigest: m.RootDigest(), Manifest: m, Legacy: true}, nil
}

// splitSharded turns "sha256-sharded-1000" into ("sha256", true).
func splitSharded(alg string) (string, bool) {
	if i := strings.Index(alg, "-sharded-"); i > 0 {
		return alg[:i], true
	}
	return alg, false
}
