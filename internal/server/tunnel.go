package server

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/clusters"
	"github.com/bcs-io/bcs/internal/tunnel"
)

// agentTunnel takes `bcs agent`'s outbound tunnel (internal/tunnel). Only
// an agent key opens one, for the cluster that key belongs to: not the
// one-time register token, not a user's API token, not the key of a
// cluster being removed. The key is checked again while the tunnel lives
// (tunnel.Options.Recheck), so a removal on another replica closes it too.
func (s *Server) agentTunnel(w http.ResponseWriter, r *http.Request) {
	if tunnel.IsPeer(r) {
		s.tunnels.ServePeer(w, r)
		return
	}
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

// wireTunnels gives every way into a cluster the agents' tunnels ending
// on this replica: operations, the cluster service's Connector (and so
// datawatch, Standby and the Kubernetes proxy), and the agent report's and
// health monitor's probes.
func (s *Server) wireTunnels() {
	s.tunnels = tunnel.NewServer(tunnel.Options{Log: s.log, Registerer: s.metrics.registry})
	s.ops.Tunnels = s.tunnels
	s.clusters.Tunnels = s.tunnels
	s.registry.Tunnel = s.clusters.Tunnel
}

// startTunnelPeers makes the replicas that meet in ZooKeeper each other's
// tunnel peers (internal/tunnel peers.go), so that a cluster whose agent
// is connected to one replica is reached from all. Without ZooKeeper
// there is no list of replicas: each reaches only the tunnels it holds.
func (s *Server) startTunnelPeers(ctx context.Context) {
	if len(s.cfg.ZooKeeper) == 0 || s.cfg.Advertise == "" || s.cfg.Secrets == nil {
		return
	}
	s.tunnels.EnablePeers(s.replica, hex.EncodeToString(s.cfg.Secrets.Derive("tunnel-peers")))
	s.background(ctx, func(ctx context.Context) error {
		defer s.tunnels.SetPeers(nil)
		t := time.NewTicker(3 * time.Second)
		defer t.Stop()
		for {
			if peers, err := s.peerURLs(); err != nil {
				s.log.Warn("tunnel peers: cannot list replicas", "err", err)
			} else {
				s.tunnels.SetPeers(peers)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	})
}
