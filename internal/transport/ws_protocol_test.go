package transport

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Each graphql-transport-ws rule that ends a connection, with the close
// code and reason PROTOCOL.md and graphql-ws's reference server use.
func TestTransportWSCloseCodes(t *testing.T) {
	const sub = `{"id":"1","type":"subscribe","payload":{"query":"subscription { name }"}}`
	tests := []struct {
		name   string
		ws     WebSocket
		proto  []string
		init   bool // complete the handshake first
		send   []string
		code   int
		reason string
	}{
		{name: "unknown message type", init: true, send: []string{`{"type":"bogus"}`},
			code: CloseBadRequest, reason: "Unexpected message of type bogus received"},
		{name: "server message from client", init: true, send: []string{`{"id":"1","type":"next","payload":{}}`},
			code: CloseBadRequest, reason: "Unexpected message of type next"},
		{name: "malformed JSON", init: true, send: []string{`{"type":`},
			code: CloseBadRequest, reason: "not valid JSON"},
		{name: "not an object", send: []string{`[1,2]`},
			code: CloseBadRequest, reason: "must be a JSON object"},
		{name: "missing type", send: []string{`{"payload":{}}`},
			code: CloseBadRequest, reason: "'type'"},
		{name: "subscribe without id", init: true, send: []string{`{"type":"subscribe","payload":{"query":"{ name }"}}`},
			code: CloseBadRequest, reason: "'id'"},
		{name: "subscribe without query", init: true, send: []string{`{"id":"1","type":"subscribe","payload":{}}`},
			code: CloseBadRequest, reason: "'query'"},
		{name: "variables not an object", init: true, send: []string{`{"id":"1","type":"subscribe","payload":{"query":"{ name }","variables":[1]}}`},
			code: CloseBadRequest, reason: "'variables'"},
		{name: "init payload not an object", send: []string{`{"type":"connection_init","payload":"x"}`},
			code: CloseBadRequest, reason: "payload"},
		{name: "subscribe before ack", send: []string{sub},
			code: CloseUnauthorized, reason: "Unauthorized"},
		{name: "init rejected", ws: WebSocket{InitFunc: func(ctx context.Context, _ *http.Request, _ map[string]any) (context.Context, map[string]any, error) {
			return ctx, nil, errors.New("bad token")
		}}, send: []string{`{"type":"connection_init","payload":{"token":"x"}}`},
			code: CloseForbidden, reason: "Forbidden"},
		{name: "no subprotocol", proto: []string{}, code: CloseSubprotocolNotAcceptable, reason: "Subprotocol not acceptable"},
		{name: "unknown subprotocol", proto: []string{"graphql-sse"}, code: CloseSubprotocolNotAcceptable, reason: "Subprotocol not acceptable"},
		{name: "init timeout", ws: WebSocket{InitTimeout: 50 * time.Millisecond},
			code: CloseInitTimeout, reason: "Connection initialisation timeout"},
		{name: "second init", init: true, send: []string{`{"type":"connection_init"}`},
			code: CloseTooManyInitRequests, reason: "Too many initialisation requests"},
		{name: "duplicate active id", init: true, send: []string{sub, sub},
			code: CloseSubscriberExists, reason: "Subscriber for 1 already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNoLeaks(t)
			_, srv := newGQLServer(t, tt.ws)
			proto := tt.proto
			if proto == nil {
				proto = []string{subprotocolTransportWS}
			}
			var w *wsClient
			if tt.init {
				w = initTransportWS(t, srv)
			} else {
				w = dial(t, srv, proto...)
			}
			for _, m := range tt.send {
				w.send(m)
			}
			w.expectClose(tt.code, tt.reason)
		})
	}
}

func TestTransportWSPrefersModernSubprotocol(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	w := dial(t, srv, subprotocolLegacy, subprotocolTransportWS)
	if got := w.c.Subprotocol(); got != subprotocolTransportWS {
		t.Fatalf("negotiated %q; want %q", got, subprotocolTransportWS)
	}
}

func TestWebSocketRejectsCrossOrigin(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	d := websocket.Dialer{Subprotocols: []string{subprotocolTransportWS}}

	_, resp, err := d.Dial(wsURL(srv), http.Header{"Origin": {"https://evil.example"}})
	if err == nil {
		t.Fatal("cross-origin upgrade succeeded")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin upgrade: %v, response %v; want 403", err, resp)
	}
	_ = resp.Body.Close()

	c, resp, err := d.Dial(wsURL(srv), http.Header{"Origin": {srv.URL}})
	if err != nil {
		t.Fatalf("same-origin upgrade: %v", err)
	}
	_ = resp.Body.Close()
	_ = c.Close()
}

func TestWebSocketReadLimit(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{ReadLimit: 64})
	w := initTransportWS(t, srv)
	w.send(`{"type":"ping","payload":{"pad":"` + strings.Repeat("x", 100) + `"}}`)
	w.expectClose(websocket.CloseMessageTooBig, "")
}
