package sign

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/manifest"
)

func model(t testing.TB) string {
	root := t.TempDir()
	for name, content := range map[string]string{
		"config.json":           `{"model_type":"bert"}`,
		"weights/model.bin":     strings.Repeat("w", 1000),
		"path with spaces/a.pt": "spaces",
		"模型.bin":                "unicode",
		".hidden":               "dotfile",
		"empty.bin":             "",
		".git/HEAD":             "ignored by default",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return root
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func signModel(t testing.TB, s *Signer, dir string, opts SignOptions) []byte {
	t.Helper()
	b, _, err := s.Sign(context.Background(), dir, opts)
	must(t, err)
	data, err := b.Marshal()
	must(t, err)
	return data
}

// newTestPKI makes a root CA and a code-signing leaf for a P-256 key; if
// expired, the leaf's validity ended yesterday.
func newTestPKI(t testing.TB, expired bool) (*ecdsa.PrivateKey, *x509.Certificate, []*x509.Certificate) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(t, err)
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	notAfter := now.Add(24 * time.Hour)
	if expired {
		notAfter = now.Add(-24 * time.Hour)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "model signer"},
		NotBefore: now.Add(-36 * time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	must(t, err)
	leaf, _ := x509.ParseCertificate(leafDER)
	return key, leaf, []*x509.Certificate{ca}
}

func TestRoundTripAndTamper(t *testing.T) {
	ctx := context.Background()
	key, _, pubPEM, err := GenerateKey("P-256")
	must(t, err)
	pub, err := ParsePublicKey(pubPEM)
	must(t, err)
	s, err := NewKeySigner(key)
	must(t, err)
	kv := KeyVerifier{Key: pub}

	type tamper struct {
		name   string
		modify func(t *testing.T, dir string)
		verify func(dir string) Verifier
		check  func(t *testing.T, err error)
	}
	mismatch := func(missing, extra, changed []string) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var me *MismatchError
			if !errors.As(err, &me) || !errors.Is(err, ErrModelMismatch) {
				t.Fatalf("want MismatchError, got %v", err)
			}
			var ch []string
			for _, c := range me.Changed {
				ch = append(ch, c.Name)
			}
			if strings.Join(me.Missing, ",") != strings.Join(missing, ",") ||
				strings.Join(me.Extra, ",") != strings.Join(extra, ",") || strings.Join(ch, ",") != strings.Join(changed, ",") {
				t.Errorf("diff = missing %v extra %v changed %v", me.Missing, me.Extra, ch)
			}
		}
	}
	isErr := func(target error, msg string) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			if !errors.Is(err, target) || !strings.Contains(err.Error(), msg) {
				t.Errorf("want %v containing %q, got %v", target, msg, err)
			}
		}
	}
	otherKey, _, _, _ := GenerateKey("P-256")
	p384, _, _, _ := GenerateKey("P-384")
	for _, tc := range []tamper{
		{name: "untouched", check: func(t *testing.T, err error) { must(t, err) }},
		{name: "git dir changes are ignored", modify: func(t *testing.T, d string) {
			must(t, os.WriteFile(filepath.Join(d, ".git/HEAD"), []byte("moved"), 0o644))
		}, check: func(t *testing.T, err error) { must(t, err) }},
		{name: "one byte changed", modify: func(t *testing.T, d string) {
			p := filepath.Join(d, "weights/model.bin")
			b, _ := os.ReadFile(p)
			b[500] ^= 1
			must(t, os.WriteFile(p, b, 0o644))
		}, check: mismatch(nil, nil, []string{"weights/model.bin"})},
		{name: "file added", modify: func(t *testing.T, d string) {
			must(t, os.WriteFile(filepath.Join(d, "backdoor.py"), []byte("x"), 0o644))
		}, check: mismatch(nil, []string{"backdoor.py"}, nil)},
		{name: "file deleted", modify: func(t *testing.T, d string) {
			must(t, os.Remove(filepath.Join(d, "empty.bin")))
		}, check: mismatch([]string{"empty.bin"}, nil, nil)},
		{name: "file renamed", modify: func(t *testing.T, d string) {
			must(t, os.Rename(filepath.Join(d, "模型.bin"), filepath.Join(d, "model2.bin")))
		}, check: mismatch([]string{"模型.bin"}, []string{"model2.bin"}, nil)},
		{name: "symlink added", modify: func(t *testing.T, d string) {
			must(t, os.Symlink("config.json", filepath.Join(d, "link.json")))
		}, check: isErr(ErrModelMismatch, "link.json")},
		{name: "wrong key", verify: func(string) Verifier { return KeyVerifier{Key: &otherKey.PublicKey} },
			check: isErr(ErrWrongKey, "the bundle names key")},
		{name: "wrong curve", verify: func(string) Verifier { return KeyVerifier{Key: &p384.PublicKey} },
			check: isErr(ErrWrongKey, "different key")},
		{name: "certificate method requested", verify: func(string) Verifier { return CertificateVerifier{} },
			check: isErr(ErrMethodMismatch, "key material but certificate")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := model(t)
			bundle := signModel(t, s, dir, SignOptions{})
			if tc.modify != nil {
				tc.modify(t, dir)
			}
			v := Verifier(kv)
			if tc.verify != nil {
				v = tc.verify(dir)
			}
			_, err := Verify(ctx, dir, bundle, VerifyOptions{Verifier: v})
			tc.check(t, err)
		})
	}

	t.Run("signature swapped to another model", func(t *testing.T) {
		a, b := model(t), model(t)
		must(t, os.WriteFile(filepath.Join(b, "config.json"), []byte(`{"model_type":"gpt2"}`), 0o644))
		_, err := Verify(ctx, b, signModel(t, s, a, SignOptions{}), VerifyOptions{Verifier: kv})
		mismatch(nil, nil, []string{"config.json"})(t, err)
	})
	t.Run("payload edited after signing", func(t *testing.T) {
		dir := model(t)
		bundle := signModel(t, s, dir, SignOptions{})
		var b Bundle
		must(t, json.Unmarshal(bundle, &b))
		p, _ := b.PayloadBytes()
		p = []byte(strings.Replace(string(p), `"config.json"`, `"config.jsoN"`, 1))
		b.DSSEEnvelope.Payload = base64.StdEncoding.EncodeToString(p)
		edited, _ := b.Marshal()
		_, err := Verify(ctx, dir, edited, VerifyOptions{Verifier: kv})
		if !errors.Is(err, ErrSignature) {
			t.Errorf("got %v", err)
		}
	})
}

