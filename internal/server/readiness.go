package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-zookeeper/zk"
)

// errZooKeeperDown is readiness's answer while the replica has no
// ZooKeeper session: leases, discovery and every Mesos scheduler need one.
var errZooKeeperDown = errors.New("no ZooKeeper session")

// ready answers /readyz: 503 naming the dependency that is down (the
// database; ZooKeeper when configured), so a load balancer sends requests
// elsewhere while /healthz, which only says the process lives, stays 200.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness check failed", "dependency", "database", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	if err := s.zooKeeperReady(); err != nil {
		s.log.WarnContext(ctx, "readiness check failed", "dependency", "zookeeper", "err", err)
		http.Error(w, "zookeeper unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// zooKeeperReady reports whether the replica's shared session is
// established; without --zookeeper there is nothing to check.
func (s *Server) zooKeeperReady() error {
	if len(s.cfg.ZooKeeper) == 0 {
		return nil
	}
	sess, err := s.zkSession()
	if err != nil {
		return err
	}
	if sess.State() != zk.StateHasSession {
		return errZooKeeperDown
	}
	return nil
}
