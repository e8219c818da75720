package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/transport"
)

// websocketInit authenticates a websocket connection. Browsers cannot set
// headers on an upgrade, so the token may come in the connection_init
// payload ({"Authorization": "Bearer …"} as GraphiQL sends its headers, or
// {"token": "…"}); a header on the upgrade request works too. Refusal
// closes the socket with 4403.
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
		if v := auth.FromContext(ctx); v != nil {
			return ctx, nil, nil
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
	return auth.NewContext(ctx, v), nil, nil
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
