package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
)

// shareAll shares every subscription whose document mentions events,
// keyed by the document, as a server's Key would.
func shareAll() *Sharing {
	return NewSharing(func(_ context.Context, rc *graphql.OperationContext) string {
		if !strings.Contains(rc.RawQuery, "events") {
			return ""
		}
		return rc.RawQuery
	})
}

// waitShared polls until sh runs groups shared executions with members
// members in all.
func waitShared(t testing.TB, sh *Sharing, groups, members int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		g, m := sh.Groups(), sh.Members()
		if g == groups && m == members {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d shared executions with %d members; want %d with %d", g, m, groups, members)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// Identical subscriptions on different connections and protocols share one
// execution: the source sees one subscriber, each member gets every event
// under its own id and in its own dialect, and the execution ends with its
// last member.
func TestWebSocketSharedExecution(t *testing.T) {
	checkNoLeaks(t)
	h := newHub()
	sh := shareAll()
	srv := newHubServer(t, h, WebSocket{Share: sh}, nil)

	a := initTransportWS(t, srv)
	a.send(`{"id":"a","type":"subscribe","payload":{"query":"subscription { events }"}}`)
	h.waitSubscribers(t, 1)
	b := initTransportWS(t, srv)
	b.send(`{"id":"b","type":"subscribe","payload":{"query":"subscription { events }"}}`)
	legacy := dial(t, srv, subprotocolLegacy)
	legacy.send(`{"type":"connection_init","payload":{}}`)
	legacy.expect("connection_ack", "")
	legacy.expect("ka", "")
	legacy.send(`{"id":"l","type":"start","payload":{"query":"subscription { events }"}}`)
	// A different document runs alone.
	other := initTransportWS(t, srv)
	other.send(`{"id":"o","type":"subscribe","payload":{"query":"subscription Other { events }"}}`)
	h.waitSubscribers(t, 2)
	waitShared(t, sh, 2, 4)

	clients := map[string]*wsClient{"a": a, "b": b, "l": legacy, "o": other}
	types := map[string]string{"a": "next", "b": "next", "l": "data", "o": "next"}
	for i := 0; i < 5; i++ {
		h.publish(fmt.Appendf(nil, `{"events":"e%d"}`, i))
		for id, w := range clients {
			m := w.expect(types[id], id)
			if want := fmt.Sprintf(`{"data":{"events":"e%d"}}`, i); string(m.Payload) != want {
				t.Fatalf("%s got %s; want %s", id, m.Payload, want)
			}
		}
	}

	// One member leaving does not stop the others.
	a.send(`{"id":"a","type":"complete"}`)
	a.send(`{"type":"ping"}`)
	a.expect("pong", "") // the read loop has handled the complete
	waitShared(t, sh, 2, 3)
	h.publish([]byte(`{"events":"after-a"}`))
	b.expect("next", "b")
	legacy.expect("data", "l")
	a.send(`{"type":"ping"}`)
	a.expect("pong", "") // nothing more for "a" came before the pong

	// The last member out ends the execution and its source subscription.
	_ = b.c.Close()
	legacy.send(`{"id":"l","type":"stop"}`)
	other.send(`{"id":"o","type":"complete"}`)
	h.waitSubscribers(t, 0)
	waitShared(t, sh, 0, 0)

	// A new subscriber starts a fresh execution.
	a.send(`{"id":"a2","type":"subscribe","payload":{"query":"subscription { events }"}}`)
	h.waitSubscribers(t, 1)
	h.publish([]byte(`{"events":"again"}`))
	if m := a.expect("next", "a2"); string(m.Payload) != `{"data":{"events":"again"}}` {
		t.Fatalf("a2 got %s", m.Payload)
	}
}

// A member that stops reading is closed with CloseSlowConsumer; the shared
// execution goes on for the others without waiting for it.
func TestWebSocketSharedSlowMember(t *testing.T) {
	checkNoLeaks(t)
	h := newHub()
	sh := shareAll()
	srv := newHubServer(t, h, WebSocket{KeepAlive: -1, SendBuffer: 4, SendTimeout: 100 * time.Millisecond, Share: sh}, smallSocketBuffers)

	slow := dialSmallBuffer(t, srv)
	slow.send(`{"type":"connection_init"}`)
	slow.expect("connection_ack", "")
	slow.send(`{"id":"slow","type":"subscribe","payload":{"query":"subscription { events }"}}`)
	h.waitSubscribers(t, 1)
	fast := initTransportWS(t, srv)
	fast.send(`{"id":"fast","type":"subscribe","payload":{"query":"subscription { events }"}}`)

	waitShared(t, sh, 1, 2)

	pad := strings.Repeat("x", 16<<10)
	for i := 0; i < 200; i++ {
		h.publish(fmt.Appendf(nil, `{"events":"%d %s"}`, i, pad))
		m := fast.expect("next", "fast")
		if !strings.HasPrefix(string(m.Payload), fmt.Sprintf(`{"data":{"events":"%d `, i)) {
			t.Fatalf("fast member got %.40s…; want event %d", m.Payload, i)
		}
	}
	waitShared(t, sh, 1, 1) // the slow member was dropped
	for {
		_, err := slow.tryRead()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != CloseSlowConsumer {
			t.Fatalf("slow member: %v; want close %d", err, CloseSlowConsumer)
		}
		break
	}
}

type memberName struct{}

// nameGuard holds while its member's name is not refused.
type nameGuard struct {
	name    any
	refused *sync.Map
}

func (g nameGuard) Err() error {
	if _, no := g.refused.Load(g.name); no {
		return errors.New("revoked")
	}
	return nil
}

// Members may hold different identities with one key: the execution runs
// under Exec's context (not the first member's), and a member whose Guard
// refuses leaves with the error while the others — the one that started
// the execution included — receive on.
func TestWebSocketSharedMembersCheckedEach(t *testing.T) {
	checkNoLeaks(t)
	h := newHub()
	sh := shareAll()
	var execs atomic.Int32
	var refused sync.Map
	sh.Exec = func(ctx context.Context) context.Context {
		execs.Add(1)
		return context.WithValue(ctx, memberName{}, "group")
	}
	sh.Guard = func(ctx context.Context) Guard { return nameGuard{ctx.Value(memberName{}), &refused} }
	srv := newHubServer(t, h, WebSocket{Share: sh, InitFunc: func(ctx context.Context, _ *http.Request, p map[string]any) (context.Context, map[string]any, error) {
		return context.WithValue(ctx, memberName{}, p["name"]), nil, nil
	}}, nil)
	join := func(name string) *wsClient {
		w := dial(t, srv, subprotocolTransportWS)
		w.send(`{"type":"connection_init","payload":{"name":"` + name + `"}}`)
		w.expect("connection_ack", "")
		w.send(`{"id":"` + name + `","type":"subscribe","payload":{"query":"subscription { events }"}}`)
		return w
	}
	a := join("a")
	h.waitSubscribers(t, 1)
	b, c := join("b"), join("c")
	waitShared(t, sh, 1, 3)

	refused.Store("a", true) // the member that started the execution
	h.publish([]byte(`{"events":"e1"}`))
	if m := a.expect("error", "a"); !strings.Contains(string(m.Payload), "revoked") {
		t.Fatalf("refused member got %s", m.Payload)
	}
	b.expect("next", "b")
	c.expect("next", "c")
	waitShared(t, sh, 1, 2)
	h.publish([]byte(`{"events":"e2"}`))
	b.expect("next", "b")
	c.expect("next", "c")
	a.send(`{"type":"ping"}`)
	a.expect("pong", "") // nothing more for "a"
	if n := execs.Load(); n != 1 {
		t.Fatalf("Exec ran %d times; want once for the one group", n)
	}
	_ = b.c.Close()
	_ = c.c.Close()
	h.waitSubscribers(t, 0)
}
