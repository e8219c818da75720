package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/clusters"
)

// agentTunnel takes `bcs agent`'s outbound tunnel (internal/tunnel). Only
// an agent key opens one, for the cluster that key belongs to: not the
// one-time register token, not a user's API token, not the key of a
// cluster being removed. The key is checked again while the tunnel lives
// (tunnel.Options.Recheck), so a removal on another replica closes it too.
func (s *Server) agentTunnel(w http.ResponseWriter, r *http.Request) {
	key, err := auth.ParseBearer(r.Header.Get("Authorization"))
	if err != nil {
		s.unauthenticated(w, "the Authorization header must be \"Bearer <agent key>\"")
		return
	}
	c, err := s.registry.AgentCluster(r.Context(), key)
	switch {
	case errors.Is(err, clusters.ErrUnknownAgent):
		s.unauthenticated(w, "unknown or revoked agent key")
		return
	case err != nil:
		s.log.WarnContext(r.Context(), "agent tunnel: cannot check the agent key", "request_id", RequestID(r.Context()), "err", err)
		writeError(w, http.StatusServiceUnavailable, "INTERNAL", "the agent key cannot be checked now; retry (request id "+RequestID(r.Context())+")")
		return
	}
	still := func(ctx context.Context) error {
		_, err := s.registry.AgentCluster(ctx, key)
		if errors.Is(err, clusters.ErrUnknownAgent) {
			return err
		}
		return nil // a database hiccup does not cut a working tunnel
	}
	s.tunnels.Serve(w, r, string(c.ID), still)
}
