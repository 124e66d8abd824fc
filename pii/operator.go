package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// An Operator turns a detected value into what is written instead.
type Operator interface {
	Apply(e Entity, value string) (string, error)
}

// Redact removes the value (Presidio's redact).
type Redact struct{}

// Replace writes Value, or "<ENTITY_TYPE>" when Value is empty (Presidio's
// default operator).
type Replace struct{ Value string }

// Mask replaces every code point but the last KeepLast with Char ('*' when
// zero): "4111 1111 1111 1111" with KeepLast 4 gives "***************1111".
type Mask struct {
	Char     rune
	KeepLast int
}

// Hash writes the hex SHA-256 of the value followed by Salt. Without a salt
// the same value hashes alike everywhere, and a hash of a low-entropy value
// (an SSN has 10^9 possibilities) is reversed by trying them all in
// seconds: unsalted hashing hides nothing from anyone who wants the value.
// With a secret Salt the hash is stable within one deployment and useless
// elsewhere; it is still a plain hash, so prefer Pseudonym, whose key can
// be rotated. (Presidio draws a random salt per value since 2026, which
// makes hashes unjoinable; use Redact for that.)
type Hash struct{ Salt []byte }

// Pseudonym writes a keyed token, "<PERSON_3f9a1c2b7d4e5f60>": the first 64
// bits of HMAC-SHA256 over the entity type and the normalised value. The
// same value gives the same token under one key, so analysts can count and
// join without seeing values, and nobody without the key can test a guess.
// Normalising: e-mail addresses compare in lower case; numbers (phone,
// card, IBAN, SSN) compare by their letters and digits, so "+1 212-555-0100"
// and "+1 (212) 555 0100" give one token.
type Pseudonym struct{ Key *Key }

// Encrypt writes "<ENC:PERSON:...>": AES-256-GCM with a random nonce and the
// entity type as additional data, base64url encoded. Decrypt (or
// DecryptText) with the same key restores the value; without the key the
// token reveals nothing but the value's length.
type Encrypt struct{ Key *Key }

var (
	_ Operator = Redact{}
	_ Operator = Replace{}
	_ Operator = Mask{}
	_ Operator = Hash{}
	_ Operator = Pseudonym{}
	_ Operator = Encrypt{}
)

func (Redact) Apply(Entity, string) (string, error) { return "", nil }

func (o Replace) Apply(e Entity, _ string) (string, error) {
	if o.Value != "" {
		return o.Value, nil
	}
	return "<" + string(e) + ">", nil
}

func (o Mask) Apply(_ Entity, v string) (string, error) {
	c := o.Char
	if c == 0 {
		c = '*'
	}
	n := utf8.RuneCountInString(v)
	keep := min(max(o.KeepLast, 0), n)
	var b strings.Builder
	i := 0
	for _, r := range v {
		if i < n-keep {
			b.WriteRune(c)
		} else {
			b.WriteRune(r)
		}
		i++
	}
	return b.String(), nil
}

func (o Hash) Apply(_ Entity, v string) (string, error) {
	h := sha256.New()
	h.Write([]byte(v))
	h.Write(o.Salt)
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (o Pseudonym) Apply(e Entity, v string) (string, error) {
	if o.Key == nil {
		return "", fmt.Errorf("%w: the pseudonym operator needs a key", ErrKey)
	}
	m := hmac.New(sha256.New, o.Key.mac)
	m.Write([]byte(e))
	m.Write([]byte{0})
	m.Write([]byte(normalise(e, v)))
	return "<" + string(e) + "_" + hex.EncodeToString(m.Sum(nil)[:8]) + ">", nil
}

func normalise(e Entity, v string) string {
	switch e {
	case Email:
		return strings.ToLower(v)
	case Phone, CreditCard, IBAN, USSSN:
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if c := v[i]; isAlnum(c) {
				if isLower(c) {
					c -= 'a' - 'A'
				}
				b.WriteByte(c)
			}
		}
		return b.String()
	}
	return v
}

const encPrefix = "<ENC:"

