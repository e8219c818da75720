package transport

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// checkNoLeaks fails the test if goroutines started during it are still
// running once its other cleanups (servers, clients) have run.
func checkNoLeaks(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(testTimeout)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Fatalf("goroutines leaked: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:n])
			}
			<-tick.C
		}
	})
}

// newGQLServer serves gqlgen's test schema over the transports in this
// package, in the order the BCS server adds them.
func newGQLServer(t testing.TB, ws WebSocket) (*testserver.TestServer, *httptest.Server) {
	t.Helper()
	if ws.Logger == nil {
		ws.Logger = quietLog
	}
	gql := testserver.New()
	gql.AddTransport(ws)
	gql.AddTransport(SSE{Logger: quietLog})
	gql.AddTransport(HTTP{})
	srv := httptest.NewServer(gql)
	t.Cleanup(srv.Close)
	return gql, srv
}

type wsClient struct {
	t testing.TB
	c *websocket.Conn
}

func wsURL(srv *httptest.Server) string { return "ws" + strings.TrimPrefix(srv.URL, "http") }

// dial opens a websocket with the given subprotocols (none when empty).
func dial(t testing.TB, srv *httptest.Server, protocols ...string) *wsClient {
	t.Helper()
	d := websocket.Dialer{Subprotocols: protocols, HandshakeTimeout: testTimeout}
	c, resp, err := d.Dial(wsURL(srv), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = c.Close() })
	return &wsClient{t: t, c: c}
}

func (w *wsClient) send(raw string) {
	w.t.Helper()
	if err := w.c.WriteMessage(websocket.TextMessage, []byte(raw)); err != nil {
		w.t.Fatalf("send %s: %v", raw, err)
	}
}

type wsMsg struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// read returns the next message, failing on a close or timeout.
func (w *wsClient) read() wsMsg {
	w.t.Helper()
	m, err := w.tryRead()
	if err != nil {
		w.t.Fatalf("read: %v", err)
	}
	return m
}

func (w *wsClient) tryRead() (wsMsg, error) {
	_ = w.c.SetReadDeadline(time.Now().Add(testTimeout))
	_, data, err := w.c.ReadMessage()
	if err != nil {
		return wsMsg{}, err
	}
	var m wsMsg
	if err := json.Unmarshal(data, &m); err != nil {
		return wsMsg{}, errors.New("server sent invalid JSON: " + string(data))
	}
	return m, nil
}

// expect reads the next message and checks its type and id.
func (w *wsClient) expect(typ, id string) wsMsg {
	w.t.Helper()
	m := w.read()
	if m.Type != typ || m.ID != id {
		w.t.Fatalf("got %s id=%q payload=%s; want %s id=%q", m.Type, m.ID, m.Payload, typ, id)
	}
	return m
}

// expectClose reads until the server closes and checks code and reason.
// Keep-alive messages on the way are skipped; anything else fails.
func (w *wsClient) expectClose(code int, reason string) {
	w.t.Helper()
	for {
		m, err := w.tryRead()
		if err == nil {
			if m.Type == "ka" || m.Type == "ping" {
				continue
			}
			w.t.Fatalf("got %s %s before the close; want close %d", m.Type, m.Payload, code)
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			w.t.Fatalf("want close %d %q, got %v", code, reason, err)
		}
		if ce.Code != code || !strings.Contains(ce.Text, reason) {
			w.t.Fatalf("closed with %d %q; want %d %q", ce.Code, ce.Text, code, reason)
		}
		return
	}
}

// initTransportWS runs the graphql-transport-ws handshake.
func initTransportWS(t testing.TB, srv *httptest.Server) *wsClient {
	t.Helper()
	w := dial(t, srv, subprotocolTransportWS)
	w.send(`{"type":"connection_init"}`)
	w.expect("connection_ack", "")
	return w
}

// hub is a test event source: every published payload goes to every
// subscription, and changes in the subscriber count are signalled.
type hub struct {
	block   bool // publish waits for room instead of dropping (benchmarks)
	mu      sync.Mutex
	subs    map[chan []byte]struct{}
	changed chan struct{}
}

func newHub() *hub {
	return &hub{subs: map[chan []byte]struct{}{}, changed: make(chan struct{}, 1)}
}

func (h *hub) subscribe(ctx context.Context) chan []byte {
	ch := make(chan []byte, 128)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	h.signal()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
		h.signal()
	})
	return ch
}

func (h *hub) signal() {
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

// publish hands data to every subscriber; a subscriber with a full
// channel misses it (the transport, not the hub, is under test).
func (h *hub) publish(data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		if h.block {
			ch <- data
			continue
		}
		select {
		case ch <- data:
		default:
		}
	}
}

// waitSubscribers blocks until the hub has n subscribers.
func (h *hub) waitSubscribers(t testing.TB, n int) {
	t.Helper()
	deadline := time.NewTimer(testTimeout)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		got := len(h.subs)
		h.mu.Unlock()
		if got == n {
			return
		}
		select {
		case <-h.changed:
		case <-deadline.C:
			t.Fatalf("hub has %d subscribers; want %d", got, n)
		}
	}
}

// hubSchema is an executable schema whose subscription `events` streams
// what the hub publishes.
func hubSchema(h *hub) graphql.ExecutableSchema {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		type Query { ok: Boolean! }
		type Subscription { events: String! }
	`})
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			if graphql.GetOperationContext(ctx).Operation.Operation != ast.Subscription {
				return graphql.OneShot(&graphql.Response{Data: []byte(`{"ok":true}`)})
			}
			ch := h.subscribe(ctx)
			return func(context.Context) *graphql.Response {
				select {
				case <-ctx.Done():
					return nil
				case data := <-ch:
					return &graphql.Response{Data: data}
				}
			}
		},
	}
}

// newHubServer serves the hub schema over the websocket transport; tune
// may adjust the server (socket buffers) before it starts.
func newHubServer(t testing.TB, h *hub, ws WebSocket, tune func(*httptest.Server)) *httptest.Server {
	t.Helper()
	if ws.Logger == nil {
		ws.Logger = quietLog
	}
	gql := handler.New(hubSchema(h))
	gql.SetQueryCache(lru.New[*ast.QueryDocument](100)) // as the BCS server does
	gql.AddTransport(ws)
	gql.AddTransport(HTTP{})
	srv := httptest.NewUnstartedServer(gql)
	if tune != nil {
		tune(srv)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// smallSocketBuffers shrinks the server's send buffers so a client that
// stops reading backs up into the transport quickly.
func smallSocketBuffers(srv *httptest.Server) {
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetWriteBuffer(16 << 10)
		}
		return ctx
	}
}

// dialSmallBuffer dials with a small receive buffer, for the slow client.
func dialSmallBuffer(t testing.TB, srv *httptest.Server) *wsClient {
	t.Helper()
	d := websocket.Dialer{
		Subprotocols:     []string{subprotocolTransportWS},
		HandshakeTimeout: testTimeout,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(16 << 10)
			}
			return c, err
		},
	}
	c, resp, err := d.Dial(wsURL(srv), http.Header{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = c.Close() })
	return &wsClient{t: t, c: c}
}
