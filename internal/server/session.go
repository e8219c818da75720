package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/kubeproxy"
	"github.com/bcs-io/bcs/internal/transport"
)

// Console sign-in (CONSOLE-CONTRACT.md): POST /auth/session trades an API
// token for an HttpOnly, SameSite=Strict cookie bound to a server-side
// session (internal/auth.Sessions). Because a browser sends the cookie by
// itself, every request that rides it must prove it comes from the
// console: an X-CSRF-Token header over HTTP, and over a websocket an Origin
// equal to the server's own plus the token in connection_init. Bearer
// tokens, which no browser attaches on its own, need neither.

// SessionCookie is the console's session cookie.
const SessionCookie = "bcs_session"

// CSRFHeader carries the session's CSRF token on cookie-authenticated requests.
const CSRFHeader = auth.CSRFHeader

type sessionKey struct{}

// sessionFrom returns the session a request rides, nil for bearer tokens.
func sessionFrom(ctx context.Context) *auth.Session {
	s, _ := ctx.Value(sessionKey{}).(*auth.Session)
	return s
}

type sessionUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type sessionBody struct {
	User      sessionUser `json:"user"`
	CSRFToken string      `json:"csrfToken"`
}

// sessionEndpoint serves /auth/session: POST signs in, GET says who is
// signed in, DELETE signs out.
func (s *Server) sessionEndpoint(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodPost:
		s.signIn(w, r)
	case http.MethodGet:
		sess, ok := s.currentSession(w, r)
		if ok {
			writeJSON(w, http.StatusOK, bodyOf(sess))
		}
	case http.MethodDelete:
		s.signOut(w, r)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeAuthError(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "use POST to sign in, GET to check, DELETE to sign out")
	}
}

func bodyOf(sess *auth.Session) sessionBody {
	return sessionBody{User: sessionUser{ID: string(sess.Viewer.UserID), Name: sess.Viewer.UserName}, CSRFToken: sess.CSRF}
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	// A page elsewhere may not sign a browser in (login CSRF): a foreign
	// Origin is refused, and JSON alone is accepted, which a cross-site
	// form cannot send and a cross-site fetch cannot send without a CORS
	// preflight that BCS never grants.
	if !transport.SameOrigin(r) {
		s.forbidden(w, "sign-in from another origin is refused")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeAuthError(w, http.StatusUnsupportedMediaType, "BAD_USER_INPUT", `send {"token": "<API token>"} as application/json`)
		return
	}
	if wait, ok := s.limiter.allow("sign-in:" + clientIP(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.metrics.errors.WithLabelValues("RATE_LIMITED").Inc()
		s.metrics.refused(limitRate)
		writeAuthError(w, http.StatusTooManyRequests, "RATE_LIMITED", "too many sign-in attempts; retry after "+wait.Round(time.Millisecond).String())
		return
	}
	var in struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in); err != nil || in.Token == "" {
		writeAuthError(w, http.StatusBadRequest, "BAD_USER_INPUT", `send {"token": "<API token>"}`)
		return
	}
	secret, sess, err := s.sessions.SignIn(r.Context(), in.Token)
	if errors.Is(err, auth.ErrInvalidToken) {
		s.metrics.errors.WithLabelValues("UNAUTHENTICATED").Inc()
		writeAuthError(w, http.StatusUnauthorized, "UNAUTHENTICATED", auth.ErrInvalidToken.Error())
		return
	}
	if err != nil {
		s.internalAuthError(w, r, "sign-in failed", err)
		return
	}
	if old, err := r.Cookie(SessionCookie); err == nil {
		// Signing in again replaces the browser's session: the old one
		// must not live on unseen.
		if err := s.sessions.SignOut(r.Context(), old.Value); err != nil {
			s.log.WarnContext(r.Context(), "ending the replaced session failed", "request_id", RequestID(r.Context()), "err", err)
		}
	}
	s.log.InfoContext(r.Context(), "console sign-in", "request_id", RequestID(r.Context()),
		"user", sess.Viewer.UserID, "token", sess.Viewer.TokenID, "session", sess.ID)
	http.SetCookie(w, s.sessionCookie(r, secret))
	writeJSON(w, http.StatusOK, bodyOf(sess))
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.currentSession(w, r)
	if !ok {
		return
	}
	if !sess.CheckCSRF(r.Header.Get(CSRFHeader)) {
		s.forbidden(w, "signing out needs the session's "+CSRFHeader+" header")
		return
	}
	c, _ := r.Cookie(SessionCookie)
	if err := s.sessions.SignOut(r.Context(), c.Value); err != nil {
		s.internalAuthError(w, r, "sign-out failed", err)
		return
	}
	http.SetCookie(w, s.clearedCookie(r))
	w.WriteHeader(http.StatusNoContent)
}

// currentSession resumes the request's session or answers 401 (clearing a
// dead cookie) or 500.
func (s *Server) currentSession(w http.ResponseWriter, r *http.Request) (*auth.Session, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		writeAuthError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "not signed in")
		return nil, false
	}
	sess, err := s.sessions.Resume(r.Context(), c.Value)
	if errors.Is(err, auth.ErrSessionEnded) || errors.Is(err, auth.ErrInvalidToken) {
		http.SetCookie(w, s.clearedCookie(r))
		s.metrics.errors.WithLabelValues("UNAUTHENTICATED").Inc()
		writeAuthError(w, http.StatusUnauthorized, "UNAUTHENTICATED", auth.ErrSessionEnded.Error())
		return nil, false
	}
	if err != nil {
		s.internalAuthError(w, r, "resuming a session failed", err)
		return nil, false
	}
	return sess, true
}

