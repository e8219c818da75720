package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/internal/zkutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pkiForTests is a CA and a certificate it issued for a name no replica
// is reached by: peers must not check names.
type pkiForTests struct {
	caPEM   []byte
	serving tls.Certificate
}

// testPKI's certificate also names 127.0.0.1, where the tests' clients
// reach the replicas.
var testPKIOnce = sync.OnceValues(func() (*pkiForTests, error) { return newTestPKI("replica.bcs.invalid", true) })

func testPKI(t testing.TB) *pkiForTests {
	t.Helper()
	p, err := testPKIOnce()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newTestPKI(name string, loopback bool) (*pkiForTests, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bcs-test-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if loopback {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	return &pkiForTests{
		caPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		serving: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
	}, nil
}

// A peer's certificate must chain to the CA; its names are not checked.
func TestPeerTLSConfig(t *testing.T) {
	p, err := newTestPKI("replica.bcs.invalid", false)
	if err != nil {
		t.Fatal(err)
	}
	other, err := newTestPKI("replica.bcs.invalid", false)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(serving tls.Certificate, caPEM []byte) error {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{serving}}
		srv.StartTLS()
		defer srv.Close()
		cfg, err := PeerTLSConfig(caPEM)
		if err != nil {
			return err
		}
		c, err := tls.Dial("tcp", srv.Listener.Addr().String(), cfg)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(p.serving, p.caPEM); err != nil {
		t.Fatalf("a certificate of the CA, for another name: %v", err)
	}
	if err := dial(other.serving, p.caPEM); err == nil {
		t.Fatal("a certificate of another CA was trusted")
	}
	if err := dial(p.serving, nil); err == nil {
		t.Fatal("the system's roots trusted the test CA")
	}
	if _, err := PeerTLSConfig([]byte("not PEM")); err == nil {
		t.Fatal("a CA file without a certificate was accepted")
	}
}

// Replicas serving HTTPS register curator's sslPort and reach each
// other's agent tunnels over https.
func TestAgentTunnelThroughPeersOverTLS(t *testing.T) {
	kc, _ := kubeClusters(t)
	zk := zookeeper.StartT(t)
	url, err := pg.CreateDatabase(context.Background(), "tunnel_peers_tls")
	if err != nil {
		t.Fatal(err)
	}
	peerTLS, err := PeerTLSConfig(testPKI(t).caPEM)
	if err != nil {
		t.Fatal(err)
	}
	tlsReplica := func(name string) func(*Config) {
		return func(c *Config) { c.Replica, c.ZooKeeper, c.PeerTLS = name, []string{zk.Addr()}, peerTLS }
	}
	a := newEnvWith(t, url, tlsReplica("a"))
	b := newEnvWith(t, url, tlsReplica("b"))
	if !strings.HasPrefix(a.srv.URL, "https://") {
		t.Fatalf("replica a serves %s", a.srv.URL)
	}
	eventually(t, "both replicas registered", func() bool {
		rs, err := b.server.replicas()
		return err == nil && len(rs) == 2
	})
	sess := b.server.zk.Load()
	raw, _, err := sess.Conn.Get(discoveryBase + "/" + discoveryName + "/a")
	if err != nil {
		t.Fatal(err)
	}
	var inst zkutil.ServiceInstance
	if err := json.Unmarshal(raw, &inst); err != nil || inst.SSLPort == nil || inst.Port != nil {
		t.Fatalf("replica a registered %s (%v); want sslPort alone", raw, err)
	}
	if u, _ := inst.BaseURL(); u != a.srv.URL {
		t.Fatalf("replica a is reached at %s; it serves %s", u, a.srv.URL)
	}

	cid := agentOnReplica(t, a, kc)
	eventually(t, "replica b reaching the tunnel through replica a over https", func() bool { return b.server.tunnels.Connected(cid) })
	if op := b.mutateOp(t, applyNamespaceOp, "applyNamespace", map[string]any{"cid": cid, "n": "via-tls-peer"}); op.Status != "SUCCEEDED" {
		t.Fatalf("operation on replica b through a's tunnel: %+v", op)
	}
	t.Cleanup(func() {
		_ = kc.Client.CoreV1().Namespaces().Delete(context.Background(), "via-tls-peer", metav1.DeleteOptions{})
	})
}
