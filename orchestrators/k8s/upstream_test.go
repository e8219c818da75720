package k8s_test

import (
	"bufio"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bcs-io/bcs/orchestrators/k8s"
)

// The proxy's round tripper keeps BCS's credential on every request and
// sends a SPDY upgrade over HTTP/1.1 even when an HTTP/2 connection to the
// API server is already pooled (where it could not be upgraded).
func TestUpstreamUpgradesOverHTTP1(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Upgrade") == "" {
			fmt.Fprint(w, r.Proto)
			return
		}
		if r.ProtoMajor != 1 {
			http.Error(w, "upgrade over "+r.Proto, http.StatusHTTPVersionNotSupported)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n")
		_ = brw.Flush()
	}))
	ts.EnableHTTP2 = true
	ts.StartTLS()
	defer ts.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: c
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %q}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
users: [{name: u, user: {token: secret}}]
`, ts.URL, base64.StdEncoding.EncodeToString(ca))
	o, err := k8s.New([]byte(kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	base, rt, err := o.Upstream()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, base.String()+"/version", nil)
	res, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	proto, _ := bufio.NewReader(res.Body).ReadString('\n')
	res.Body.Close()
	if res.StatusCode != http.StatusOK || proto != "HTTP/2.0" {
		t.Fatalf("plain request: %d %q (want HTTP/2 pooled)", res.StatusCode, proto)
	}
	req, _ = http.NewRequest(http.MethodPost, base.String()+"/api/v1/namespaces/ns/pods/p/exec", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "SPDY/3.1")
	res, err = rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("SPDY upgrade: %d", res.StatusCode)
	}
}
