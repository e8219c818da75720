package server

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/transport"
)

// admitLimits vets every operation started on a websocket: a socket is
// authenticated once, but each operation on it costs like a request, so
// it takes from the token's rate-limit bucket, and a connection may run
// at most MaxOperationsPerConnection at once. (Queries and mutations get
// the query timeout from operationTimeout.)
func (s *Server) admitLimits(ctx context.Context) (context.Context, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return ctx, nil // identity is admitViewer's to check
	}
	if n, ok := transport.RunningOperations(ctx); ok && s.limits.MaxOperationsPerConnection > 0 && n >= s.limits.MaxOperationsPerConnection {
		s.metrics.refused(limitOperationsPerConnection)
		return ctx, capError(limitOperationsPerConnection, s.limits.MaxOperationsPerConnection,
			"this connection already runs %d operations; complete one first", n)
	}
	if wait, ok := s.limiter.allow(string(v.TokenID)); !ok {
		s.metrics.refused(limitRate)
		s.metrics.errors.WithLabelValues("RATE_LIMITED").Inc()
		return ctx, &gqlerror.Error{
			Message:    "too many requests for this token; retry after " + wait.Round(time.Millisecond).String(),
			Extensions: map[string]any{"code": "RATE_LIMITED", "retryAfter": int(math.Ceil(wait.Seconds()))},
		}
	}
	return ctx, nil
}

// Names of the caps in bcs_limit_refusals_total (the document limits use
// querylimit's names).
const (
	limitRate                    = "rate"
	limitOperationsPerConnection = "operationsPerConnection"
	limitConnectionsPerToken     = "connectionsPerToken"
	limitStreamsPerToken         = "streamsPerToken"
	limitReadTimeout             = "readTimeout"
)

// capError is a RATE_LIMITED refusal of a cap on what a client holds
// open: it passes once the client lets something go.
func capError(limit string, max int, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": "RATE_LIMITED", "limit": limit, "max": max}}
}

// capConnections wraps a websocket InitFunc: once it has identified the
// token, the connection takes one of the token's MaxConnectionsPerToken
// slots until it closes; over the cap it closes with 1013 Try Again Later.
func (s *Server) capConnections(init transport.InitFunc) transport.InitFunc {
	return func(ctx context.Context, r *http.Request, payload map[string]any) (context.Context, map[string]any, error) {
		opCtx, ack, err := init(ctx, r, payload)
		if err != nil {
			return opCtx, ack, err
		}
		v := auth.FromContext(opCtx)
		if v == nil {
			return opCtx, ack, nil
		}
		release, ok := s.wsSlots.acquire(string(v.TokenID))
		if !ok {
			s.metrics.refused(limitConnectionsPerToken)
			return ctx, nil, transport.Close(websocket.CloseTryAgainLater,
				fmt.Sprintf("too many connections for this token (at most %d)", s.limits.MaxConnectionsPerToken))
		}
		context.AfterFunc(ctx, release) // ctx ends with the connection
		return opCtx, ack, nil
	}
}

// openStream gives each SSE stream one of its token's MaxStreamsPerToken
// slots; anonymous streams (introspection only) are not counted.
func (s *Server) openStream(ctx context.Context) (func(), error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return func() {}, nil
	}
	release, ok := s.sseSlots.acquire(string(v.TokenID))
	if !ok {
		s.metrics.refused(limitStreamsPerToken)
		return nil, capError(limitStreamsPerToken, s.limits.MaxStreamsPerToken,
			"too many open streams for this token (at most %d); close one first", s.limits.MaxStreamsPerToken)
	}
	return release, nil
}

// slots counts what each key holds open, up to max (0: no cap).
type slots struct {
	max  int
	mu   sync.Mutex
	held map[string]int
}

func newSlots(max int) *slots { return &slots{max: max, held: map[string]int{}} }

// acquire takes one of key's slots; release gives it back (once).
func (c *slots) acquire(key string) (release func(), ok bool) {
	if c.max <= 0 {
		return func() {}, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held[key] >= c.max {
		return nil, false
	}
	c.held[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.held[key]--; c.held[key] <= 0 {
				delete(c.held, key)
			}
		})
	}, true
}
