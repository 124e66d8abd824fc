package sign

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/manifest"
)

// certSpec describes one certificate of a test chain.
type certSpec struct {
	cn                  string
	notBefore, notAfter time.Time
	ca                  bool
	usage               x509.KeyUsage
	eku                 []x509.ExtKeyUsage
}

// issue creates a certificate for spec signed by parent (self-signed when
// parent is nil) and returns it with its key.
func issue(t *testing.T, spec certSpec, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: spec.cn},
		NotBefore: spec.notBefore, NotAfter: spec.notAfter, KeyUsage: spec.usage, ExtKeyUsage: spec.eku,
		IsCA: spec.ca, BasicConstraintsValid: spec.ca,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	must(t, err)
	c, err := x509.ParseCertificate(der)
	must(t, err)
	return c, key
}

// chainPKI is root → intermediate → leaf, each valid now unless changed.
type chainPKI struct {
	root, inter, leaf *x509.Certificate
	leafKey           *ecdsa.PrivateKey
}

func newChain(t *testing.T, interNotAfter time.Time, leafUsage x509.KeyUsage, leafEKU []x509.ExtKeyUsage) chainPKI {
	now := time.Now()
	root, rootKey := issue(t, certSpec{cn: "root", notBefore: now.Add(-72 * time.Hour), notAfter: now.Add(72 * time.Hour), ca: true, usage: x509.KeyUsageCertSign}, nil, nil)
	inter, interKey := issue(t, certSpec{cn: "intermediate", notBefore: now.Add(-72 * time.Hour), notAfter: interNotAfter, ca: true, usage: x509.KeyUsageCertSign}, root, rootKey)
	leaf, leafKey := issue(t, certSpec{cn: "signer", notBefore: now.Add(-1 * time.Hour), notAfter: now.Add(24 * time.Hour), usage: leafUsage, eku: leafEKU}, inter, interKey)
	return chainPKI{root, inter, leaf, leafKey}
}

// TestCertificateSigningChecksTheWholeChain: a bundle nobody can verify is
// refused before signing (issue 10: not just the leaf).
func TestCertificateSigningChecksTheWholeChain(t *testing.T) {
	t.Parallel()
	now := time.Now()
	codeSigning := []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	good := newChain(t, now.Add(48*time.Hour), x509.KeyUsageDigitalSignature, codeSigning)
	if _, err := NewCertificateSigner(good.leafKey, good.leaf, []*x509.Certificate{good.inter, good.root}); err != nil {
		t.Fatalf("valid chain: %v", err)
	}
	if _, err := NewCertificateSigner(good.leafKey, good.leaf, []*x509.Certificate{good.inter}); err != nil {
		t.Fatalf("valid chain without the root: %v", err)
	}
	// The intermediate expired yesterday; the leaf is still valid.
	expired := newChain(t, now.Add(-24*time.Hour), x509.KeyUsageDigitalSignature, codeSigning)
	_, err := NewCertificateSigner(expired.leafKey, expired.leaf, []*x509.Certificate{expired.inter, expired.root})
	if !errors.Is(err, ErrCertExpired) || !strings.Contains(err.Error(), "intermediate") {
		t.Errorf("expired intermediate: %v", err)
	}
	// A chain that does not lead from this leaf.
	other := newChain(t, now.Add(48*time.Hour), x509.KeyUsageDigitalSignature, codeSigning)
	if _, err := NewCertificateSigner(good.leafKey, good.leaf, []*x509.Certificate{other.inter, other.root}); !errors.Is(err, ErrCertificate) {
		t.Errorf("foreign chain: %v", err)
	}
	// A leaf that may not sign.
	noSign := newChain(t, now.Add(48*time.Hour), x509.KeyUsageKeyEncipherment, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})
	if _, err := NewCertificateSigner(noSign.leafKey, noSign.leaf, []*x509.Certificate{noSign.inter}); !errors.Is(err, ErrCertificate) {
		t.Errorf("leaf without digitalSignature or codeSigning: %v", err)
	}
}

// TestVerifierRequiresSigningUsage kills the mutant that drops the
// digitalSignature / codeSigning check (issue 11): such a leaf chains to
// the trusted root and signs correctly, and must still be refused.
func TestVerifierRequiresSigningUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := model(t)
	for _, c := range []struct {
		name  string
		usage x509.KeyUsage
		eku   []x509.ExtKeyUsage
		ok    bool
	}{
		{"neither", x509.KeyUsageKeyEncipherment, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, false},
		{"digitalSignature only", x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, true},
		{"codeSigning only", x509.KeyUsageKeyEncipherment, []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, true},
	} {
		p := newChain(t, time.Now().Add(48*time.Hour), c.usage, c.eku)
		s := &Signer{key: p.leafKey, chain: []*x509.Certificate{p.leaf, p.inter}} // bypasses the signer's own check
		bundle := signModel(t, s, dir, SignOptions{})
		_, err := Verify(ctx, dir, bundle, VerifyOptions{Verifier: CertificateVerifier{Roots: []*x509.Certificate{p.root}}})
		if c.ok && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !c.ok && (!errors.Is(err, ErrCertificate) || !strings.Contains(err.Error(), "neither digitalSignature nor codeSigning")) {
			t.Errorf("%s: %v, want ErrCertificate", c.name, err)
		}
	}
}