// withSession authenticates a /query request that carries the session
// cookie and no Authorization header, and applies the CSRF rules.
func (s *Server) withSession(w http.ResponseWriter, r *http.Request, next http.Handler, secret string) {
	sess, err := s.sessions.Resume(r.Context(), secret)
	if errors.Is(err, auth.ErrSessionEnded) || errors.Is(err, auth.ErrInvalidToken) {
		if r.Header.Get("Upgrade") != "" {
			// A stale cookie rides along on every upgrade from this
			// origin (GraphiQL's too): the socket stays anonymous and
			// connection_init must bring a token.
			next.ServeHTTP(w, r)
			return
		}
		http.SetCookie(w, s.clearedCookie(r))
		s.unauthenticated(w, auth.ErrSessionEnded.Error())
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "resuming a session failed", "request_id", RequestID(r.Context()), "err", err)
		writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error (request id "+RequestID(r.Context())+")",
			"requestId", RequestID(r.Context()))
		return
	}
	ctx := context.WithValue(r.Context(), sessionKey{}, sess)
	// On an upgrade the CSRF token follows in connection_init (websocketInit).
	if msg := cookieRefusal(r, sess, nil); msg != "" {
		s.metrics.errors.WithLabelValues("FORBIDDEN").Inc()
		writeError(w, http.StatusForbidden, "FORBIDDEN", msg)
		return
	}
	if (transport.SSE{}).Supports(r) {
		ctx = s.watchSessionStream(ctx, sess)
	}
	s.serveAs(w, r.WithContext(ctx), next, sess.Viewer)
}

// cookieRefusal says why a request riding the session cookie is refused
// ("" admits it), by the rules of every endpoint that takes the cookie: an
// HTTP request carries the session's CSRF token in X-CSRF-Token; a
// websocket upgrade, on which a browser sets no header, must come from
// this server's own origin and carries the token in-band: upgradeCSRF
// checks the one the upgrade offered, nil when the protocol checks it
// later (connection_init on /query).
func cookieRefusal(r *http.Request, sess *auth.Session, upgradeCSRF *string) string {
	if r.Header.Get("Upgrade") == "" {
		if !sess.CheckCSRF(r.Header.Get(CSRFHeader)) {
			return "a request signed in by cookie needs the session's " + CSRFHeader + " header (from /auth/session)"
		}
		return ""
	}
	if r.Header.Get("Origin") == "" || !transport.SameOrigin(r) {
		return "a websocket signed in by cookie must come from this server's own origin"
	}
	if upgradeCSRF != nil && !sess.CheckCSRF(*upgradeCSRF) {
		return "a websocket signed in by cookie needs the session's CSRF token as the subprotocol " + kubeproxy.CSRFProtocolPrefix + "<token>"
	}
	return ""
}

// watchSessionStream ends an SSE stream when its session is signed out
// (the token's own end reaches it through watchStream).
func (s *Server) watchSessionStream(ctx context.Context, sess *auth.Session) context.Context {
	ctx, cancel := context.WithCancelCause(ctx)
	s.sessions.WatchSession(ctx, sess.ID, func() { cancel(errSignedOut) })
	return ctx
}

var errSignedOut = errors.New("signed out")

// watchSessionSocket closes a websocket opened with a session when the
// session is signed out, here or on another replica.
func (s *Server) watchSessionSocket(ctx context.Context, sess *auth.Session) context.Context {
	ctx, cancel := context.WithCancelCause(ctx)
	s.sessions.WatchSession(ctx, sess.ID, func() {
		s.metrics.errors.WithLabelValues("UNAUTHENTICATED").Inc()
		cancel(transport.Close(transport.CloseForbidden, "signed out"))
	})
	return ctx
}

func (s *Server) sessionCookie(r *http.Request, secret string) *http.Cookie {
	// No Expires: the browser drops it when it closes, and the server
	// decides expiry (sliding, never past the token's).
	return &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secureCookies(r)}
}

func (s *Server) clearedCookie(r *http.Request) *http.Cookie {
	c := s.sessionCookie(r, "")
	c.MaxAge = -1
	return c
}

func (s *Server) secureCookies(r *http.Request) bool { return r.TLS != nil || s.cfg.SecureCookies }

func (s *Server) forbidden(w http.ResponseWriter, msg string) {
	s.metrics.errors.WithLabelValues("FORBIDDEN").Inc()
	writeAuthError(w, http.StatusForbidden, "FORBIDDEN", msg)
}

func (s *Server) internalAuthError(w http.ResponseWriter, r *http.Request, what string, err error) {
	id := RequestID(r.Context())
	s.log.ErrorContext(r.Context(), what, "request_id", id, "err", err)
	writeAuthError(w, http.StatusInternalServerError, "INTERNAL", "internal error (request id "+id+")")
}

// writeAuthError answers /auth/session in the contract's shape,
// {"error": {"code", "message"}}.
func writeAuthError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// clientIP keys the sign-in rate limit: the peer address (a proxy in
// front shares one bucket, which errs on the safe side).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// purgeSessions deletes sessions a day after they ended, hourly; every
// replica may run it (the delete is idempotent).
func (s *Server) purgeSessions(ctx context.Context) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if n, err := s.sessions.Purge(ctx, time.Now().Add(-24*time.Hour)); err != nil {
				s.log.WarnContext(ctx, "purging ended sessions failed", "err", err)
			} else if n > 0 {
				s.log.InfoContext(ctx, "purged ended sessions", "count", n)
			}
		}
	}
}
