package dsse

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
)

func TestPAE(t *testing.T) {
	t.Parallel()
	// The example of the DSSE v1 protocol description.
	got := string(PAE("http://example.com/HelloWorld", []byte("hello world")))
	want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"
	if got != want {
		t.Fatalf("PAE = %q, want %q", got, want)
	}
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		key, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := ecdsa.GenerateKey(c, rand.Reader)
		payload := []byte(`{"x":1}`)
		sig, err := Sign(key, "application/vnd.in-toto+json", payload)
		if err != nil {
			t.Fatal(err)
		}
		env := &Envelope{PayloadType: "application/vnd.in-toto+json", Payload: base64.StdEncoding.EncodeToString(payload),
			Signatures: []Signature{{Sig: "not base64!"}, {Sig: base64.RawStdEncoding.EncodeToString(sig)}}}
		if err := Verify(&key.PublicKey, env, payload); err != nil {
			t.Errorf("%s: valid signature (unpadded, after a junk one) refused: %v", c.Params().Name, err)
		}
		if err := Verify(&other.PublicKey, env, payload); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: other key accepted: %v", c.Params().Name, err)
		}
		if err := Verify(&key.PublicKey, env, []byte(`{"x":2}`)); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: changed payload accepted: %v", c.Params().Name, err)
		}
		env.PayloadType = "text/plain"
		if err := Verify(&key.PublicKey, env, payload); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: changed payload type accepted: %v", c.Params().Name, err)
		}
	}
}

func TestUnsupportedCurve(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if _, err := Sign(key, "t", nil); !errors.Is(err, ErrKey) {
		t.Errorf("P-224 accepted: %v", err)
	}
}

func TestKeyHintIsSHA256OfPEM(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	h, err := KeyHint(&key.PublicKey)
	if err != nil || len(h) != 64 {
		t.Fatalf("KeyHint = %q, %v", h, err)
	}
	h2, _ := KeyHint(&key.PublicKey)
	if h != h2 {
		t.Error("KeyHint not deterministic")
	}
}
