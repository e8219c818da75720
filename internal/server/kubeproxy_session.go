package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/bcs-io/bcs/internal/auth"
)

// kubeProxySession lets the console reach the Kubernetes proxy (pod logs,
// a terminal) with its session cookie under /query's rules
// (cookieRefusal); a sign-out ends what it opened, as the token's end does.
func (s *Server) kubeProxySession(r *http.Request, csrf string) (context.Context, *auth.Viewer, int, string) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return r.Context(), nil, 0, ""
	}
	sess, err := s.sessions.Resume(r.Context(), c.Value)
	if errors.Is(err, auth.ErrSessionEnded) || errors.Is(err, auth.ErrInvalidToken) {
		s.metrics.errors.WithLabelValues("UNAUTHENTICATED").Inc()
		return r.Context(), nil, http.StatusUnauthorized, auth.ErrSessionEnded.Error()
	}
	if err != nil {
		id := RequestID(r.Context())
		s.log.ErrorContext(r.Context(), "kubernetes proxy: resuming a session failed", "request_id", id, "err", err)
		return r.Context(), nil, http.StatusInternalServerError, "internal error (request id " + id + ")"
	}
	if msg := cookieRefusal(r, sess, &csrf); msg != "" {
		s.metrics.errors.WithLabelValues("FORBIDDEN").Inc()
		return r.Context(), nil, http.StatusForbidden, msg
	}
	return s.watchSessionStream(r.Context(), sess), sess.Viewer, 0, ""
}