func (o Encrypt) Apply(e Entity, v string) (string, error) {
	if o.Key == nil {
		return "", fmt.Errorf("%w: the encrypt operator needs a key", ErrKey)
	}
	aead, err := o.Key.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	ct := aead.Seal(nonce, nonce, []byte(v), []byte(e))
	return encPrefix + string(e) + ":" + base64.RawURLEncoding.EncodeToString(ct) + ">", nil
}

func (k *Key) aead() (cipher.AEAD, error) {
	blk, err := aes.NewCipher(k.enc)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// ErrDecrypt is returned for a token that does not decrypt under the key:
// another key, or a token changed in transit.
var ErrDecrypt = errors.New("pii: token does not decrypt with this key")

// Decrypt returns the entity type and value of one "<ENC:TYPE:...>" token.
func Decrypt(k *Key, token string) (Entity, string, error) {
	if k == nil {
		return "", "", fmt.Errorf("%w: decrypting needs a key", ErrKey)
	}
	body, ok := strings.CutPrefix(token, encPrefix)
	if !ok || !strings.HasSuffix(body, ">") {
		return "", "", fmt.Errorf("%w: not an <ENC:...> token", ErrDecrypt)
	}
	typ, data, ok := strings.Cut(strings.TrimSuffix(body, ">"), ":")
	if !ok {
		return "", "", fmt.Errorf("%w: not an <ENC:...> token", ErrDecrypt)
	}
	ct, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	aead, err := k.aead()
	if err != nil {
		return "", "", err
	}
	if len(ct) < aead.NonceSize() {
		return "", "", ErrDecrypt
	}
	pt, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], []byte(typ))
	if err != nil {
		return "", "", ErrDecrypt
	}
	return Entity(typ), string(pt), nil
}

// DecryptText replaces every "<ENC:TYPE:...>" token in text with its value
// and returns how many it replaced. Tokens that do not decrypt under k stay
// as they are; the error then says how many.
func DecryptText(k *Key, text string) (string, int, error) {
	var b strings.Builder
	n, bad := 0, 0
	for {
		i := strings.Index(text, encPrefix)
		if i < 0 {
			b.WriteString(text)
			break
		}
		j := strings.IndexByte(text[i:], '>')
		if j < 0 {
			b.WriteString(text)
			break
		}
		tok := text[i : i+j+1]
		b.WriteString(text[:i])
		if _, v, err := Decrypt(k, tok); err == nil {
			b.WriteString(v)
			n++
		} else {
			b.WriteString(tok)
			bad++
		}
		text = text[i+j+1:]
	}
	if bad > 0 {
		return b.String(), n, fmt.Errorf("%w: %d token(s) left encrypted", ErrDecrypt, bad)
	}
	return b.String(), n, nil
}

// ParseOperator reads an operator spec: redact, replace, replace:TEXT,
// mask, mask:N (keep the last N, default 4), hash, pseudonym, encrypt.
// Salt is used by hash, key by pseudonym and encrypt (which fail without
// one).
func ParseOperator(spec string, key *Key, salt []byte) (Operator, error) {
	name, arg, hasArg := strings.Cut(strings.TrimSpace(spec), ":")
	switch strings.ToLower(name) {
	case "redact":
		return Redact{}, nil
	case "replace":
		return Replace{Value: arg}, nil
	case "mask":
		n := 4
		if hasArg {
			v, err := strconv.Atoi(arg)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("operator %q: mask takes the number of characters to keep, e.g. mask:4", spec)
			}
			n = v
		}
		return Mask{KeepLast: n}, nil
	case "hash":
		return Hash{Salt: salt}, nil
	case "pseudonym", "encrypt":
		if key == nil {
			return nil, fmt.Errorf("operator %q needs a key: give a key file or set %s", spec, DefaultKeyEnv)
		}
		if strings.EqualFold(name, "encrypt") {
			return Encrypt{Key: key}, nil
		}
		return Pseudonym{Key: key}, nil
	}
	return nil, fmt.Errorf("unknown operator %q: use redact, replace[:TEXT], mask[:N], hash, pseudonym or encrypt", spec)
}
