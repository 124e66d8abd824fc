package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
)

// serverTLS builds serve's TLS configuration from --tls-cert, --tls-key
// and --tls-client-ca (nil, nil without a certificate). TLS 1.2 is the
// floor. Client certificates are a transport requirement only: they keep
// out machines without one, while the bearer token still names the
// principal, so revoking a person stays one 'mlsec token revoke' and no
// second identity system grows beside the tokens (docs/registry.md).
func serverTLS(o serveOptions) (*tls.Config, error) {
	switch {
	case o.tlsCert == "" && o.tlsKey == "":
		if o.tlsClientCA != "" {
			return nil, errors.New("--tls-client-ca needs --tls-cert and --tls-key: mutual TLS is TLS")
		}
		return nil, nil
	case o.tlsCert == "" || o.tlsKey == "":
		return nil, errors.New("give both --tls-cert and --tls-key")
	}
	cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if o.tlsClientCA != "" {
		pool, err := readCertPool(o.tlsClientCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca: %w", err)
		}
		c.ClientCAs, c.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return c, nil
}

// readCertPool reads the PEM certificates in path.
func readCertPool(path string) (*x509.CertPool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(raw) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", path)
	}
	return pool, nil
}

// loopback reports whether a listener's address is reachable only from
// this machine.
func loopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
