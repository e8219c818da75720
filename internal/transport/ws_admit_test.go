package transport

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Admit runs for every operation: an ordinary error answers that operation
// alone (keeping a gqlerror's extensions), a Close error ends the socket.
func TestTransportWSAdmitEveryOperation(t *testing.T) {
	checkNoLeaks(t)
	var calls atomic.Int32
	admit := func(ctx context.Context) (context.Context, error) {
		switch calls.Add(1) {
		case 1:
			return ctx, nil
		case 2:
			return ctx, &gqlerror.Error{Message: "slow down", Extensions: map[string]any{"code": "RATE_LIMITED"}}
		case 3:
			return ctx, errors.New("plain refusal")
		default:
			return ctx, Close(CloseForbidden, "token revoked")
		}
	}
	gql, srv := newGQLServer(t, WebSocket{Admit: admit})
	w := initTransportWS(t, srv)

	w.send(`{"id":"a","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	gql.SendNextSubscriptionMessage()
	w.expect("next", "a")

	w.send(`{"id":"b","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	if m := w.expect("error", "b"); !strings.Contains(string(m.Payload), `"RATE_LIMITED"`) {
		t.Fatalf("error payload %s lacks its code", m.Payload)
	}
	w.send(`{"id":"c","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	if m := w.expect("error", "c"); !strings.Contains(string(m.Payload), "plain refusal") {
		t.Fatalf("error payload %s", m.Payload)
	}
	w.send(`{"id":"d","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	w.expectClose(CloseForbidden, "token revoked")
	if n := calls.Load(); n != 4 {
		t.Fatalf("Admit ran %d times, want 4", n)
	}
}
