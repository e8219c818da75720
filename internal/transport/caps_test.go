package transport

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// An InitFunc refusal made with Close keeps its code (a cap's 1013 tells
// clients to retry later), instead of the generic 4403.
func TestTransportWSInitCloseKeepsItsCode(t *testing.T) {
	checkNoLeaks(t)
	init := func(ctx context.Context, _ *http.Request, _ map[string]any) (context.Context, map[string]any, error) {
		return ctx, nil, Close(websocket.CloseTryAgainLater, "too many connections")
	}
	_, srv := newGQLServer(t, WebSocket{InitFunc: init})
	w := dial(t, srv, subprotocolTransportWS)
	w.send(`{"type":"connection_init"}`)
	w.expectClose(websocket.CloseTryAgainLater, "too many connections")
}

// Admit learns how many operations its connection already runs: a
// completed operation no longer counts.
func TestTransportWSAdmitSeesRunningOperations(t *testing.T) {
	checkNoLeaks(t)
	var mu sync.Mutex
	var seen []int
	admit := func(ctx context.Context) (context.Context, error) {
		n, ok := RunningOperations(ctx)
		if !ok {
			t.Error("RunningOperations is not set in Admit")
		}
		mu.Lock()
		seen = append(seen, n)
		mu.Unlock()
		return ctx, nil
	}
	_, srv := newGQLServer(t, WebSocket{Admit: admit})
	w := initTransportWS(t, srv)
	w.send(`{"id":"a","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	w.send(`{"id":"b","type":"subscribe","payload":{"query":"subscription { name }"}}`)
	w.send(`{"id":"a","type":"complete"}`)
	w.send(`{"id":"c","type":"subscribe","payload":{"query":"{ name }"}}`)
	w.expect("next", "c")
	w.expect("complete", "c")
	mu.Lock()
	defer mu.Unlock()
	if want := []int{0, 1, 1}; len(seen) != 3 || seen[0] != want[0] || seen[1] != want[1] || seen[2] != want[2] {
		t.Fatalf("Admit saw %v running operations; want %v", seen, want)
	}
	if _, ok := RunningOperations(context.Background()); ok {
		t.Fatal("RunningOperations set outside Admit")
	}
}

// SSE.Open admits each stream and is told when it ends; a refusal is 429
// with the error's extensions, before the body is read.
func TestSSEOpenCapsStreams(t *testing.T) {
	checkNoLeaks(t)
	var open atomic.Int32
	released := make(chan struct{}, 4)
	gql := testserver.New()
	gql.AddTransport(SSE{Logger: quietLog, Open: func(context.Context) (func(), error) {
		if open.Add(1) > 1 {
			open.Add(-1)
			return nil, &gqlerror.Error{Message: "too many streams", Extensions: map[string]any{"code": "RATE_LIMITED"}}
		}
		return func() { open.Add(-1); released <- struct{}{} }, nil
	}})
	srv := httptest.NewServer(gql)
	t.Cleanup(srv.Close)
	t.Cleanup(srv.Client().CloseIdleConnections)

	ctx, cancel := context.WithCancel(context.Background())
	_, events := sseGet(t, ctx, srv, "subscription { name }")
	gql.SendNextSubscriptionMessage()
	events.expect("next", `{"data":{"name":"test"}}`)

	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"query":"{ name }"}`))
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	var out struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests || json.Unmarshal(body, &out) != nil || len(out.Errors) != 1 ||
		out.Errors[0].Extensions["code"] != "RATE_LIMITED" {
		t.Fatalf("second stream: %d %s", resp.StatusCode, body)
	}

	cancel() // the first stream ends: its slot is released
	<-released
	resp2, events2 := sseGet(t, context.Background(), srv, "subscription { name }")
	if resp2.StatusCode != http.StatusOK {
		t.Fatalf("after release: %d", resp2.StatusCode)
	}
	gql.SendNextSubscriptionMessage()
	events2.expect("next", `{"data":{"name":"test"}}`)
	gql.SendCompleteSubscriptionMessage()
	events2.expect("complete", "")
}
