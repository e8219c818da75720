package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// An InitFunc context that ends with a Close cause (the token behind it was
// revoked) ends the connection with that code; one ending otherwise does
// not (a connection's own end cancels it too).
func TestTransportWSSessionCauseClosesTheConnection(t *testing.T) {
	checkNoLeaks(t)
	revoke := make(chan context.CancelCauseFunc, 1)
	init := func(ctx context.Context, _ *http.Request, _ map[string]any) (context.Context, map[string]any, error) {
		ctx, cancel := context.WithCancelCause(ctx)
		revoke <- cancel
		return ctx, nil, nil
	}
	gql, srv := newGQLServer(t, WebSocket{InitFunc: init})
	w := initTransportWS(t, srv)
	w.send(`{"id":"a","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	gql.SendNextSubscriptionMessage()
	w.expect("next", "a")
	(<-revoke)(Close(CloseForbidden, "API token revoked"))
	w.expectClose(CloseForbidden, "API token revoked")

	w = initTransportWS(t, srv)
	(<-revoke)(errors.New("not a close"))
	w.send(`{"type":"ping"}`)
	w.expect("pong", "")
}

// A stream whose request context ends with a *gqlerror.Error cause is told
// why before it ends.
func TestSSECauseEndsTheStreamWithItsError(t *testing.T) {
	checkNoLeaks(t)
	gql := testserver.New()
	gql.AddTransport(SSE{Logger: quietLog})
	revoke := make(chan context.CancelCauseFunc, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancelCause(r.Context())
		revoke <- cancel
		gql.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(srv.Client().CloseIdleConnections)
	_, events := sseGet(t, context.Background(), srv, "subscription { name }")
	gql.SendNextSubscriptionMessage()
	events.expect("next", `{"data":{"name":"test"}}`)
	(<-revoke)(&gqlerror.Error{Message: "API token revoked", Extensions: map[string]any{"code": "UNAUTHENTICATED"}})
	events.expect("next", `{"errors":[{"message":"API token revoked","extensions":{"code":"UNAUTHENTICATED"}}],"data":null}`)
	events.expect("complete", "")
}
