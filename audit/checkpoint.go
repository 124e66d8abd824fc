package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/mlsec/mlsec/internal/keyfile"
)

// Checkpoint is a C2SP tlog-checkpoint body: the log's origin, tree size
// and root hash.
type Checkpoint struct {
	Origin string
	Size   uint64
	Hash   []byte
}

// Marshal returns the checkpoint body: "<origin>\n<size>\n<base64 root>\n".
func (c Checkpoint) Marshal() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash))
}

// ParseCheckpoint parses a checkpoint body. Extension lines after the
// third line are allowed and ignored, as the spec requires.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	s := string(text)
	if !strings.HasSuffix(s, "\n") {
		return Checkpoint{}, errors.New("checkpoint: body must end in a newline")
	}
	lines := strings.SplitN(s, "\n", 4)
	if len(lines) < 4 {
		return Checkpoint{}, errors.New("checkpoint: want origin, size and root hash lines")
	}
	if lines[0] == "" {
		return Checkpoint{}, errors.New("checkpoint: empty origin")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("checkpoint: bad tree size %q", lines[1])
	}
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2]) // one encoding per hash
	if err != nil || len(h) != 32 {
		return Checkpoint{}, fmt.Errorf("checkpoint: bad root hash %q", lines[2])
	}
	return Checkpoint{Origin: lines[0], Size: size, Hash: h}, nil
}

// Signer signs checkpoints with the log's Ed25519 note key. The note key
// name is the log origin.
type Signer struct {
	s    note.Signer
	vkey string
}

// NewSigner parses a note signer key ("PRIVATE+KEY+<name>+<hash>+<key>").
func NewSigner(skey string) (*Signer, error) {
	skey = strings.TrimSpace(skey)
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	// The signer key holds the Ed25519 seed; derive the public key from it.
	parts := strings.SplitN(skey, "+", 5) // PRIVATE+KEY+name+hash+key; base64 may hold '+'
	raw, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("audit key: not an Ed25519 note key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	return &Signer{s: s, vkey: vkey}, nil
}

// Origin returns the log origin (the key name).
func (s *Signer) Origin() string { return s.s.Name() }

// VerifierKey returns the public verifier key ("<name>+<hash>+<key>").
func (s *Signer) VerifierKey() string { return s.vkey }

// Sign returns the signed note of checkpoint c (whose origin must be the
// key name).
func (s *Signer) Sign(c Checkpoint) ([]byte, error) {
	if c.Origin != s.Origin() {
		return nil, fmt.Errorf("checkpoint origin %q is not the key name %q", c.Origin, s.Origin())
	}
	msg, err := note.Sign(&note.Note{Text: string(c.Marshal())}, s.s)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	return msg, nil
}

// Verifier checks checkpoint signatures against one log key.
type Verifier struct {
	v    note.Verifier
	vkey string
}

// NewVerifier parses a note verifier key.
func NewVerifier(vkey string) (*Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("audit verifier key: %w (want the registry's note key: the content of DATA_DIR/audit.key.pub, of the form ORIGIN+HASH+KEY, e.g. mlsec-registry/audit+...)", err)
	}
	return &Verifier{v: v, vkey: vkey}, nil
}

// Origin returns the log origin the key belongs to.
func (v *Verifier) Origin() string { return v.v.Name() }

// Key returns the verifier key string.
func (v *Verifier) Key() string { return v.vkey }

// Open verifies a signed checkpoint note and parses it. The checkpoint's
// origin must be the key name; signatures by other keys are ignored.
func (v *Verifier) Open(msg []byte) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v.v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Origin() {
		return Checkpoint{}, fmt.Errorf("checkpoint origin %q, want %q", c.Origin, v.Origin())
	}
	return c, nil
}

// GenerateKey returns a new Ed25519 note key pair for a log named origin.
func GenerateKey(origin string) (skey, vkey string, err error) {
	skey, vkey, err = note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", "", fmt.Errorf("generate audit key: %w", err)
	}
	return skey, vkey, nil
}

// LoadOrCreateKey reads the signer key at path, or, if the file does not
// exist, generates one for origin and writes it with mode 0600 (and the
// public verifier key next to it as path+".pub"). created reports whether
// the key is new. An existing key file readable by others is refused.
func LoadOrCreateKey(path, origin string) (s *Signer, created bool, err error) {
	var vkey string
	skey, created, err := keyfile.ReadOrCreate(path, func() ([]byte, error) {
		skey, v, err := GenerateKey(origin)
		vkey = v
		return []byte(skey), err
	})
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	if created {
		if err := os.WriteFile(path+".pub", []byte(vkey+"\n"), 0o644); err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
	}
	s, err = NewSigner(string(skey))
	return s, created, err
}

// ParseCheckpointNote parses the body of a signed checkpoint note without
// checking its signature (to learn its size; verify with Verifier.Open).
func ParseCheckpointNote(msg []byte) (Checkpoint, error) {
	i := bytes.Index(msg, []byte("\n\n"))
	if i < 0 {
		return Checkpoint{}, errors.New("checkpoint: not a signed note")
	}
	return ParseCheckpoint(msg[:i+1])
}
