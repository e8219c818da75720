package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
)

// HTTPServer is the http.Server to run the handler in, with the timeouts
// of the server's Caps: a client that sends its headers or body slowly is
// cut off instead of holding a connection and a goroutine. Long responses
// are not cut: net/http clears the read deadline once the body is read
// (SSE streams), and websockets set their own once upgraded.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.limits.ReadHeaderTimeout,
		ReadTimeout:       s.limits.ReadTimeout,
		IdleTimeout:       s.limits.IdleTimeout,
	}
}

// countSlowBodies counts requests whose body read hit the read deadline,
// the one visible trace of a ReadTimeout cut-off.
func (s *Server) countSlowBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &deadlineBody{ReadCloser: r.Body, m: s.metrics}
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	m       *metrics
	counted atomic.Bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() && !b.counted.Swap(true) {
		b.m.refused(limitReadTimeout)
	}
	return n, err
}
