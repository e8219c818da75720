package tunnel

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rancher/remotedialer"

	"github.com/bcs-io/bcs/orchestrators"
)

// rig is a BCS-side tunnel server behind a handler that authenticates
// agent keys, an echo server standing for the API server, and an agent.
type rig struct {
	srv      *Server
	http     *httptest.Server
	echo     string // the echo server's real address (the agent's Target)
	mu       sync.Mutex
	keys     map[string]string // agent key -> cluster
	connects atomic.Int32
	refused  atomic.Int32
	conns    *recording
}

// recording remembers the connections it accepted, so that a test can cut
// them all as a crash or a network failure would (httptest forgets
// hijacked connections).
type recording struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *recording) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *recording) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

const allowed = "api.cluster.internal:6443" // what the agent reports; BCS cannot resolve it

func newRig(t testing.TB) *rig {
	t.Helper()
	r := &rig{keys: map[string]string{"k1": "cls_1"}}
	r.srv = NewServer(Options{Log: slog.New(slog.DiscardHandler), Registerer: prometheus.NewRegistry(), Recheck: 50 * time.Millisecond})
	r.http = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		key := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
		check := func(context.Context) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			if _, ok := r.keys[key]; !ok {
				return errors.New("revoked")
			}
			return nil
		}
		if check(req.Context()) != nil {
			r.refused.Add(1)
			http.Error(w, "unknown agent key", http.StatusUnauthorized)
			return
		}
		r.mu.Lock()
		id := r.keys[key]
		r.mu.Unlock()
		r.srv.Serve(w, req, id, check)
	}))
	r.conns = &recording{Listener: r.http.Listener}
	r.http.Listener = r.conns
	r.http.Start()
	t.Cleanup(r.http.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	r.echo = ln.Addr().String()
	return r
}

