package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/transport"
)

// websocketInit authenticates a websocket connection. Browsers cannot set
// headers on an upgrade, so the token may come in the connection_init
// payload ({"Authorization": "Bearer …"} as GraphiQL sends its headers, or
// {"token": "…"}); a header on the upgrade request works too, and so does
// the console's session cookie with {"csrfToken": "…"}. Refusal closes the
// socket with 4403.
func (s *Server) websocketInit(ctx context.Context, r *http.Request, payload map[string]any) (context.Context, map[string]any, error) {
	header := ""
	for _, k := range []string{"Authorization", "authorization"} {
		if v, ok := payload[k].(string); ok {
			header = v
		}
	}
	if v, ok := payload["token"].(string); ok && header == "" {
		header = "Bearer " + v
	}
	if header == "" {
		if sess := sessionFrom(ctx); sess != nil {
			// Signed in by cookie: the upgrade came from our own origin
			// (withSession), and the page proves it read the session.
			csrf, _ := payload["csrfToken"].(string)
			if !sess.CheckCSRF(csrf) {
				return ctx, nil, errors.New("a socket signed in by cookie needs the session's csrfToken in the connection_init payload")
			}
			return s.watchSocket(s.watchSessionSocket(ctx, sess), sess.Viewer), nil, nil
		}
		if _, console := payload["csrfToken"]; console {
			// The console's socket, whose cookie is gone or dead.
			return ctx, nil, transport.Close(transport.CloseForbidden, auth.ErrSessionEnded.Error())
		}
		if v := auth.FromContext(ctx); v != nil {
			return s.watchSocket(ctx, v), nil, nil
		}
		header = r.Header.Get("Authorization")
	}
	secret, err := auth.ParseBearer(header)
	if err != nil || secret == "" {
		return ctx, nil, errors.New("sign in: put \"Authorization\": \"Bearer <token>\" in the connection_init payload")
	}
	v, err := s.authn.Authenticate(ctx, secret)
	if err != nil {
		return ctx, nil, err
	}
	return s.watchSocket(auth.NewContext(ctx, v), v), nil, nil
}

// watchSocket ties a connection to its viewer: when the token is revoked
// or expires, the user's memberships change or the user is disabled — on
// this replica or another — the connection closes with 4403 and the reason.
func (s *Server) watchSocket(ctx context.Context, v *auth.Viewer) context.Context {
	ctx, cancel := context.WithCancelCause(ctx)
	s.authn.Watch(ctx, v, func(err error) {
		s.metrics.errors.WithLabelValues("UNAUTHENTICATED").Inc()
		cancel(transport.Close(transport.CloseForbidden, err.Error()))
	})
	return ctx
}

// admitViewer re-checks the viewer for every operation started on a
// socket (transport.WebSocket.Admit): a connection authenticated once
// must not keep acting for a token since revoked or a member since
// removed. The check is an atomic load while nothing changed, and a
// cached lookup (one database read per token per TTL) otherwise.
func (s *Server) admitViewer(ctx context.Context) (context.Context, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return ctx, nil
	}
	cur, err := s.authn.Recheck(ctx, v)
	switch {
	case errors.Is(err, auth.ErrInvalidToken), errors.Is(err, auth.ErrScopeChanged):
		s.metrics.errors.WithLabelValues("UNAUTHENTICATED").Inc()
		return ctx, transport.Close(transport.CloseForbidden, err.Error())
	case err != nil:
		id := RequestID(ctx)
		s.log.ErrorContext(ctx, "websocket: re-checking the viewer failed", "request_id", id, "err", err)
		return ctx, &gqlerror.Error{Message: "internal error (request id " + id + ")",
			Extensions: map[string]any{"code": "INTERNAL", "requestId": id}}
	case cur != v:
		// The scope only grew (a project added): act with it. Recheck
		// holds the socket's viewer to it from now on.
		return auth.NewContext(ctx, cur), nil
	}
	return ctx, nil
}

// checkOrigin admits same-origin upgrades and the configured allow-list;
// a browser page elsewhere cannot ride a user's session into the API.
func (s *Server) checkOrigin(r *http.Request) bool {
	if transport.SameOrigin(r) {
		return true
	}
	origin := r.Header.Get("Origin")
	for _, o := range s.cfg.AllowedOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// shareKey lets identical live `changes` subscriptions of one viewer share
// an execution (transport.Sharing). Only a live tail qualifies: with
// `since` a subscription replays from its own revision, and the other
// subscriptions start with a snapshot of their object. The key holds the
// token, the viewer's roles (the filter is confined by them), the
// document, the operation name and the coerced variables.
func shareKey(ctx context.Context, rc *graphql.OperationContext) string {
	v := auth.FromContext(ctx)
	if v == nil || rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return ""
	}
	for _, f := range graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Subscription"}) {
		if f.Name != "changes" {
			return ""
		}
		if a := f.Arguments.ForName("since"); a != nil {
			if val, err := a.Value.Value(rc.Variables); err != nil || val != nil {
				return ""
			}
		}
	}
	vars, err := json.Marshal(rc.Variables) // map keys sorted: a canonical form
	if err != nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%t", v.TokenID, v.UserID, v.Admin)
	for _, p := range slices.Sorted(maps.Keys(v.Roles)) {
		fmt.Fprintf(&b, "\x00%s=%s", p, v.Roles[p])
	}
	fmt.Fprintf(&b, "\x01%s\x00%s\x00%s", rc.OperationName, rc.RawQuery, vars)
	return b.String()
}
