package transport

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Connections that end every way a connection can end leave no goroutine
// behind: operations, writers and readers all stop.
func TestWebSocketNoGoroutineLeaks(t *testing.T) {
	checkNoLeaks(t)
	h := newHub()
	srv := newHubServer(t, h, WebSocket{KeepAlive: -1}, nil)

	const n = 8
	clients := make([]*wsClient, n)
	for i := range clients {
		clients[i] = initTransportWS(t, srv)
		clients[i].send(`{"id":"a","type":"subscribe","payload":{"query":"subscription { events }"}}`)
		clients[i].send(`{"id":"b","type":"subscribe","payload":{"query":"subscription { events }"}}`)
	}
	h.waitSubscribers(t, 2*n)
	h.publish([]byte(`{"events":"x"}`))
	for _, c := range clients {
		c.read()
		c.read()
	}
	for i, c := range clients {
		switch i % 4 {
		case 0: // abrupt: TCP close without a close frame
			_ = c.c.Close()
		case 1: // client completes its operations, then closes normally
			c.send(`{"id":"a","type":"complete"}`)
			c.send(`{"id":"b","type":"complete"}`)
			c.send(`{"type":"ping"}`)
			c.expect("pong", "")
			_ = c.c.WriteMessage(8, []byte{0x03, 0xe8}) // close 1000
		case 2: // protocol violation: the server closes
			c.send(`{"type":"nope"}`)
			c.expectClose(CloseBadRequest, "")
		case 3: // left open: the server's shutdown path (test cleanup)
		}
	}
	h.waitSubscribers(t, 2*(n/4))
}

// The context InitFunc returns is the parent of the connection's
// operations, so resolvers see what authentication put there.
func TestWebSocketInitContextReachesResolvers(t *testing.T) {
	checkNoLeaks(t)
	type userKey struct{}
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { me: String! }`})
	gql := handler.New(&graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			return graphql.OneShot(&graphql.Response{Data: fmt.Appendf(nil, `{"me":%q}`, ctx.Value(userKey{}))})
		},
	})
	gql.AddTransport(WebSocket{Logger: quietLog, InitFunc: func(ctx context.Context, r *http.Request, p map[string]any) (context.Context, map[string]any, error) {
		return context.WithValue(ctx, userKey{}, p["user"]), nil, nil
	}})
	srv := httptest.NewServer(gql)
	t.Cleanup(srv.Close)

	w := dial(t, srv, subprotocolTransportWS)
	w.send(`{"type":"connection_init","payload":{"user":"alice"}}`)
	w.expect("connection_ack", "")
	w.send(`{"id":"1","type":"subscribe","payload":{"query":"{ me }"}}`)
	if m := w.expect("next", "1"); string(m.Payload) != `{"data":{"me":"alice"}}` {
		t.Fatalf("resolver saw %s", m.Payload)
	}
	w.expect("complete", "1")
}

// When the server's lifetime (WebSocket.Context) ends, open sockets are
// closed with 1001 Going Away, which graphql-ws clients retry.
func TestWebSocketServerShutdown(t *testing.T) {
	checkNoLeaks(t)
	h := newHub()
	base, stop := context.WithCancel(context.Background())
	defer stop()
	srv := newHubServer(t, h, WebSocket{Context: base}, nil)
	w := initTransportWS(t, srv)
	w.send(`{"id":"1","type":"subscribe","payload":{"query":"subscription { events }"}}`)
	h.waitSubscribers(t, 1)
	stop()
	w.expectClose(websocket.CloseGoingAway, "server shutting down")
	h.waitSubscribers(t, 0)
}

func TestWebSocketInitFuncPanicClosesWith4500(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{InitFunc: func(context.Context, *http.Request, map[string]any) (context.Context, map[string]any, error) {
		panic("boom")
	}})
	w := dial(t, srv, subprotocolTransportWS)
	w.send(`{"type":"connection_init"}`)
	w.expectClose(CloseInternalError, "Internal server error")
}
