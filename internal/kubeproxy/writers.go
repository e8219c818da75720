package kubeproxy

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// recorder keeps the status code a handler answered and when.
type recorder struct {
	http.ResponseWriter
	status int
	at     time.Time
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status, r.at = code, time.Now()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status, r.at = http.StatusOK, time.Now()
	}
	return r.ResponseWriter.Write(b)
}

// Flush keeps watches streaming through it.
func (r *recorder) Flush() {
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController hijack and flush through it.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusSwitchingProtocols // hijacked: an upgraded stream
	}
	return r.status
}

// idleWriter calls onIdle when nothing was written for idle. The timer is
// re-armed lazily (one atomic store per write), so a busy watch costs no
// timer reset per event.
type idleWriter struct {
	http.ResponseWriter
	last atomic.Int64

	mu    sync.Mutex
	timer *time.Timer
}

func newIdleWriter(w http.ResponseWriter, idle time.Duration, onIdle func()) *idleWriter {
	iw := &idleWriter{ResponseWriter: w}
	iw.last.Store(time.Now().UnixNano())
	var check func()
	check = func() {
		quiet := time.Since(time.Unix(0, iw.last.Load()))
		if quiet >= idle {
			onIdle()
			return
		}
		iw.mu.Lock()
		iw.timer.Reset(idle - quiet)
		iw.mu.Unlock()
	}
	iw.mu.Lock()
	iw.timer = time.AfterFunc(idle, check)
	iw.mu.Unlock()
	return iw
}

func (iw *idleWriter) Write(b []byte) (int, error) {
	iw.last.Store(time.Now().UnixNano())
	return iw.ResponseWriter.Write(b)
}

func (iw *idleWriter) Flush() {
	_ = http.NewResponseController(iw.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController hijack and flush through it.
func (iw *idleWriter) Unwrap() http.ResponseWriter { return iw.ResponseWriter }

func (iw *idleWriter) stop() {
	iw.mu.Lock()
	iw.timer.Stop()
	iw.mu.Unlock()
}
