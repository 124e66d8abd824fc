package pii_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/pii"
)

func testKey(t *testing.T, material string) *pii.Key {
	t.Helper()
	k, err := pii.NewKey([]byte(material))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestOperators(t *testing.T) {
	t.Parallel()
	cases := []struct {
		op   pii.Operator
		want string
	}{
		{pii.Redact{}, ""},
		{pii.Replace{}, "<CREDIT_CARD>"},
		{pii.Replace{Value: "[card]"}, "[card]"},
		{pii.Mask{KeepLast: 4}, "***************1111"},
		{pii.Mask{Char: '#', KeepLast: 100}, "4111 1111 1111 1111"},
		{pii.Mask{}, "*******************"},
	}
	for _, c := range cases {
		got, err := c.op.Apply(pii.CreditCard, "4111 1111 1111 1111")
		if err != nil || got != c.want {
			t.Errorf("%T: got %q, %v; want %q", c.op, got, err, c.want)
		}
	}
	h1, _ := pii.Hash{}.Apply(pii.CreditCard, "x")
	h2, _ := pii.Hash{Salt: []byte("0123456789abcdef")}.Apply(pii.CreditCard, "x")
	if len(h1) != 64 || h1 == h2 || h1 != "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" {
		t.Errorf("hash %q / salted %q", h1, h2)
	}
	// Mask counts code points, not bytes.
	if got, _ := (pii.Mask{KeepLast: 2}).Apply(pii.Person, "Jürgen"); got != "****en" {
		t.Errorf("mask %q", got)
	}
}

func TestPseudonym(t *testing.T) {
	t.Parallel()
	k1, k2 := testKey(t, "key-one-0123456789"), testKey(t, "key-two-0123456789")
	p1, p2 := pii.Pseudonym{Key: k1}, pii.Pseudonym{Key: k2}
	a, _ := p1.Apply(pii.Email, "Ana@Example.com")
	b, _ := p1.Apply(pii.Email, "ana@example.com")
	c, _ := p2.Apply(pii.Email, "ana@example.com")
	d, _ := p1.Apply(pii.Person, "ana@example.com")
	if a != b {
		t.Errorf("same value, same key: %q vs %q", a, b)
	}
	if a == c {
		t.Errorf("another key gave the same token %q", a)
	}
	if a == d {
		t.Errorf("the entity type is part of the token")
	}
	if !strings.HasPrefix(a, "<EMAIL_ADDRESS_") || len(a) != len("<EMAIL_ADDRESS_>")+16 {
		t.Errorf("token shape %q", a)
	}
	e, _ := p1.Apply(pii.Phone, "+1 212-736-5000")
	f, _ := p1.Apply(pii.Phone, "+1 (212) 736 5000")
	if e != f {
		t.Errorf("phone numbers differing in punctuation: %q vs %q", e, f)
	}
	if _, err := (pii.Pseudonym{}).Apply(pii.Email, "x"); !errors.Is(err, pii.ErrKey) {
		t.Errorf("no key: %v", err)
	}
}

func TestEncryptDecrypt(t *testing.T) {
	t.Parallel()
	k := testKey(t, "correct horse battery staple")
	other := testKey(t, "another key entirely, 32 bytes!!")
	enc := pii.Encrypt{Key: k}
	tok1, err := enc.Apply(pii.Person, "Maria Schmidt")
	if err != nil {
		t.Fatal(err)
	}
	tok2, _ := enc.Apply(pii.Person, "Maria Schmidt")
	if tok1 == tok2 {
		t.Error("two encryptions of one value are equal: the nonce is not random")
	}
	if strings.Contains(tok1, "Maria") || !strings.HasPrefix(tok1, "<ENC:PERSON:") {
		t.Errorf("token %q", tok1)
	}
	e, v, err := pii.Decrypt(k, tok1)
	if err != nil || e != pii.Person || v != "Maria Schmidt" {
		t.Errorf("decrypt: %v %q %v", e, v, err)
	}
	if _, _, err := pii.Decrypt(other, tok1); !errors.Is(err, pii.ErrDecrypt) {
		t.Errorf("wrong key: %v", err)
	}
	// The entity type is authenticated: relabelling the token fails.
	if _, _, err := pii.Decrypt(k, strings.Replace(tok1, "PERSON", "EMAIL_ADDRESS", 1)); !errors.Is(err, pii.ErrDecrypt) {
		t.Errorf("relabelled token decrypted: %v", err)
	}
	text := "a " + tok1 + " b " + tok2 + " c"
	out, n, err := pii.DecryptText(k, text)
	if err != nil || n != 2 || out != "a Maria Schmidt b Maria Schmidt c" {
		t.Errorf("DecryptText: %q %d %v", out, n, err)
	}
	out, n, err = pii.DecryptText(other, text)
	if !errors.Is(err, pii.ErrDecrypt) || n != 0 || out != text {
		t.Errorf("DecryptText with the wrong key: %q %d %v", out, n, err)
	}
}

// TestKeyNeverPrinted: every way a key can reach a log prints "[redacted]".
func TestKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	material := "super-secret-key-material-0001"
	k := testKey(t, material)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%v %+v %#v %s %q %x", k, k, k, k, k, k)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "key", k, "op", pii.Pseudonym{Key: k})
	fmt.Fprintf(&buf, "%v %+v", pii.Encrypt{Key: k}, pii.Pseudonym{Key: k})
	if strings.Contains(buf.String(), material) || strings.Contains(buf.String(), "super") {
		t.Fatalf("key material printed: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "[redacted]") {
		t.Fatalf("expected [redacted] in %s", buf.String())
	}
}

func TestKeySources(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k")
	if err := os.WriteFile(p, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k1, err := pii.LoadKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_PII_KEY", "0123456789abcdef0123")
	k2, err := pii.KeyFromEnv("TEST_PII_KEY")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := pii.Pseudonym{Key: k1}.Apply(pii.Email, "a@b.co")
	b, _ := pii.Pseudonym{Key: k2}.Apply(pii.Email, "a@b.co")
	if a != b {
		t.Error("the file (with its trailing newline) and the variable hold the same key")
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("tooshort"), 0o600)
	if _, err := pii.LoadKeyFile(short); !errors.Is(err, pii.ErrKey) || strings.Contains(err.Error(), "tooshort") {
		t.Errorf("short key: %v", err)
	}
	if _, err := pii.KeyFromEnv("TEST_PII_KEY_UNSET"); !errors.Is(err, pii.ErrKey) {
		t.Errorf("unset variable: %v", err)
	}
}

func TestParseOperator(t *testing.T) {
	t.Parallel()
	k := testKey(t, "0123456789abcdef")
	for spec, want := range map[string]string{
		"redact": "", "replace": "<PERSON>", "replace:[name]": "[name]", "mask": "*aria", "mask:1": "****a",
	} {
		op, err := pii.ParseOperator(spec, nil, nil)
		if err != nil {
			t.Fatal(spec, err)
		}
		if got, _ := op.Apply(pii.Person, "Maria"); got != want {
			t.Errorf("%s: %q, want %q", spec, got, want)
		}
	}
	for _, spec := range []string{"pseudonym", "encrypt"} {
		if _, err := pii.ParseOperator(spec, nil, nil); err == nil {
			t.Errorf("%s without a key accepted", spec)
		}
		if _, err := pii.ParseOperator(spec, k, nil); err != nil {
			t.Errorf("%s: %v", spec, err)
		}
	}
	for _, spec := range []string{"mask:x", "mask:-1", "shred"} {
		if _, err := pii.ParseOperator(spec, k, nil); err == nil {
			t.Errorf("%s accepted", spec)
		}
	}
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	k := testKey(t, "0123456789abcdef")
	r, err := pii.NewRedactor(defaultAnalyzer, nil, map[pii.Entity]pii.Operator{
		pii.CreditCard: pii.Mask{KeepLast: 4},
		pii.Email:      pii.Pseudonym{Key: k},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, spans, err := r.Redact("Card 4111 1111 1111 1111, mail ana@example.com, IBAN GB82WEST12345698765432.")
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := pii.Pseudonym{Key: k}.Apply(pii.Email, "ana@example.com")
	want := "Card ***************1111, mail " + tok + ", IBAN <IBAN_CODE>."
	if out != want || len(spans) != 3 {
		t.Errorf("got %q (%d spans), want %q", out, len(spans), want)
	}
	if _, err := pii.NewRedactor(nil, nil, nil); !errors.Is(err, pii.ErrConfig) {
		t.Errorf("nil analyzer: %v", err)
	}
	// An operator error yields no text at all.
	bad, _ := pii.NewRedactor(defaultAnalyzer, pii.Encrypt{}, nil)
	if out, _, err := bad.Redact("mail ana@example.com"); err == nil || out != "" {
		t.Errorf("operator error: %q, %v", out, err)
	}
}