// TestDuplicateResourceRefused kills the mutant that drops the duplicate
// check (issue 11): a correctly signed statement whose root digest covers a
// resource listed twice is invalid.
func TestDuplicateResourceRefused(t *testing.T) {
	t.Parallel()
	d := sha256.Sum256([]byte("w"))
	root := sha256.Sum256(append(d[:], d[:]...))
	stmt := `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://model_signing/signature/v1.0",` +
		`"subject":[{"name":"m","digest":{"sha256":"` + hex.EncodeToString(root[:]) + `"}}],` +
		`"predicate":{"serialization":{"method":"files","hash_type":"sha256","allow_symlinks":false},"resources":[` +
		`{"algorithm":"sha256","digest":"` + hex.EncodeToString(d[:]) + `","name":"w.bin"},` +
		`{"algorithm":"sha256","digest":"` + hex.EncodeToString(d[:]) + `","name":"w.bin"}]}}`
	if _, err := ParseStatement([]byte(stmt)); !errors.Is(err, ErrStatement) || !strings.Contains(err.Error(), "listed twice") {
		t.Fatalf("duplicate resource parsed: %v", err)
	}
	// Through Verify, with a valid signature over that statement.
	key, _, _, _ := GenerateKey("")
	sig, err := signPAE(key, []byte(stmt))
	must(t, err)
	hint, _ := KeyHint(&key.PublicKey)
	empty := ""
	b := &Bundle{MediaType: BundleMediaType, VerificationMaterial: &VerificationMaterial{PublicKey: &PublicKeyIdentifier{Hint: hint}},
		DSSEEnvelope: &Envelope{Payload: base64.StdEncoding.EncodeToString([]byte(stmt)), PayloadType: PayloadType,
			Signatures: []Signature{{Sig: base64.StdEncoding.EncodeToString(sig), KeyID: &empty}}}}
	raw, err := b.Marshal()
	must(t, err)
	dir := writeFiles(t, map[string]string{"w.bin": "w"})
	if _, err := Verify(context.Background(), dir, raw, VerifyOptions{Verifier: KeyVerifier{Key: &key.PublicKey}}); !errors.Is(err, ErrStatement) {
		t.Errorf("verify: %v, want ErrStatement", err)
	}
}

// TestCompatPython: --compat python writes what the reference compares
// (sha256-sharded-N, "." for one file); mlsec verifies both forms.
func TestCompatPython(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key, _, _, _ := GenerateKey("")
	s, _ := NewKeySigner(key)
	kv := VerifyOptions{Verifier: KeyVerifier{Key: &key.PublicKey}}
	dir := writeFiles(t, map[string]string{"w.bin": strings.Repeat("x", 20), "c.json": "{}"})
	for _, c := range []struct {
		path      string
		opts      SignOptions
		alg, name string
	}{
		{dir, SignOptions{Hash: manifest.Options{ShardSize: 8}, Compat: CompatPython}, "sha256-sharded-8", "c.json:0:2"},
		{dir, SignOptions{Hash: manifest.Options{ShardSize: 8}}, "sha256", "c.json:0:2"},
		{dir, SignOptions{Hash: manifest.Options{ShardSize: 8, Algorithm: manifest.BLAKE2b}, Compat: CompatPython}, "blake2b-sharded-8", "c.json:0:2"},
		{dir + "/w.bin", SignOptions{Hash: manifest.Options{ShardSize: 8}, Compat: CompatPython}, "sha256-sharded-8", ".:0:8"},
		{dir + "/w.bin", SignOptions{Compat: CompatPython}, "sha256", "."},
		{dir + "/w.bin", SignOptions{}, "sha256", "w.bin"},
		{dir, SignOptions{Compat: CompatPython}, "sha256", "c.json"},
	} {
		bundle := signModel(t, s, c.path, c.opts)
		b, _ := ParseBundle(bundle)
		payload, _ := b.PayloadBytes()
		if !strings.Contains(string(payload), `{"algorithm":"`+c.alg+`","digest":`) || !strings.Contains(string(payload), `"name":"`+c.name+`"}`) ||
			!strings.Contains(string(payload), `"hash_type":"`+strings.Split(c.alg, "-")[0]+`"`) {
			t.Errorf("%+v: payload %s", c.opts, payload)
		}
		if _, err := Verify(ctx, c.path, bundle, kv); err != nil {
			t.Errorf("%+v: mlsec verify: %v", c.opts, err)
		}
	}
	colon := writeFiles(t, map[string]string{"a:b.bin": "x"})
	if _, _, err := s.Sign(ctx, colon, SignOptions{Hash: manifest.Options{ShardSize: 8}, Compat: CompatPython}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("colon in a shard name with compat python: %v", err)
	}
	if _, err := ParseCompat("java"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("bad compat: %v", err)
	}
}