func (r *rig) agent(t testing.TB, key string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	c := &Client{Server: r.http.URL, Key: key, Allow: allowed, Target: r.echo, Log: slog.New(slog.DiscardHandler),
		BackoffMax: 200 * time.Millisecond, OnConnect: func() { r.connects.Add(1) }}
	go func() { defer close(done); c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func eventually(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// roundTrip sends a line through a connection and reads it back.
func roundTrip(c net.Conn, msg string) (string, error) {
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	b := make([]byte, len(msg))
	_, err := io.ReadFull(c, b)
	return string(b), err
}

func TestDialWithoutTunnelFailsAtOnce(t *testing.T) {
	r := newRig(t)
	start := time.Now()
	_, err := r.srv.Dial("cls_1")(context.Background(), "tcp", allowed)
	if !errors.Is(err, orchestrators.ErrNoTunnel) {
		t.Fatalf("dial without a tunnel: %v, want ErrNoTunnel", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("dial without a tunnel took %s", d)
	}
}

func TestDialThroughTunnel(t *testing.T) {
	r := newRig(t)
	r.agent(t, "k1")
	eventually(t, "the tunnel", func() bool { return r.srv.Connected("cls_1") })
	if r.srv.Connected("cls_2") {
		t.Fatal("another cluster has a tunnel")
	}
	c, err := r.srv.Dial("cls_1")(context.Background(), "tcp", allowed)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, err := roundTrip(c, "hello through the tunnel"); err != nil || got != "hello through the tunnel" {
		t.Fatalf("echo through the tunnel: %q %v", got, err)
	}
	if n := testutil.ToFloat64(r.srv.bytes.WithLabelValues("sent")); n < float64(len("hello through the tunnel")) {
		t.Fatalf("bytes sent counted %v", n)
	}
	if n := testutil.ToFloat64(r.srv.connected); n != 1 {
		t.Fatalf("tunnels connected %v, want 1", n)
	}
}

// The agent dials only the API server address it reported: BCS asking for
// anything else (another port, a metadata address, the real target by its
// own name) fails that connection, and the tunnel stays up.
func TestAgentRefusesOtherAddresses(t *testing.T) {
	r := newRig(t)
	r.agent(t, "k1")
	eventually(t, "the tunnel", func() bool { return r.srv.Connected("cls_1") })
	for _, addr := range []string{r.echo, "169.254.169.254:80", "api.cluster.internal:22", "127.0.0.1:6443"} {
		c, err := r.srv.Dial("cls_1")(context.Background(), "tcp", addr)
		if err == nil {
			// The refusal arrives as the connection's error, on the
			// first read (a write may only see the closed pipe).
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_, err = c.Read(make([]byte, 1))
			c.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "dials only its API server") {
			t.Fatalf("dial through the tunnel to %s: %v, want the agent's refusal", addr, err)
		}
	}
	if !r.srv.Connected("cls_1") || r.connects.Load() != 1 {
		t.Fatalf("the tunnel did not survive refused dials (connected %v, connects %d)", r.srv.Connected("cls_1"), r.connects.Load())
	}
	c, err := r.srv.Dial("cls_1")(context.Background(), "tcp", allowed)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := roundTrip(c, "still works"); err != nil {
		t.Fatal(err)
	}
}

func TestOutsiderGetsNoTunnel(t *testing.T) {
	r := newRig(t)
	r.agent(t, "not-a-key")
	eventually(t, "a few refused attempts", func() bool { return r.refused.Load() >= 2 })
	if r.connects.Load() != 0 || testutil.ToFloat64(r.srv.connected) != 0 || r.srv.Connected("cls_1") || r.srv.Connected("") {
		t.Fatal("an unauthenticated agent got a tunnel")
	}
}

// Drop (the cluster was removed here) closes the session at once; a key
// that stops authenticating loses its tunnel at the next re-check and
// cannot reconnect.
func TestDropAndRevoke(t *testing.T) {
	r := newRig(t)
	r.agent(t, "k1")
	eventually(t, "the tunnel", func() bool { return r.srv.Connected("cls_1") })
	c, err := r.srv.Dial("cls_1")(context.Background(), "tcp", allowed)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	r.srv.Drop("cls_1")
	if _, err := roundTrip(c, "after drop"); err == nil {
		t.Fatal("a connection through a dropped tunnel still works")
	}
	eventually(t, "the agent reconnecting", func() bool { return r.connects.Load() >= 2 && r.srv.Connected("cls_1") })
	if n := testutil.ToFloat64(r.srv.sessions.WithLabelValues("dropped")); n != 1 {
		t.Fatalf("dropped sessions %v, want 1", n)
	}

	r.mu.Lock()
	delete(r.keys, "k1")
	r.mu.Unlock()
	eventually(t, "the revoked tunnel closed", func() bool { return !r.srv.Connected("cls_1") })
	if n := testutil.ToFloat64(r.srv.sessions.WithLabelValues("revoked")); n != 1 {
		t.Fatalf("revoked sessions %v, want 1", n)
	}
	_, err = r.srv.Dial("cls_1")(context.Background(), "tcp", allowed)
	if !errors.Is(err, orchestrators.ErrNoTunnel) {
		t.Fatalf("dial after revocation: %v", err)
	}
}

// The agent reconnects when the socket drops (BCS restarted, a proxy cut
// it) and dials work again.
func TestAgentReconnects(t *testing.T) {
	r := newRig(t)
	r.agent(t, "k1")
	eventually(t, "the tunnel", func() bool { return r.srv.Connected("cls_1") })
	r.conns.cut()
	eventually(t, "the agent reconnecting", func() bool { return r.connects.Load() >= 2 && r.srv.Connected("cls_1") })
	c, err := r.srv.Dial("cls_1")(context.Background(), "tcp", allowed)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := roundTrip(c, "again"); err != nil {
		t.Fatal(err)
	}
}

func TestURLs(t *testing.T) {
	for in, want := range map[string]string{"http://bcs:8080": "ws://bcs:8080" + Path, "https://bcs.example.com/": "wss://bcs.example.com" + Path} {
		if got, err := WebsocketURL(in); err != nil || got != want {
			t.Errorf("WebsocketURL(%q) = %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := WebsocketURL("ftp://x"); err == nil {
		t.Error("ftp accepted")
	}
}

// An agent cannot make BCS dial: a Connect sent the other way through an
// authenticated tunnel ends that tunnel, and nothing is dialled.
func TestAgentCannotMakeBCSDial(t *testing.T) {
	r := newRig(t)
	var accepted atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	wsURL, _ := WebsocketURL(r.http.URL)
	ws, _, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Authorization": {"Bearer k1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	rogue := remotedialer.NewClientSession(func(string, string) bool { return true }, ws)
	served := make(chan struct{})
	go func() { defer close(served); _, _ = rogue.Serve(context.Background()) }()
	eventually(t, "the rogue agent's tunnel", func() bool { return r.srv.Connected("cls_1") })
	if c, err := rogue.Dial(context.Background(), "tcp", ln.Addr().String()); err == nil {
		defer c.Close()
	}
	select { // BCS ends the tunnel
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("BCS kept the tunnel of an agent that asked it to dial")
	}
	eventually(t, "the tunnel gone", func() bool { return !r.srv.Connected("cls_1") })
	if n := accepted.Load(); n != 0 {
		t.Fatalf("BCS dialled %d connections for the agent", n)
	}
}

// One cluster keeps at most MaxPerCluster tunnels: each new one beyond it
// closes the oldest, so a key cannot pile up connections, and a
// reconnecting agent is never locked out by its own stale session.
func TestTunnelsPerClusterAreBounded(t *testing.T) {
	r := newRig(t)
	wsURL, _ := WebsocketURL(r.http.URL)
	var conns []*websocket.Conn
	for i := 0; i < 5; i++ {
		ws, _, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Authorization": {"Bearer k1"}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		conns = append(conns, ws)
		eventually(t, "the new tunnel counted", func() bool {
			return testutil.ToFloat64(r.srv.sessions.WithLabelValues("replaced")) == float64(max(0, i+1-2))
		})
	}
	eventually(t, "2 tunnels left", func() bool { return testutil.ToFloat64(r.srv.connected) == 2 })
	// The oldest were closed by BCS; the newest two are open.
	for i, ws := range conns {
		_ = ws.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		_, _, err := ws.ReadMessage()
		closed := err != nil && !isTimeout(err)
		if closed != (i < 3) {
			t.Fatalf("tunnel %d closed=%v (%v)", i, closed, err)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
