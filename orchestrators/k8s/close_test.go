package k8s_test

import (
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/bcs-io/bcs/orchestrators/k8s"
)

// Close ends the client's idle connections. A client is built per probe
// (every cluster, every health interval); through client-go's wrapping
// round-trippers http.Client.CloseIdleConnections reached nothing, and
// each probe's TLS connection, its HTTP/2 read loop and buffers (about
// 40 KiB) stayed until the transport's 90 s idle timeout.
func TestCloseEndsTheClientsConnections(t *testing.T) {
	var open atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"major":"1","minor":"37","gitVersion":"v1.37.2"}`))
	}))
	ts.EnableHTTP2 = true
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	ts.StartTLS()
	defer ts.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	o, err := k8s.NewForConfig(&rest.Config{Host: ts.URL, TLSClientConfig: rest.TLSClientConfig{CAData: ca}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Clientset().Discovery().ServerVersion(); err != nil {
		t.Fatal(err)
	}
	if open.Load() != 1 {
		t.Fatalf("%d connections open after a request", open.Load())
	}
	_ = o.Close()
	deadline := time.Now().Add(10 * time.Second)
	for open.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open 10 s after Close", open.Load())
		}
		time.Sleep(10 * time.Millisecond) // polling interval, bounded by the deadline
	}
}
