package transport

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTransportWSSubscriptionNextThenComplete(t *testing.T) {
	checkNoLeaks(t)
	gql, srv := newGQLServer(t, WebSocket{})
	w := initTransportWS(t, srv)
	w.send(`{"id":"a","type":"subscribe","payload":{"query":"subscription { name }"}}`)

	for range 2 {
		gql.SendNextSubscriptionMessage()
		m := w.expect("next", "a")
		if got := string(m.Payload); got != `{"data":{"name":"test"}}` {
			t.Fatalf("next payload %s", got)
		}
	}
	gql.SendCompleteSubscriptionMessage()
	w.expect("complete", "a")

	// The id is free again once complete has been seen.
	w.send(`{"id":"a","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	gql.SendNextSubscriptionMessage()
	w.expect("next", "a")
}

func TestTransportWSClientCompleteStopsDelivery(t *testing.T) {
	checkNoLeaks(t)
	gql, srv := newGQLServer(t, WebSocket{})
	w := initTransportWS(t, srv)
	w.send(`{"id":"s","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	gql.SendNextSubscriptionMessage()
	w.expect("next", "s")

	w.send(`{"id":"s","type":"complete"}`)
	w.send(`{"type":"complete","id":"unknown"}`) // ignored, as the protocol allows
	// Nothing for "s" may come between the complete and this pong.
	w.send(`{"type":"ping"}`)
	w.expect("pong", "")

	// The operation is gone: reusing its id is no 4409, and the next event
	// reaches only the new subscription.
	w.send(`{"id":"s","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	gql.SendNextSubscriptionMessage()
	w.expect("next", "s")
	w.send(`{"id":"s","type":"complete"}`)
	w.send(`{"type":"ping"}`)
	w.expect("pong", "")
}

func TestTransportWSValidationErrorHasNoComplete(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	w := initTransportWS(t, srv)
	w.send(`{"id":"bad","type":"subscribe","payload":{"query":"subscription { nope }"}}`)
	m := w.expect("error", "bad")
	var errs []struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(m.Payload, &errs); err != nil || len(errs) == 0 {
		t.Fatalf("error payload %s is not a GraphQLError array: %v", m.Payload, err)
	}
	if !strings.Contains(errs[0].Message, "nope") {
		t.Fatalf("error message %q", errs[0].Message)
	}
	w.send(`{"id":"bad2","type":"subscribe","payload":{"query":"subscription {"}}`)
	w.expect("error", "bad2")

	// No complete follows an error, and the connection stays usable.
	w.send(`{"type":"ping"}`)
	w.expect("pong", "")
}

func TestTransportWSQueryAndMutation(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	w := initTransportWS(t, srv)
	w.send(`{"id":"q","type":"subscribe","payload":{"query":"query Q { name }","operationName":"Q","variables":null}}`)
	if m := w.expect("next", "q"); string(m.Payload) != `{"data":{"name":"test"}}` {
		t.Fatalf("query result %s", m.Payload)
	}
	w.expect("complete", "q")

	w.send(`{"id":"m","type":"subscribe","payload":{"query":"mutation { name }"}}`)
	if m := w.expect("next", "m"); !strings.Contains(string(m.Payload), "mutations are not supported") {
		t.Fatalf("mutation result %s", m.Payload)
	}
	w.expect("complete", "m")
}

func TestTransportWSPingPong(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	w := dial(t, srv, subprotocolTransportWS)
	// Ping and pong are allowed before connection_init.
	w.send(`{"type":"ping","payload":{"n":1}}`)
	if m := w.expect("pong", ""); string(m.Payload) != `{"n":1}` {
		t.Fatalf("pong payload %s; want the ping's", m.Payload)
	}
	w.send(`{"type":"pong"}`) // unsolicited: a one-way heartbeat
	w.send(`{"type":"connection_init"}`)
	w.expect("connection_ack", "")
	w.send(`{"type":"ping"}`)
	if m := w.expect("pong", ""); m.Payload != nil {
		t.Fatalf("pong payload %s; want none", m.Payload)
	}
}

func TestTransportWSKeepAlive(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{KeepAlive: 20 * time.Millisecond})
	w := initTransportWS(t, srv)
	for range 3 {
		w.expect("ping", "")
		w.send(`{"type":"pong"}`)
	}
}

func TestTransportWSInitFuncContextAndAck(t *testing.T) {
	checkNoLeaks(t)
	type userKey struct{}
	var gotAuth, gotToken any
	ws := WebSocket{InitFunc: func(ctx context.Context, r *http.Request, payload map[string]any) (context.Context, map[string]any, error) {
		gotAuth, gotToken = r.Header.Get("Authorization"), payload["token"]
		return context.WithValue(ctx, userKey{}, "alice"), map[string]any{"user": "alice"}, nil
	}}
	_, srv := newGQLServer(t, ws)
	w := dial(t, srv, subprotocolTransportWS)
	w.send(`{"type":"connection_init","payload":{"token":"t0k"}}`)
	if m := w.expect("connection_ack", ""); string(m.Payload) != `{"user":"alice"}` {
		t.Fatalf("ack payload %s", m.Payload)
	}
	if gotToken != "t0k" || gotAuth != "" {
		t.Fatalf("InitFunc saw token %v, authorization %v", gotToken, gotAuth)
	}
}
