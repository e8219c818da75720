package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
	// The connection is closed directly rather than through a context
	// cancelled with the reason: one context less per idle socket.
	s.authn.Watch(ctx, v, func(err error) {
		s.metrics.errors.WithLabelValues("UNAUTHENTICATED").Inc()
		transport.CloseConnection(ctx, transport.CloseForbidden, err.Error())
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

// shareKey lets live `changes` subscriptions with the same effective
// scope share an execution (transport.Sharing), whoever holds them: a
// thousand users watching one namespace of a project cost one execution.
// Only a live tail qualifies: with `since` a subscription replays from its
// own revision.
//
// What a `changes` execution reads of its viewer is the filter's reach
// (changeFilter): with filter.projectID, whether the viewer may see that
// project (every role may, and one who may not runs alone to get its
// FORBIDDEN); without, all projects for an admin, else the set of the
// viewer's projects. A Change's fields are stored columns, the same for
// every role (Secrets are redacted before they are stored), so roles do
// not split groups. That holds for the fields in changeFieldsShared only:
// a selection of anything else keys by token, as before.
//
// The key is that scope, the document, the operation name and the coerced
// variables. Members' own identities are checked before each delivery
// (shareGuard); the execution runs as a detached viewer (shareExec).
func shareKey(ctx context.Context, rc *graphql.OperationContext) string {
	v := auth.FromContext(ctx)
	if v == nil || rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return ""
	}
	var scopes []string
	byToken := false
	for _, f := range graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Subscription"}) {
		if f.Name != "changes" {
			return ""
		}
		if a := f.Arguments.ForName("since"); a != nil {
			if val, err := a.Value.Value(rc.Variables); err != nil || val != nil {
				return ""
			}
		}
		scope, ok := changesScope(v, rc, f)
		if !ok {
			return ""
		}
		scopes = append(scopes, scope)
		for _, sel := range graphql.CollectFields(rc, f.Selections, []string{"Change", "Node"}) {
			if !changeFieldsShared[sel.Name] {
				byToken = true
			}
		}
	}
	vars, err := json.Marshal(rc.Variables) // map keys sorted: a canonical form
	if err != nil {
		return ""
	}
	var b strings.Builder
	if byToken {
		fmt.Fprintf(&b, "token=%s\x00", v.TokenID)
	}
	b.WriteString(strings.Join(scopes, "\x00"))
	fmt.Fprintf(&b, "\x01%s\x00%s\x00%s", rc.OperationName, rc.RawQuery, vars)
	return b.String()
}

// changeFieldsShared are the fields of Change whose values are the same
// for every viewer who may see the change.
var changeFieldsShared = map[string]bool{
	"__typename": true, "id": true, "revision": true, "clusterID": true, "projectID": true, "kind": true,
	"namespace": true, "name": true, "objectID": true, "type": true, "object": true, "createdAt": true,
}

// changesScope is the reach of a `changes` field's filter for v, as
// changeFilter computes it; !ok when v may not use the filter (the
// operation then runs alone and answers the error).
func changesScope(v *auth.Viewer, rc *graphql.OperationContext, f graphql.CollectedField) (string, bool) {
	var project any
	if a := f.Arguments.ForName("filter"); a != nil {
		val, err := a.Value.Value(rc.Variables)
		if err != nil {
			return "", false
		}
		if m, ok := val.(map[string]any); ok {
			project = m["projectID"]
		}
	}
	switch p := project.(type) {
	case nil:
	case string:
		if !v.Can(auth.ProjectView, auth.ID(p)) {
			return "", false
		}
		return "project=" + p, true
	default:
		return "", false
	}
	if v.Admin {
		return "all", true
	}
	var b strings.Builder
	b.WriteString("projects=")
	for _, id := range v.ProjectIDs() {
		b.WriteString(string(id) + ",")
	}
	return b.String(), true
}

// shareExec runs a shared execution as the detached viewer of the member
// that started it: the key guarantees every member the same reach, and no
// member's revocation may end the others' stream.
func shareExec(ctx context.Context) context.Context {
	if v := auth.FromContext(ctx); v != nil {
		return auth.NewContext(ctx, v.Detached())
	}
	return ctx
}

// shareGuard holds each member of a shared execution to its own viewer
// before every delivery, as the hub does for a subscription of its own: a
// revoked token, an expired one or a changed membership receives nothing
// more (its socket is closing with 4403 too).
func shareGuard(ctx context.Context) transport.Guard {
	if v := auth.FromContext(ctx); v != nil {
		return viewerGuard{v}
	}
	return nil
}

type viewerGuard struct{ v *auth.Viewer }

func (g viewerGuard) Err() error {
	if err := g.v.Err(); err != nil {
		return &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": "UNAUTHENTICATED"}}
	}
	return nil
}
