package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// PeerTLSConfig is Config.PeerTLS for replicas serving HTTPS: a peer's
// certificate must chain to caPEM (the system's roots when empty). Its
// names are not checked: replicas find each other by the address they
// advertise in ZooKeeper, which certificates rarely name, and prove who
// they are with the replicas' shared secret besides.
func PeerTLSConfig(caPEM []byte) (*tls.Config, error) {
	roots, err := x509.SystemCertPool()
	if len(caPEM) > 0 {
		roots, err = x509.NewCertPool(), nil
		if !roots.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("peer TLS: no certificate in the CA file")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("peer TLS: system roots: %w", err)
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Verification is VerifyConnection's, without the host name.
		InsecureSkipVerify: true, //nolint:gosec // the chain is verified below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("peer TLS: no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			if err != nil {
				return fmt.Errorf("peer TLS: %w", err)
			}
			return nil
		},
	}, nil
}
