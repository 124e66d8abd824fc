package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI writes a CA and two certificates it signs, one for the server
// (127.0.0.1) and one for a client, as PEM files in dir.
type testPKI struct{ ca, serverCert, serverKey, clientCert, clientKey, otherCA string }

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	now := time.Now()
	mkCA := func(name string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c, k, der
	}
	ca, caKey, caDER := mkCA("mlsec test CA")
	_, _, otherDER := mkCA("another CA")
	leaf := func(serial int64, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, []byte) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature, IPAddresses: ips}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kd, _ := x509.MarshalECPrivateKey(k)
		return der, kd
	}
	sc, sk := leaf(2, x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	cc, ck := leaf(3, x509.ExtKeyUsageClientAuth, nil)
	return testPKI{ca: write("ca.pem", "CERTIFICATE", caDER), otherCA: write("other-ca.pem", "CERTIFICATE", otherDER),
		serverCert: write("server.pem", "CERTIFICATE", sc), serverKey: write("server.key", "EC PRIVATE KEY", sk),
		clientCert: write("client.pem", "CERTIFICATE", cc), clientKey: write("client.key", "EC PRIVATE KEY", ck)}
}

// TestServeTLS: serve speaks HTTPS with --tls-cert/--tls-key; the CLI
// trusts it with --ca-cert (or MLSEC_CA_CERT) and refuses it without.
// With --tls-client-ca a client without a certificate signed by that CA
// is refused in the handshake, and one with it still needs its token.
func TestServeTLS(t *testing.T) {
	pki := newTestPKI(t)
	t.Run("tls", func(t *testing.T) {
		url, _ := clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"), tlsCert: pki.serverCert, tlsKey: pki.serverKey})
		if !strings.HasPrefix(url, "https://") {
			t.Fatal(url)
		}
		if code, _, errs := runCLI("models"); code != ExitUsage || !strings.Contains(errs, "certificate") || !strings.Contains(errs, "--ca-cert") {
			t.Fatalf("untrusted server: %d %s", code, errs)
		}
		if code, out, errs := runCLI("models", "--ca-cert", pki.ca); code != 0 {
			t.Fatalf("--ca-cert: %d %s %s", code, out, errs)
		}
		t.Setenv("MLSEC_CA_CERT", pki.otherCA)
		if code, _, errs := runCLI("models"); code != ExitUsage || !strings.Contains(errs, "certificate") || !strings.Contains(errs, "--ca-cert") {
			t.Fatalf("another CA: %d %s", code, errs)
		}
		t.Setenv("MLSEC_CA_CERT", pki.ca)
		if code, _, errs := runCLI("models"); code != 0 {
			t.Fatalf("MLSEC_CA_CERT: %d %s", code, errs)
		}
	})
	t.Run("mutual", func(t *testing.T) {
		clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"),
			tlsCert: pki.serverCert, tlsKey: pki.serverKey, tlsClientCA: pki.ca})
		t.Setenv("MLSEC_CA_CERT", pki.ca)
		if code, _, errs := runCLI("models"); code != ExitUsage || !strings.Contains(errs, "certificate") || !strings.Contains(errs, "--ca-cert") {
			t.Fatalf("no client certificate: %d %s", code, errs)
		}
		if code, out, errs := runCLI("models", "--client-cert", pki.clientCert, "--client-key", pki.clientKey); code != 0 {
			t.Fatalf("client certificate: %d %s %s", code, out, errs)
		}
		// The certificate is transport only: no token, no access.
		if code, _, errs := runCLI("models", "--client-cert", pki.clientCert, "--client-key", pki.clientKey, "--token", "mlsec_"+strings.Repeat("0", 64)); code != ExitUsage || !strings.Contains(errs, "401") {
			t.Fatalf("client certificate, bad token: %d %s", code, errs)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for name, o := range map[string]serveOptions{
			"cert without key": {tlsCert: pki.serverCert},
			"client CA alone":  {tlsClientCA: pki.ca},
			"bad CA file":      {tlsCert: pki.serverCert, tlsKey: pki.serverKey, tlsClientCA: pki.serverKey},
		} {
			o.addr, o.dataDir = "127.0.0.1:0", filepath.Join(t.TempDir(), "data")
			err := runServe(t.Context(), o, &syncBuffer{}, nil)
			if err == nil || !strings.Contains(err.Error(), "tls") {
				t.Errorf("%s: %v, want a TLS usage error", name, err)
			}
		}
	})
}

// TestServeWarnsPlainHTTPOffLoopback: a plain-HTTP listener on every
// interface prints a warning; on loopback it does not.
func TestServeWarnsPlainHTTPOffLoopback(t *testing.T) {
	_, stderr := startServeWith(t, serveOptions{addr: "0.0.0.0:0", dataDir: filepath.Join(t.TempDir(), "data")})
	if !strings.Contains(stderr.String(), "WARNING") || !strings.Contains(stderr.String(), "plain HTTP") {
		t.Fatalf("no warning:\n%s", stderr.String())
	}
	_, stderr = startServeWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data")})
	if strings.Contains(stderr.String(), "WARNING") {
		t.Fatalf("warning on loopback:\n%s", stderr.String())
	}
}
