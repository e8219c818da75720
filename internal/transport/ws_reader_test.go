package transport

import (
	"context"
	"net/http"
	"runtime"
	"testing"
)

// Messages that arrive together, after the reader went idle, are all read:
// the second is in the read buffer, not on the socket, and the reader must
// not wait on the socket for it.
func TestWebSocketPipelinedMessagesAfterIdle(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	w := initTransportWS(t, srv)
	defer w.c.Close()
	var both []byte
	both = append(both, clientFrame(`{"id":"1","type":"subscribe","payload":{"query":"{ name }"}}`)...)
	both = append(both, clientFrame(`{"id":"2","type":"subscribe","payload":{"query":"{ name }"}}`)...)
	if _, err := w.c.NetConn().Write(both); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for len(got) < 2 || got["1"] < 2 || got["2"] < 2 {
		m := w.read()
		if m.Type != "next" && m.Type != "complete" {
			t.Fatalf("got %s %s", m.Type, m.Payload)
		}
		got[m.ID]++
	}
}

// clientFrame is a masked text frame of a short message, as a client
// sends it.
func clientFrame(msg string) []byte {
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	b := []byte{0x81, 0x80 | byte(len(msg)), mask[0], mask[1], mask[2], mask[3]}
	for i := range len(msg) {
		b = append(b, msg[i]^mask[i%4])
	}
	return b
}

// An InitFunc context that does not descend from the connection's still
// ends the connection's operations when the socket goes.
func TestWebSocketForeignInitContextEndsWithConnection(t *testing.T) {
	checkNoLeaks(t)
	h := newHub()
	foreign, stop := context.WithCancel(context.Background())
	defer stop()
	srv := newHubServer(t, h, WebSocket{InitFunc: func(context.Context, *http.Request, map[string]any) (context.Context, map[string]any, error) {
		return foreign, nil, nil
	}}, nil)
	w := initTransportWS(t, srv)
	w.send(`{"id":"1","type":"subscribe","payload":{"query":"subscription { events }"}}`)
	h.waitSubscribers(t, 1)
	_ = w.c.Close()
	h.waitSubscribers(t, 0)
}

// An idle connection's reader, parked in gorilla's NextReader, lets the
// runtime shrink its stack to 4 KiB: serve and readLoop keep their frames
// small (on main their 0.6 KiB of frames held it at 8 KiB).
func TestWebSocketIdleReaderStackShrinks(t *testing.T) {
	checkNoLeaks(t)
	_, srv := newGQLServer(t, WebSocket{})
	const n = 64
	stacks := func() uint64 {
		// Each collection halves a stack at most once.
		for range 4 {
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.StackInuse
	}
	before := stacks()
	for range n {
		w := initTransportWS(t, srv)
		w.send(`{"id":"1","type":"subscribe","payload":{"query":"{ name }"}}`)
		w.expect("next", "1")
		w.expect("complete", "1")
		t.Cleanup(func() { _ = w.c.Close() })
	}
	per := float64(stacks()-before) / n
	if per > 6<<10 {
		t.Fatalf("idle connections hold %.0f bytes of stack each; want about 4 KiB", per)
	}
}