func TestSerializationVariants(t *testing.T) {
	ctx := context.Background()
	for _, curve := range []string{"P-256", "P-384", "P-521"} {
		for _, ho := range []manifest.Options{{}, {Algorithm: "blake2b"}, {Algorithm: "blake3"}, {ShardSize: 64}, {ShardSize: 64, Algorithm: "blake2b"}} {
			key, _, _, err := GenerateKey(curve)
			must(t, err)
			s, _ := NewKeySigner(key)
			dir := model(t)
			bundle := signModel(t, s, dir, SignOptions{Hash: ho})
			res, err := Verify(ctx, dir, bundle, VerifyOptions{Verifier: KeyVerifier{Key: &key.PublicKey}, Workers: 3})
			if err != nil || !res.Verified {
				t.Fatalf("%s %+v: %v", curve, ho, err)
			}
			// Appending to the big file changes shard boundaries too.
			f, _ := os.OpenFile(filepath.Join(dir, "weights/model.bin"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("x")
			f.Close()
			if _, err := Verify(ctx, dir, bundle, VerifyOptions{Verifier: KeyVerifier{Key: &key.PublicKey}}); !errors.Is(err, ErrModelMismatch) {
				t.Errorf("%s %+v after append: %v", curve, ho, err)
			}
		}
	}
}

func TestCertificateMethod(t *testing.T) {
	ctx := context.Background()
	key, leaf, roots := newTestPKI(t, false)
	s, err := NewCertificateSigner(key, leaf, nil)
	must(t, err)
	dir := model(t)
	bundle := signModel(t, s, dir, SignOptions{})
	res, err := Verify(ctx, dir, bundle, VerifyOptions{Verifier: CertificateVerifier{Roots: roots}})
	if err != nil || !strings.Contains(res.Signer, "model signer") {
		t.Fatalf("verify: %v %+v", err, res)
	}
	// Expired leaf: signed while valid, checked now.
	ekey, eleaf, eroots := newTestPKI(t, true)
	if _, err := NewCertificateSigner(ekey, eleaf, nil); !errors.Is(err, ErrCertExpired) {
		t.Errorf("signing with an expired certificate: %v, want ErrCertExpired", err)
	}
	es := &Signer{key: ekey, chain: []*x509.Certificate{eleaf}} // as if signed while it was valid
	_, err = Verify(ctx, dir, signModel(t, es, dir, SignOptions{}), VerifyOptions{Verifier: CertificateVerifier{Roots: eroots}})
	if !errors.Is(err, ErrCertExpired) || !errors.Is(err, ErrCertificate) || !strings.Contains(err.Error(), "model signer") {
		t.Errorf("expired: %v", err)
	}
	// Not trusted: other roots.
	_, _, other := newTestPKI(t, false)
	if _, err := Verify(ctx, dir, bundle, VerifyOptions{Verifier: CertificateVerifier{Roots: other}}); !errors.Is(err, ErrCertificate) {
		t.Errorf("untrusted: %v", err)
	}
	// The leaf must certify the signing key.
	if _, err := NewCertificateSigner(key, eleaf, nil); !errors.Is(err, ErrKey) {
		t.Errorf("mismatched leaf: %v", err)
	}
	// The vectors' P-384 key and certificate chain sign a new model that the
	// vectors' CA accepts.
	vkey, err := ParsePrivateKey(readFile(t, mtDir+"/keys/certificate/signing-key.pem"))
	must(t, err)
	vleaf, _ := ParseCertificates(readFile(t, mtDir+"/keys/certificate/signing-key-cert.pem"))
	vint, _ := ParseCertificates(readFile(t, mtDir+"/keys/certificate/int-ca-cert.pem"))
	vs, err := NewCertificateSigner(vkey, vleaf[0], vint)
	must(t, err)
	if _, err := Verify(ctx, dir, signModel(t, vs, dir, SignOptions{}), VerifyOptions{Verifier: certVerifier(t)}); err != nil {
		t.Errorf("vector PKI round trip: %v", err)
	}
}

func TestIgnoreUnsignedAndSingleFile(t *testing.T) {
	ctx := context.Background()
	key, _, _, _ := GenerateKey("")
	s, _ := NewKeySigner(key)
	kv := KeyVerifier{Key: &key.PublicKey}
	dir := model(t)
	bundle := signModel(t, s, dir, SignOptions{Hash: manifest.Options{IgnorePaths: []string{"model.sig"}}})
	must(t, os.WriteFile(filepath.Join(dir, "injected.bin"), []byte("x"), 0o644))
	if _, err := Verify(ctx, dir, bundle, VerifyOptions{Verifier: kv, IgnoreUnsignedFiles: true}); err != nil {
		t.Errorf("ignore unsigned: %v", err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "model.sig"), bundle, 0o644))
	must(t, os.Remove(filepath.Join(dir, "injected.bin")))
	// model.sig is recorded in ignore_paths, so the verifier skips it too.
	if _, err := Verify(ctx, dir, bundle, VerifyOptions{Verifier: kv}); err != nil {
		t.Errorf("recorded ignore: %v", err)
	}
	file := filepath.Join(dir, "weights/model.bin")
	fb := signModel(t, s, file, SignOptions{})
	res, err := Verify(ctx, file, fb, VerifyOptions{Verifier: kv})
	if err != nil || res.SubjectName != "model.bin" {
		t.Errorf("single file: %v %+v", err, res)
	}
}

func TestCanonicalStatement(t *testing.T) {
	m := &manifest.Manifest{Algorithm: "sha256", ShardSize: 8, IgnorePaths: []string{".git"},
		Items: []manifest.Item{{Name: "a:0:8", Digest: []byte{0xab}}, {Name: "a:8:9", Digest: []byte{0xcd}}}}
	got, err := NewStatement("m", m, CompatSpec)
	must(t, err)
	want := `{"_type":"https://in-toto.io/Statement/v1","predicate":{"resources":[{"algorithm":"sha256","digest":"ab","name":"a:0:8"},{"algorithm":"sha256","digest":"cd","name":"a:8:9"}],"serialization":{"allow_symlinks":false,"hash_type":"sha256","ignore_paths":[".git"],"method":"shards","shard_size":8}},"predicateType":"https://model_signing/signature/v1.0","subject":[{"digest":{"sha256":"` +
		"2a5ae00f1bf4c4b5e1bd3b6d0ef8ad3c9f0ec8fdd45a0bd3aa3c2dc7b5d1a4e8" + `"},"name":"m"}]}`
	// The root digest is checked separately; compare everything else.
	p, err := ParseStatement(got)
	must(t, err)
	if string(got[:strings.Index(string(got), `"subject"`)]) != want[:strings.Index(want, `"subject"`)] {
		t.Errorf("canonical form:\n%s", got)
	}
	if p.Manifest.ShardSize != 8 || len(p.Manifest.Items) != 2 {
		t.Errorf("parsed %+v", p.Manifest)
	}
	// Lenient parsing: float shard size, sharded algorithm names, "." name.
	lenient := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"ROOT"}}],
	"predicateType":"https://model_signing/signature/v1.0","predicate":{"serialization":{"method":"shards","hash_type":"sha256-sharded-8",
	"allow_symlinks":true,"shard_size":8.0,"extra":1},"resources":[{"algorithm":"sha256-sharded-8","digest":"ab","name":".:0:8","x":1}]}}`
	root := (&manifest.Manifest{Items: []manifest.Item{{Digest: []byte{0xab}}}}).RootDigest()
	lenient = strings.Replace(lenient, "ROOT", hexs(root), 1)
	if p, err := ParseStatement([]byte(lenient)); err != nil || p.Manifest.ShardSize != 8 || !p.Manifest.AllowSymlinks {
		t.Errorf("lenient: %v", err)
	}
	for name, bad := range map[string]string{
		"root":      strings.Replace(lenient, hexs(root), strings.Repeat("0", 64), 1),
		"shardsize": strings.Replace(lenient, "8.0", "8.5", 1),
		"type":      strings.Replace(lenient, "Statement/v1", "Statement/v0.1", 1),
		"method":    strings.Replace(lenient, `"shards"`, `"blobs"`, 1),
		"hash":      strings.Replace(lenient, `"sha256-sharded-8",`+"\n\t\"allow", `"md5",`+"\n\t\"allow", 1),
		"empty":     strings.Replace(lenient, `{"algorithm":"sha256-sharded-8","digest":"ab","name":".:0:8","x":1}`, ``, 1),
	} {
		if _, err := ParseStatement([]byte(bad)); !errors.Is(err, ErrStatement) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func hexs(b []byte) string { return hex.EncodeToString(b) }

func TestKeyParsing(t *testing.T) {
	for _, c := range []string{"P-256", "P-384", "P-521"} {
		k, priv, pub, err := GenerateKey(c)
		must(t, err)
		k2, err := ParsePrivateKey(priv)
		if err != nil || !k2.Equal(k) {
			t.Errorf("%s private: %v", c, err)
		}
		if p, err := ParsePublicKey(pub); err != nil || !p.Equal(&k.PublicKey) {
			t.Errorf("%s public: %v", c, err)
		}
	}
	if _, _, _, err := GenerateKey("secp256k1"); !errors.Is(err, ErrKey) {
		t.Errorf("bad curve: %v", err)
	}
	if _, err := ParsePrivateKey([]byte("nope")); !errors.Is(err, ErrKey) {
		t.Errorf("garbage: %v", err)
	}
	// The vectors' key file has a certtool text preamble; its hint is known.
	pub, err := ParsePublicKey(readFile(t, mtDir+"/keys/certificate/signing-key-pub.pem"))
	must(t, err)
	if h, _ := KeyHint(pub); h != "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e" {
		t.Errorf("hint = %s", h)
	}
}
