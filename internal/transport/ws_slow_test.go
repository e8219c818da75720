package transport

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A subscriber that stops reading is closed with CloseSlowConsumer while a
// fast subscriber on the same server receives every event.
func TestWebSocketSlowConsumerClosed(t *testing.T) {
	checkNoLeaks(t)
	h := newHub()
	srv := newHubServer(t, h, WebSocket{
		KeepAlive:   -1, // the slow client answers no pings
		SendBuffer:  4,
		SendTimeout: 100 * time.Millisecond,
	}, smallSocketBuffers)

	slow := dialSmallBuffer(t, srv)
	slow.send(`{"type":"connection_init"}`)
	slow.expect("connection_ack", "")
	slow.send(`{"id":"slow","type":"subscribe","payload":{"query":"subscription { events }"}}`)
	fast := initTransportWS(t, srv)
	fast.send(`{"id":"fast","type":"subscribe","payload":{"query":"subscription { events }"}}`)
	h.waitSubscribers(t, 2)

	// The fast client reads in the background and reports each event.
	got := make(chan string, 1)
	go func() {
		defer close(got)
		for {
			m, err := fast.tryRead()
			if err != nil {
				return
			}
			got <- string(m.Payload)
		}
	}()
	pad := strings.Repeat("x", 16<<10)
	publish := func(i int) {
		t.Helper()
		h.publish(fmt.Appendf(nil, `{"events":"%d %s"}`, i, pad))
		select {
		case p := <-got:
			if !strings.HasPrefix(p, fmt.Sprintf(`{"data":{"events":"%d `, i)) {
				t.Fatalf("fast subscriber got %.40s…; want event %d", p, i)
			}
		case <-time.After(testTimeout):
			t.Fatalf("fast subscriber did not receive event %d", i)
		}
	}

	// Publish in lockstep with the fast client until the slow one's
	// queue has overflowed and it has been dropped from the hub.
	kicked := false
	i := 0
	for ; i < 1000 && !kicked; i++ {
		publish(i)
		h.mu.Lock()
		kicked = len(h.subs) == 1
		h.mu.Unlock()
	}
	if !kicked {
		t.Fatalf("slow subscriber still subscribed after %d events", i)
	}
	for end := i + 20; i < end; i++ {
		publish(i) // nobody else slowed down
	}

	// The slow client catches up on what reached its socket, then sees
	// the close code and a reason telling it to resubscribe.
	for n := 0; ; n++ {
		m, err := slow.tryRead()
		if err == nil {
			if m.Type != "next" || m.ID != "slow" {
				t.Fatalf("slow client got %s %s", m.Type, m.ID)
			}
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != CloseSlowConsumer || !strings.Contains(ce.Text, "resubscribe") {
			t.Fatalf("slow client: %v after %d events; want close %d", err, n, CloseSlowConsumer)
		}
		t.Logf("slow client closed after %d of %d events: %d %q", n, i, ce.Code, ce.Text)
		break
	}
	_ = fast.c.Close()
	for range got {
	}
}
