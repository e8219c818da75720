package transport

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkWebSocketSharedFanout is BenchmarkWebSocketFanout's transport
// case with every subscriber in one shared execution (Sharing): one
// resolution and encoding per event, then a frame queued to each member.
//
//	go test ./internal/transport -run '^$' -bench SharedFanout -benchmem -benchtime 2000x
func BenchmarkWebSocketSharedFanout(b *testing.B) {
	data := []byte(`{"events":"` + strings.Repeat("x", 200) + `"}`)
	for _, m := range []int{100, 1000} {
		b.Run(fmt.Sprintf("subscribers=%d", m), func(b *testing.B) {
			h := newHub()
			h.block = true
			sh := shareAll()
			srv := newHubServer(b, h, WebSocket{KeepAlive: -1, SendBuffer: 2 * benchWindow, SendTimeout: time.Minute, Share: sh}, nil)
			conns := make([]*websocket.Conn, m)
			for i := range conns {
				w := initTransportWS(b, srv)
				w.send(`{"id":"1","type":"subscribe","payload":{"query":"subscription { events }"}}`)
				conns[i] = w.c
			}
			h.waitSubscribers(b, 1)
			waitShared(b, sh, 1, m)
			runFanout(b, conns, func() { h.publish(data) })
		})
	}
}
