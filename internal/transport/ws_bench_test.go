package transport

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// benchWindow is how many events may be in flight before the publisher
// waits for every subscriber to catch up; it keeps queues short so no
// subscriber is closed as slow while the benchmark measures throughput.
const benchWindow = 64

// BenchmarkWebSocketFanout measures delivering events to M subscribers over
// loopback: through the WebSocket transport (graphql-transport-ws, the
// executor per subscriber and event, JSON encoding) and, as the floor, a
// bare gorilla broadcast of the same frames. One op is one event delivered
// to all M subscribers; ns/delivery divides by M. Allocations include the
// in-process clients, which are the same in both.
func BenchmarkWebSocketFanout(b *testing.B) {
	data := []byte(`{"events":"` + strings.Repeat("x", 200) + `"}`)
	nextFrame := frame(msgNext, []byte(`"1"`), append(append([]byte(`{"data":`), data...), '}'))
	for _, m := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("transport/subscribers=%d", m), func(b *testing.B) {
			benchTransportFanout(b, m, data)
		})
		b.Run(fmt.Sprintf("bare/subscribers=%d", m), func(b *testing.B) {
			benchBareFanout(b, m, nextFrame)
		})
	}
}

func benchTransportFanout(b *testing.B, m int, data []byte) {
	h := newHub()
	h.block = true
	srv := newHubServer(b, h, WebSocket{KeepAlive: -1, SendBuffer: 2 * benchWindow, SendTimeout: time.Minute}, nil)
	before := memInUse()
	conns := make([]*websocket.Conn, m)
	for i := range conns {
		w := initTransportWS(b, srv)
		w.send(`{"id":"1","type":"subscribe","payload":{"query":"subscription { events }"}}`)
		conns[i] = w.c
	}
	h.waitSubscribers(b, m)
	perSubscriber := float64(memInUse()-before) / float64(m)
	runFanout(b, conns, func() { h.publish(data) })
	b.ReportMetric(perSubscriber, "B/idle-subscriber")
}

func benchBareFanout(b *testing.B, m int, frame []byte) {
	bh := &bareHub{joined: make(chan struct{}, m)}
	srv := httptest.NewServer(bh)
	b.Cleanup(srv.Close)
	before := memInUse()
	conns := make([]*websocket.Conn, m)
	for i := range conns {
		conns[i] = dial(b, srv).c
	}
	for range m {
		<-bh.joined
	}
	perSubscriber := float64(memInUse()-before) / float64(m)
	runFanout(b, conns, func() { bh.publish(frame) })
	b.ReportMetric(perSubscriber, "B/idle-subscriber")
}

// runFanout publishes b.N events in windows and waits for every client to
// have read each window.
func runFanout(b *testing.B, conns []*websocket.Conn, publish func()) {
	var batch sync.WaitGroup
	errs := make(chan error, len(conns))
	total := b.N
	for _, c := range conns {
		go countFrames(c, total, &batch, errs)
	}
	wait := func() {
		done := make(chan struct{})
		go func() { batch.Wait(); close(done) }()
		select {
		case <-done:
		case err := <-errs:
			b.Fatalf("subscriber: %v", err)
		}
	}

	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < total; {
		k := min(benchWindow, total-sent)
		batch.Add(len(conns))
		for range k {
			publish()
		}
		sent += k
		wait()
	}
	b.StopTimer()
	perDelivery := float64(b.Elapsed().Nanoseconds()) / float64(b.N*len(conns))
	b.ReportMetric(perDelivery, "ns/delivery")
	b.ReportMetric(1e9/perDelivery, "deliveries/s")
}

// memInUse is heap plus goroutine stacks after a collection. Both ends of
// every connection live in this process, so per-subscriber figures are an
// upper bound on what the server holds.
func memInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}

// countFrames reads total frames, signalling the end of each window.
func countFrames(c *websocket.Conn, total int, batch *sync.WaitGroup, errs chan<- error) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Minute))
	buf := make([]byte, 4096)
	for n := 1; n <= total; n++ {
		_, r, err := c.NextReader()
		if err != nil {
			errs <- err
			return
		}
		for {
			_, err := r.Read(buf)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				errs <- err
				return
			}
		}
		if n%benchWindow == 0 || n == total {
			batch.Done()
		}
	}
}

// bareHub is the floor: upgrade, one writer goroutine per connection fed
// by a channel, the same frame bytes for everyone.
type bareHub struct {
	mu     sync.Mutex
	outs   []chan []byte
	joined chan struct{}
}

func (h *bareHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{WriteBufferPool: &writeBuffers}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	out := make(chan []byte, 2*benchWindow)
	h.mu.Lock()
	h.outs = append(h.outs, out)
	h.mu.Unlock()
	h.joined <- struct{}{}
	go func() {
		for f := range out {
			if c.WriteMessage(websocket.TextMessage, f) != nil {
				return
			}
		}
	}()
	for {
		if _, _, err := c.NextReader(); err != nil {
			break
		}
	}
	h.mu.Lock()
	for i, o := range h.outs {
		if o == out {
			h.outs = append(h.outs[:i], h.outs[i+1:]...)
			break
		}
	}
	h.mu.Unlock()
	close(out)
}

func (h *bareHub) publish(f []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, o := range h.outs {
		o <- f
	}
}
