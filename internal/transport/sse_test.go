package transport

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/testserver"
)

type sseEvent struct{ name, data string }

// sseReader parses an event stream; comments (heartbeats) are counted.
type sseReader struct {
	t        *testing.T
	r        *bufio.Reader
	comments int
}

func (s *sseReader) next() (sseEvent, bool) {
	s.t.Helper()
	var ev sseEvent
	seen := false
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, false
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if seen {
				return ev, true
			}
		case strings.HasPrefix(line, ":"):
			s.comments++
		case strings.HasPrefix(line, "event:"):
			ev.name, seen = strings.TrimSpace(strings.TrimPrefix(line, "event:")), true
		case strings.HasPrefix(line, "data:"):
			ev.data, seen = strings.TrimSpace(strings.TrimPrefix(line, "data:")), true
		}
	}
}

// waitComments reads until n comment lines have arrived; an event fails.
func (s *sseReader) waitComments(n int) {
	s.t.Helper()
	for s.comments < n {
		line, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("stream ended after %d comments: %v", s.comments, err)
		}
		switch {
		case strings.HasPrefix(line, ":"):
			s.comments++
		case line != "\n":
			s.t.Fatalf("unexpected line %q", line)
		}
	}
}

func (s *sseReader) expect(name, data string) {
	s.t.Helper()
	ev, ok := s.next()
	if !ok || ev.name != name || (data != "*" && ev.data != data) {
		s.t.Fatalf("got event %q data %q (ok=%v); want %q %q", ev.name, ev.data, ok, name, data)
	}
}

func sseGet(t *testing.T, ctx context.Context, srv *httptest.Server, query string) (*http.Response, *sseReader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"?query="+url.QueryEscape(query), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp, &sseReader{t: t, r: bufio.NewReader(resp.Body)}
}

func TestSSESubscription(t *testing.T) {
	checkNoLeaks(t)
	gql, srv := newGQLServer(t, WebSocket{})
	t.Cleanup(srv.Client().CloseIdleConnections)
	resp, events := sseGet(t, context.Background(), srv, "subscription { name }")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	gql.SendNextSubscriptionMessage()
	events.expect("next", `{"data":{"name":"test"}}`)
	gql.SendNextSubscriptionMessage()
	events.expect("next", `{"data":{"name":"test"}}`)
	gql.SendCompleteSubscriptionMessage()
	events.expect("complete", "")
}

func TestSSEQueryOverPost(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	t.Cleanup(srv.Client().CloseIdleConnections)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"query":"{ name }"}`))
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := &sseReader{t: t, r: bufio.NewReader(resp.Body)}
	events.expect("next", `{"data":{"name":"test"}}`)
	events.expect("complete", "")
}

func TestSSERequestErrors(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	t.Cleanup(srv.Client().CloseIdleConnections)

	// Validation happens before execution: one next with the errors (and
	// no data entry), then complete, on a 200 stream.
	resp, events := sseGet(t, context.Background(), srv, "subscription { nope }")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	ev, _ := events.next()
	if ev.name != "next" || !strings.Contains(ev.data, `"errors"`) || strings.Contains(ev.data, `"data"`) {
		t.Fatalf("validation error event %q %s", ev.name, ev.data)
	}
	events.expect("complete", "")

	// Malformed parameters and mutations over GET are HTTP errors.
	for query, status := range map[string]int{"": http.StatusBadRequest, "mutation { name }": http.StatusMethodNotAllowed} {
		resp, _ := sseGet(t, context.Background(), srv, query)
		if resp.StatusCode != status {
			t.Errorf("query %q: status %d; want %d", query, resp.StatusCode, status)
		}
	}
}

func TestSSEHeartbeatAndDisconnect(t *testing.T) {
	checkNoLeaks(t)
	gql := testserver.New()
	gql.AddTransport(SSE{Heartbeat: 10 * time.Millisecond, Logger: quietLog})
	srv := httptest.NewServer(gql)
	t.Cleanup(srv.Close)
	t.Cleanup(srv.Client().CloseIdleConnections)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, events := sseGet(t, ctx, srv, "subscription { name }")
	events.waitComments(2)
	// Dropping the request must end the operation: the leak check fails
	// if the handler or its producer goroutine lives on.
	cancel()
}
