package registry

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/mlsec/mlsec/internal/keyfile"
)

// Webhook secrets at rest (docs/governance.md "Webhooks"). The server
// needs each secret in clear to sign deliveries, so it cannot store a hash:
// it seals them with AES-256-GCM under a key kept in a file beside the
// audit key (mlsec serve: secrets.key next to audit.key), so a copy of the
// database alone (a backup, a replica, a leaked dump) reveals no secret.

// sealedPrefix marks a sealed secret in the database.
const sealedPrefix = "sealed:v1:"

// secretAAD binds sealed values to their use.
var secretAAD = []byte("mlsec webhook secret v1")

// SecretKeySize is the size of the key WithSecretKey takes.
const SecretKeySize = 32

// WithSecretKey sets the key that seals webhook secrets at rest. Without
// one, CreateWebhook refuses to store a secret (fail closed).
func WithSecretKey(key []byte) Option {
	return func(s *Service) {
		if len(key) != SecretKeySize {
			s.sealErr = fmt.Errorf("secret key: %d bytes, want %d", len(key), SecretKeySize)
			return
		}
		block, err := aes.NewCipher(key)
		if err == nil {
			s.seal, err = cipher.NewGCM(block)
		}
		s.sealErr = err
	}
}

// LoadOrCreateSecretKey reads the secret key file at path (base64 of
// SecretKeySize bytes) or creates it, mode 0600; created reports a new key.
func LoadOrCreateSecretKey(path string) (key []byte, created bool, err error) {
	raw, created, err := keyfile.ReadOrCreate(path, func() ([]byte, error) {
		k := make([]byte, SecretKeySize)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		return []byte(base64.StdEncoding.EncodeToString(k)), nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("secret key: %w", err)
	}
	key, err = base64.StdEncoding.DecodeString(string(raw))
	if err != nil || len(key) != SecretKeySize {
		return nil, false, fmt.Errorf("secret key %s: not base64 of %d bytes", path, SecretKeySize)
	}
	return key, created, nil
}

var errNoSecretKey = errors.New("webhook secrets are sealed at rest and this service has no secret key (registry.WithSecretKey; mlsec serve keeps it in secrets.key beside audit.key)")

func (s *Service) sealSecret(plain string) (string, error) {
	if s.sealErr != nil {
		return "", s.sealErr
	}
	if s.seal == nil {
		return "", errNoSecretKey
	}
	nonce := make([]byte, s.seal.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return sealedPrefix + base64.StdEncoding.EncodeToString(s.seal.Seal(nonce, nonce, []byte(plain), secretAAD)), nil
}

func (s *Service) openSecret(stored string) (string, error) {
	b64, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil // stored before secrets were sealed; SealWebhookSecrets seals it
	}
	if s.seal == nil {
		return "", errNoSecretKey
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	n := s.seal.NonceSize()
	if err != nil || len(raw) < n {
		return "", errors.New("sealed webhook secret: malformed")
	}
	plain, err := s.seal.Open(nil, raw[:n], raw[n:], secretAAD)
	if err != nil {
		return "", errors.New("sealed webhook secret: does not open with this secret key (was secrets.key replaced?)")
	}
	return string(plain), nil
}

// SealWebhookSecrets seals the webhook secrets stored in clear by a server
// before secrets were sealed; it returns how many it sealed.
func (s *Service) SealWebhookSecrets(ctx context.Context) (int, error) {
	n := 0
	err := s.store.Tx(ctx, func(tx Tx) error {
		wt, ok := tx.(WebhookTx)
		if !ok {
			return nil
		}
		var err error
		n, err = wt.RewriteWebhookSecrets(ctx, func(stored string) (string, bool, error) {
			if strings.HasPrefix(stored, sealedPrefix) {
				return stored, false, nil
			}
			sealed, err := s.sealSecret(stored)
			return sealed, err == nil, err
		})
		return err
	})
	return n, err
}
