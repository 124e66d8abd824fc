package evidence

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/dsse"
)

func keyPair(t *testing.T, curve string) (*dsse.Envelope, TrustedKey, Record) {
	t.Helper()
	priv := genKey(t, curve)
	tk, err := NewTrustedKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	rec := records(t)[0]
	env, err := Attest(rec, priv)
	if err != nil {
		t.Fatal(err)
	}
	return env, tk, rec
}

func envJSON(t *testing.T, env *dsse.Envelope) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteEnvelope(&buf, env); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAttestVerifyAllCurves(t *testing.T) {
	t.Parallel()
	for _, curve := range []string{"P-256", "P-384", "P-521"} {
		t.Run(curve, func(t *testing.T) {
			env, tk, rec := keyPair(t, curve)
			if env.PayloadType != PayloadType || *env.Signatures[0].KeyID != tk.ID {
				t.Errorf("envelope header wrong: %+v", env)
			}
			payload, err := base64.StdEncoding.DecodeString(env.Payload)
			if err != nil {
				t.Fatal(err)
			}
			var st map[string]any
			if err := json.Unmarshal(payload, &st); err != nil {
				t.Fatal(err)
			}
			subj := st["subject"].([]any)[0].(map[string]any)
			if st["_type"] != StatementType || st["predicateType"] != SchemaV1 || subj["name"] != "resnet" || subj["digest"].(map[string]any)["sha256"] != digestA {
				t.Errorf("statement wrong: %s", payload)
			}
			got, id, err := VerifyAttestation(envJSON(t, env), []TrustedKey{tk})
			if err != nil || id != tk.ID || got.Type != rec.Type || got.Subject.SHA256() != digestA {
				t.Fatalf("verify = %v, %q, %v", got.Type, id, err)
			}
		})
	}
}

func TestAttestRejectsTamperingAndWrongKey(t *testing.T) {
	t.Parallel()
	env, tk, _ := keyPair(t, "P-256")
	_, other, _ := keyPair(t, "P-256")
	data := envJSON(t, env)
	if _, _, err := VerifyAttestation(data, []TrustedKey{other}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("wrong key: err = %v, want ErrUntrusted", err)
	}
	if _, _, err := VerifyAttestation(data, nil); !errors.Is(err, ErrUntrusted) {
		t.Errorf("no keys: err = %v", err)
	}
	// Several trusted keys: the one that verifies is reported.
	if _, id, err := VerifyAttestation(data, []TrustedKey{other, tk}); err != nil || id != tk.ID {
		t.Errorf("key list: %q, %v", id, err)
	}

	// Change the predicate (critical -> none) keeping the signature.
	payload, _ := base64.StdEncoding.DecodeString(env.Payload)
	forged := bytes.Replace(payload, []byte(`"max_severity":"critical"`), []byte(`"max_severity":"none"`), 1)
	if bytes.Equal(forged, payload) {
		t.Fatal("test payload did not contain the expected field")
	}
	env2 := *env
	env2.Payload = base64.StdEncoding.EncodeToString(forged)
	if _, _, err := VerifyAttestation(envJSON(t, &env2), []TrustedKey{tk}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("tampered payload: err = %v", err)
	}

	// A statement subject that differs from the record's is rejected even
	// before signatures are checked.
	other2 := bytes.Replace(payload, []byte(`"subject":[{"name":"resnet","digest":{"sha256":"`+digestA), []byte(`"subject":[{"name":"resnet","digest":{"sha256":"`+strings.Repeat("0", 64)), 1)
	env3 := *env
	env3.Payload = base64.StdEncoding.EncodeToString(other2)
	if _, _, err := VerifyAttestation(envJSON(t, &env3), []TrustedKey{tk}); !errors.Is(err, ErrInvalid) {
		t.Errorf("subject mismatch: err = %v", err)
	}

	// Wrong payload type.
	env4 := *env
	env4.PayloadType = "application/json"
	if _, _, err := VerifyAttestation(envJSON(t, &env4), []TrustedKey{tk}); !errors.Is(err, ErrInvalid) {
		t.Errorf("payload type: err = %v", err)
	}
}

func TestReadItemsSignedFlag(t *testing.T) {
	t.Parallel()
	env, tk, _ := keyPair(t, "P-256")
	_, other, _ := keyPair(t, "P-384")
	data := envJSON(t, env)

	items, err := ReadItems(bytes.NewReader(data), []TrustedKey{tk})
	if err != nil || len(items) != 1 || !items[0].Signed || items[0].Signer != tk.ID {
		t.Fatalf("trusted: %+v, %v", items, err)
	}
	items, err = ReadItems(bytes.NewReader(data), []TrustedKey{other})
	if err != nil || items[0].Signed || items[0].Signer != "" || items[0].SignatureError == "" {
		t.Fatalf("untrusted key must give an unsigned item: %+v, %v", items, err)
	}
	items, err = ReadItems(bytes.NewReader(data), nil)
	if err != nil || items[0].Signed || !strings.Contains(items[0].SignatureError, "no trusted key") {
		t.Fatalf("no keys: %+v, %v", items, err)
	}
	// Plain records are never signed.
	var buf bytes.Buffer
	_ = Write(&buf, records(t)[1])
	items, err = ReadItems(&buf, []TrustedKey{tk})
	if err != nil || items[0].Signed {
		t.Fatalf("plain record: %+v, %v", items, err)
	}
	// The item marshals flat: record fields plus signed/signer.
	items, _ = ReadItems(bytes.NewReader(data), []TrustedKey{tk})
	out, _ := json.Marshal(items[0])
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	if m["signed"] != true || m["signer"] != tk.ID || m["type"] != "scan" || m["subject"] == nil {
		t.Errorf("item JSON wrong: %s", out)
	}
}

// genKey makes an ECDSA key on the named curve ("P-256", "P-384", "P-521").
func genKey(t testing.TB, curve string) *ecdsa.PrivateKey {
	t.Helper()
	c := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}[curve]
	if c == nil {
		t.Fatalf("unknown curve %q", curve)
	}
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
