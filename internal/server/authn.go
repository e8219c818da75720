package server

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/transport"
)

// identityRecheck is how often the viewers of open sockets and streams are
// checked against storage, for identity changes no event announced (a
// notification lost, a user disabled in the database).
const identityRecheck = 30 * time.Second

// startIdentity carries identity events (revocations, membership changes)
// to the other replicas on the change log's NOTIFY channel, which the
// hub's one listening connection already holds (no connection more per
// replica, and an event is handled in order with the revisions announced
// after it), and sweeps the viewers of open connections.
func (s *Server) startIdentity(ctx context.Context) {
	if s.db.Dialect == dialect.Postgres {
		s.authn.Broadcast = func(ctx context.Context, event string) {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if _, err := s.db.SQL.ExecContext(ctx, `SELECT pg_notify($1, $2)`, changelog.NotifyChannel, event); err != nil {
				// Other replicas still learn within identityRecheck.
				s.log.ErrorContext(ctx, "identity event not broadcast", "event", event, "err", err)
			}
		}
	}
	s.background(ctx, func(ctx context.Context) error { return s.authn.Run(auth.System(ctx), identityRecheck) })
}

// withAuth authenticates /query requests with their Bearer token, or else
// the console's session cookie, and applies the per-token rate limit.
// Websocket upgrades may instead carry the token in connection_init, which
// the websocket transport checks.
func (s *Server) withAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, err := auth.ParseBearer(r.Header.Get("Authorization"))
		if err != nil {
			s.unauthenticated(w, "the Authorization header must be \"Bearer <token>\" with a BCS API token")
			return
		}
		if secret == "" && r.Method != http.MethodOptions {
			if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				s.withSession(w, r, next, c.Value) // session.go
				return
			}
		}
		if secret == "" {
			if r.Header.Get("Upgrade") != "" || s.cfg.PublicIntrospection || r.Method == http.MethodOptions {
				next.ServeHTTP(w, r)
				return
			}
			s.unauthenticated(w, "sign in: send an API token as \"Authorization: Bearer <token>\" (create one with `bcs token create`)")
			return
		}
		v, err := s.authn.Authenticate(r.Context(), secret)
		if errors.Is(err, auth.ErrInvalidToken) {
			s.unauthenticated(w, auth.ErrInvalidToken.Error()) // which of them is nobody's business
			return
		}
		if err != nil {
			s.log.ErrorContext(r.Context(), "authentication failed", "request_id", RequestID(r.Context()), "err", err)
			writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error (request id "+RequestID(r.Context())+")",
				"requestId", RequestID(r.Context()))
			return
		}
		s.serveAs(w, r, next, v)
	})
}

// serveAs serves an authenticated request within its token's rate limit.
func (s *Server) serveAs(w http.ResponseWriter, r *http.Request, next http.Handler, v *auth.Viewer) {
	if wait, ok := s.limiter.allow(string(v.TokenID)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.metrics.errors.WithLabelValues("RATE_LIMITED").Inc()
		s.metrics.refused(limitRate)
		writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", "too many requests for this token; retry after "+wait.Round(time.Millisecond).String())
		return
	}
	ctx := auth.NewContext(r.Context(), v)
	if (transport.SSE{}).Supports(r) { // the transport's own test: every Accept line, any case
		ctx = s.watchStream(ctx, v)
	}
	next.ServeHTTP(w, r.WithContext(ctx))
}

// watchStream ends an SSE stream whose viewer ends (revoked, expired,
// memberships changed), here or on another replica; the stream's last
// event carries the reason as an UNAUTHENTICATED error.
func (s *Server) watchStream(ctx context.Context, v *auth.Viewer) context.Context {
	ctx, cancel := context.WithCancelCause(ctx)
	s.authn.Watch(ctx, v, func(err error) {
		s.metrics.errors.WithLabelValues("UNAUTHENTICATED").Inc()
		cancel(&gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": "UNAUTHENTICATED"}})
	})
	return ctx
}

func (s *Server) unauthenticated(w http.ResponseWriter, msg string) {
	s.metrics.errors.WithLabelValues("UNAUTHENTICATED").Inc()
	w.Header().Set("WWW-Authenticate", `Bearer realm="bcs"`)
	writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", msg)
}

// writeError answers a request refused before GraphQL execution; extra
// holds further extension key-value pairs.
func writeError(w http.ResponseWriter, status int, code, msg string, extra ...string) {
	ext := map[string]any{"code": code}
	for i := 0; i+1 < len(extra); i += 2 {
		ext[extra[i]] = extra[i+1]
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": ext}}})
}

// limiter is a token bucket per API token.
type limiter struct {
	rate  rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{rate: rate.Limit(perSecond), burst: burst, buckets: map[string]*rate.Limiter{}}
}

// allow takes one token from key's bucket, or says how long to wait.
func (l *limiter) allow(key string) (time.Duration, bool) {
	if l.rate <= 0 {
		return 0, true
	}
	l.mu.Lock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100000 {
			clear(l.buckets)
		}
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[key] = b
	}
	l.mu.Unlock()
	res := b.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return d, false
	}
	return 0, true
}
