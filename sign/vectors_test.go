package sign

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	vecDir      = "testdata/vectors"
	mtDir       = vecDir + "/model-transparency"
	specDir     = vecDir + "/model-signing-spec/v1.0"
	trustedRoot = vecDir + "/sigstore/trusted-root-public-good.json"
	sigIdentity = "stefanb@us.ibm.com"
	sigIssuer   = "https://sigstore.verify.ibm.com/oauth2"
)

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keyVerifier(t testing.TB) Verifier {
	pub, err := ParsePublicKey(readFile(t, mtDir+"/keys/certificate/signing-key-pub.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return KeyVerifier{Key: pub}
}

func certVerifier(t testing.TB) Verifier {
	roots, err := ParseCertificates(readFile(t, mtDir+"/keys/certificate/ca-cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return CertificateVerifier{Roots: roots}
}

func sigstoreVerifier(t testing.TB, identity, issuer string) Verifier {
	v, err := NewSigstoreVerifier(trustedRoot, identity, issuer)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestPublishedVectors runs the upstream verify invocations of
// model-transparency scripts/tests (see testvectors NOTES.md §1).
func TestPublishedVectors(t *testing.T) {
	for _, tc := range []struct {
		dir    string
		single bool // verify the single file signme-1
		legacy bool
		files  int
	}{
		{dir: "v0.2.0-certificate", legacy: true, files: 2},
		{dir: "v0.3.1-certificate", files: 2},
		{dir: "v0.3.1-elliptic-key", single: true, files: 1},
		{dir: "v0.3.1-sigstore", files: 2},
		{dir: "v1.0.0-certificate", files: 2},
		{dir: "v1.0.0-elliptic-key", single: true, files: 1},
		{dir: "v1.0.0-sigstore", files: 2},
		{dir: "v1.0.1-certificate", files: 2},
		{dir: "v1.0.1-elliptic-key", files: 2},
		{dir: "v1.0.1-sigstore", files: 2},
		{dir: "v1.1.0-certificate", files: 2},
		{dir: "v1.1.0-elliptic-key", files: 2},
		{dir: "v1.1.0-sigstore", files: 2},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			var v Verifier
			switch {
			case strings.HasSuffix(tc.dir, "-certificate"):
				v = certVerifier(t)
			case strings.HasSuffix(tc.dir, "-elliptic-key"):
				v = keyVerifier(t)
			default:
				v = sigstoreVerifier(t, sigIdentity, sigIssuer)
			}
			dir := filepath.Join(mtDir, tc.dir)
			model := dir
			if tc.single {
				model = filepath.Join(dir, "signme-1")
			}
			opts := VerifyOptions{Verifier: v, IgnorePaths: []string{"model.sig"}}
			if _, err := os.Stat(filepath.Join(dir, "ignore-me")); err == nil {
				opts.IgnorePaths = append(opts.IgnorePaths, "ignore-me")
			}
			res, err := Verify(context.Background(), model, readFile(t, filepath.Join(dir, "model.sig")), opts)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if !res.Verified || res.Resources != tc.files || res.Legacy != tc.legacy || res.Method != v.Method() {
				t.Errorf("result = %+v", res)
			}
		})
	}
}

// TestPublishedVectorsRejectWrongTrust checks that each vector fails with a
// precise reason when the trust material or the method is wrong.
func TestPublishedVectorsRejectWrongTrust(t *testing.T) {
	ctx := context.Background()
	dir := mtDir + "/v1.1.0-sigstore"
	opts := func(v Verifier) VerifyOptions {
		return VerifyOptions{Verifier: v, IgnorePaths: []string{"model.sig", "ignore-me"}}
	}
	bundle := readFile(t, dir+"/model.sig")
	if _, err := Verify(ctx, dir, bundle, opts(sigstoreVerifier(t, "someone@example.com", sigIssuer))); !errors.Is(err, ErrSignature) {
		t.Errorf("wrong identity: %v", err)
	}
	if _, err := Verify(ctx, dir, bundle, opts(sigstoreVerifier(t, sigIdentity, "https://accounts.google.com"))); !errors.Is(err, ErrSignature) {
		t.Errorf("wrong issuer: %v", err)
	}
	if _, err := Verify(ctx, dir, bundle, opts(keyVerifier(t))); !errors.Is(err, ErrMethodMismatch) {
		t.Errorf("sigstore bundle as key: %v", err)
	}
	kdir := mtDir + "/v1.1.0-elliptic-key"
	if _, err := Verify(ctx, kdir, readFile(t, kdir+"/model.sig"), opts(certVerifier(t))); !errors.Is(err, ErrMethodMismatch) {
		t.Errorf("key bundle as certificate: %v", err)
	}
	// v1.0.1 records no ignore_paths: without ignoring ignore-me, the extra
	// file is reported by name. (v1.1.0 records it, so it is skipped.)
	kdir = mtDir + "/v1.0.1-elliptic-key"
	_, err := Verify(ctx, kdir, readFile(t, kdir+"/model.sig"), VerifyOptions{Verifier: keyVerifier(t), IgnorePaths: []string{"model.sig"}})
	var me *MismatchError
	if !errors.As(err, &me) || len(me.Extra) != 1 || me.Extra[0] != "ignore-me" {
		t.Errorf("extra file: %v", err)
	}
	// A self-made CA is not the vectors' CA.
	_, _, otherCA := newTestPKI(t, false)
	cdir := mtDir + "/v1.1.0-certificate"
	_, err = Verify(ctx, cdir, readFile(t, cdir+"/model.sig"), VerifyOptions{Verifier: CertificateVerifier{Roots: otherCA}, IgnorePaths: []string{"model.sig", "ignore-me"}})
	if !errors.Is(err, ErrCertificate) || !strings.Contains(err.Error(), "trust anchors") {
		t.Errorf("wrong CA: %v", err)
	}
}

// TestSpecVectors checks ossf/model-signing-spec test-vectors/v1.0.
func TestSpecVectors(t *testing.T) {
	for _, name := range []string{"key", "certificate", "sigstore"} {
		t.Run("valid/"+name, func(t *testing.T) {
			data := readFile(t, specDir+"/valid/"+name+".bundle.json")
			b, err := ParseBundle(data)
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := b.PayloadBytes()
			var v Verifier
			switch name {
			case "key":
				v = keyVerifier(t)
			case "certificate":
				v = certVerifier(t)
			default:
				v = sigstoreVerifier(t, sigIdentity, sigIssuer)
			}
			if _, err := v.VerifySignature(data, b, payload); err != nil {
				t.Fatalf("signature: %v", err)
			}
			if _, err := ParseStatement(payload); err != nil {
				t.Fatalf("statement: %v", err)
			}
		})
	}
	for name, want := range map[string]string{
		"invalid/empty.bundle.json":                         "empty",
		"invalid/missing-envelope.bundle.json":              "no dsseEnvelope",
		"invalid/missing-tlog-entries.bundle.json":          "without tlogEntries",
		"invalid/missing-verification-material.bundle.json": "no verificationMaterial",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseBundle(readFile(t, specDir+"/"+name))
			if !errors.Is(err, ErrBundle) || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want ErrBundle mentioning %q", err, want)
			}
		})
	}
	t.Run("invalid-payload/wrong-predicate", func(t *testing.T) {
		data := readFile(t, specDir+"/invalid-payload/wrong-predicate.bundle.json")
		b, err := ParseBundle(data)
		if err != nil {
			t.Fatalf("bundle level must pass: %v", err)
		}
		payload, _ := b.PayloadBytes()
		if _, err := ParseStatement(payload); !errors.Is(err, ErrStatement) || !strings.Contains(err.Error(), "predicateType") {
			t.Errorf("got %v", err)
		}
	})
}
