package pii

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// DefaultKeyEnv is the environment variable KeyFromEnv reads by default.
const DefaultKeyEnv = "MLSEC_PII_KEY"

// MinKeyBytes is the shortest key material accepted.
const MinKeyBytes = 16

// ErrKey is wrapped by every error about a missing or unusable key.
var ErrKey = errors.New("pii key")

// A Key is the secret behind the pseudonym and encrypt operators. Two
// independent 256-bit keys are derived from its material with HKDF-SHA256
// (one for HMAC pseudonyms, one for AES-GCM), so a pseudonym never reveals
// anything about the encryption key. A Key never prints its material: its
// String, GoString, text, JSON and slog forms are "[redacted]".
type Key struct {
	mac, enc []byte
}

// NewKey derives a Key from secret material of at least MinKeyBytes bytes
// (for example 32 random bytes, or their hex or base64 text).
func NewKey(material []byte) (*Key, error) {
	if len(material) < MinKeyBytes {
		return nil, fmt.Errorf("%w: %d bytes of key material, need at least %d (e.g. 'head -c 32 /dev/urandom | base64')", ErrKey, len(material), MinKeyBytes)
	}
	mac, err := hkdf.Key(sha256.New, material, nil, "mlsec pii pseudonym v1", 32)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	enc, err := hkdf.Key(sha256.New, material, nil, "mlsec pii encrypt v1", 32)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	return &Key{mac: mac, enc: enc}, nil
}

// LoadKeyFile reads key material from a file; surrounding white space (a
// trailing newline) is not part of the key. The error names the file, never
// its content.
func LoadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read key file: %v", ErrKey, err)
	}
	k, err := NewKey([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}

// KeyFromEnv reads key material from the environment variable name
// (DefaultKeyEnv when empty).
func KeyFromEnv(name string) (*Key, error) {
	if name == "" {
		name = DefaultKeyEnv
	}
	v, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(v) == "" {
		return nil, fmt.Errorf("%w: environment variable %s is not set", ErrKey, name)
	}
	k, err := NewKey([]byte(strings.TrimSpace(v)))
	if err != nil {
		return nil, fmt.Errorf("environment variable %s: %w", name, err)
	}
	return k, nil
}

const redactedKey = "[redacted]"

func (k *Key) String() string                { return redactedKey }
func (k *Key) GoString() string              { return redactedKey }
func (k *Key) MarshalText() ([]byte, error)  { return []byte(redactedKey), nil }
func (k *Key) LogValue() slog.Value          { return slog.StringValue(redactedKey) }
func (k *Key) Format(f fmt.State, verb rune) { f.Write([]byte(redactedKey)) }

var (
	_ fmt.Stringer   = (*Key)(nil)
	_ fmt.GoStringer = (*Key)(nil)
	_ fmt.Formatter  = (*Key)(nil)
	_ slog.LogValuer = (*Key)(nil)
)
