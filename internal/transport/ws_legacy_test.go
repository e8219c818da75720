package transport

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestLegacyHappyPath(t *testing.T) {
	checkNoLeaks(t)
	gql, srv := newGQLServer(t, WebSocket{})
	w := dial(t, srv, subprotocolLegacy)
	w.send(`{"type":"connection_init","payload":{}}`)
	w.expect("connection_ack", "")
	w.expect("ka", "")

	w.send(`{"id":"1","type":"start","payload":{"query":"subscription { name }"}}`)
	gql.SendNextSubscriptionMessage()
	if m := w.expect("data", "1"); string(m.Payload) != `{"data":{"name":"test"}}` {
		t.Fatalf("data payload %s", m.Payload)
	}
	gql.SendCompleteSubscriptionMessage()
	w.expect("complete", "1")

	// stop ends an operation without further messages for it.
	w.send(`{"id":"2","type":"start","payload":{"query":"subscription { name }"}}`)
	w.send(`{"id":"2","type":"stop"}`)
	w.send(`{"id":"3","type":"start","payload":{"query":"{ name }"}}`)
	w.expect("data", "3")
	w.expect("complete", "3")

	w.send(`{"id":"4","type":"start","payload":{"query":"subscription { nope }"}}`)
	if m := w.expect("error", "4"); !strings.Contains(string(m.Payload), "nope") {
		t.Fatalf("error payload %s", m.Payload)
	}

	w.send(`{"type":"connection_terminate"}`)
	w.expectClose(1000, "")
}

func TestLegacyConnectionError(t *testing.T) {
	checkNoLeaks(t)
	ws := WebSocket{InitFunc: func(ctx context.Context, _ *http.Request, _ map[string]any) (context.Context, map[string]any, error) {
		return ctx, nil, errors.New("invalid token")
	}}
	_, srv := newGQLServer(t, ws)
	w := dial(t, srv, subprotocolLegacy)
	w.send(`{"type":"connection_init","payload":{"authToken":"x"}}`)
	if m := w.expect("connection_error", ""); string(m.Payload) != `{"message":"invalid token"}` {
		t.Fatalf("connection_error payload %s", m.Payload)
	}
	w.expectClose(CloseForbidden, "Forbidden")
}

func TestLegacyUnknownMessage(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	w := dial(t, srv, subprotocolLegacy)
	w.send(`{"type":"subscribe","id":"1"}`) // a graphql-transport-ws message
	w.expect("connection_error", "")
	w.expectClose(CloseBadRequest, "Unexpected message of type subscribe")
}
