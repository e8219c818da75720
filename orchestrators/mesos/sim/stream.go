package sim

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/recordio"
)

// maxQueuedEvents bounds what a subscriber that stopped reading can make the
// simulator hold; past it the connection is cut, as a broken one would be.
const maxQueuedEvents = 1 << 17

// stream is one streaming response (scheduler or operator SUBSCRIBE). The
// simulator enqueues events under its own lock; the HTTP handler goroutine
// encodes and writes them, so slow clients never block the simulator.
// Queued events must not be mutated afterwards.
type stream struct {
	codec     codec
	heartbeat func() encoding.Marshaler

	mu     sync.Mutex
	queue  []encoding.Marshaler
	closed bool

	wake chan struct{} // capacity 1: "the queue may be non-empty"
	done chan struct{} // closed by close()
}

func newStream(c codec, heartbeat func() encoding.Marshaler) *stream {
	return &stream{codec: c, heartbeat: heartbeat, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// send queues an event; it reports false if the stream is closed.
func (st *stream) send(ev encoding.Marshaler) bool {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return false
	}
	st.queue = append(st.queue, ev)
	overflow := len(st.queue) > maxQueuedEvents
	st.mu.Unlock()
	if overflow {
		st.close()
		return false
	}
	select {
	case st.wake <- struct{}{}:
	default:
	}
	return true
}

// close ends the stream after the events already queued are written.
func (st *stream) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.closed {
		st.closed = true
		close(st.done)
	}
}

func (st *stream) take() []encoding.Marshaler {
	st.mu.Lock()
	defer st.mu.Unlock()
	q := st.queue
	st.queue = nil
	return q
}

// serve writes the 200 response and then RecordIO frames until the stream
// is closed or the client goes away. Headers must be set by the caller.
func (st *stream) serve(ctx context.Context, w http.ResponseWriter, heartbeatEvery time.Duration) {
	flusher, _ := w.(http.Flusher)
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	var buf bytes.Buffer
	rw := recordio.NewWriter(&buf)
	write := func(evs []encoding.Marshaler) bool {
		buf.Reset()
		for _, ev := range evs {
			b, err := st.codec.encode(ev)
			if err != nil {
				continue // cannot happen for generated types; skip rather than cut the stream
			}
			_ = rw.WriteFrame(b)
		}
		if buf.Len() == 0 {
			return true
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	hb := time.NewTicker(heartbeatEvery)
	defer hb.Stop()
	for {
		select {
		case <-ctx.Done():
			st.close()
			return
		case <-st.done:
			write(st.take()) // flush what was queued before the close, e.g. an ERROR
			return
		case <-st.wake:
			if !write(st.take()) {
				st.close()
				return
			}
		case <-hb.C:
			if !write([]encoding.Marshaler{st.heartbeat()}) {
				st.close()
				return
			}
		}
	}
}
