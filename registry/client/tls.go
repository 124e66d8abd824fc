package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
)

// TLSFiles name the PEM files of a client's TLS setup: CA replaces the
// system roots with the certificates in it (a registry with a private
// CA); Cert and Key are a client certificate for a server that requires
// one (mlsec serve --tls-client-ca). Empty fields are not used.
type TLSFiles struct {
	CA, Cert, Key string
}

// UseTLS configures the client's transport with f.
func (c *Client) UseTLS(f TLSFiles) error {
	if f == (TLSFiles{}) {
		return nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CA != "" {
		raw, err := os.ReadFile(f.CA)
		if err != nil {
			return fmt.Errorf("CA certificate: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(raw) {
			return fmt.Errorf("CA certificate %s: no PEM certificate in it", f.CA)
		}
		conf.RootCAs = pool
	}
	if (f.Cert == "") != (f.Key == "") {
		return errors.New("a client certificate needs both its certificate and its key file")
	}
	if f.Cert != "" {
		cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return fmt.Errorf("client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	tr, ok := c.HTTP.Transport.(*http.Transport)
	if !ok {
		return fmt.Errorf("client transport %T: cannot set TLS", c.HTTP.Transport)
	}
	tr.TLSClientConfig = conf
	return nil
}
