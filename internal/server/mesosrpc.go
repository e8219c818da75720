package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/orchestrators/mesos"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
)

// Forwarding between replicas for Mesos clusters: each replica runs a
// scheduler instance per cluster it is asked about, one of which leads; the
// others send API calls to the leader's scheduler at
// <mesosRPCPrefix><cluster>/<operation>. The route sits outside GraphQL's
// token auth: callers are replicas, which present the cluster's RPC token,
// derived from the shared secret key so that nothing extra is configured.
const mesosRPCPrefix = "/internal/mesos-scheduler/"

// maxMesosRPCBody matches what the scheduler's handler accepts.
const maxMesosRPCBody = 2 << 20

// mesosBase is what every Mesos cluster's scheduler instance on this
// replica shares: BCS's ZooKeeper and the replica's advertised address,
// where standbys reach it when it leads.
func (s *Server) mesosBase() scheduler.Config {
	base := scheduler.Config{ZK: s.cfg.ZooKeeper, ZKSessionTimeout: s.zkTimeout(), ZKOptions: s.zkOptions(),
		Logger: s.log, MasterPolicy: s.policy}
	if host, port, err := net.SplitHostPort(s.cfg.Advertise); err == nil {
		base.Instance.Address = host
		base.Instance.Port, _ = strconv.Atoi(port)
	}
	return base
}

// clusterRemoved reports whether a cluster is gone from BCS (or was never
// stored: a registration that failed) or on its way out: its scheduler
// instances then lead no more (scheduler.Config.Retired).
func (s *Server) clusterRemoved(ctx context.Context, id string) (bool, error) {
	c, err := s.db.Client.Cluster.Get(auth.System(ctx), gid.ID(id))
	if ent.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return c.Status == cluster.StatusREMOVING || c.Status == cluster.StatusREMOVED, nil
}

// mesosRPCKey is the key that signs forwarded calls of a cluster's
// scheduler instances: derived (HKDF) from the secret key for
// "mesos-rpc/"+cluster, so replicas sharing BCS_SECRET_KEY agree, a key for
// one cluster opens no other, and none is the key that seals credentials.
func (s *Server) mesosRPCKey(clusterID string) []byte {
	return s.cfg.Secrets.Derive("mesos-rpc/" + clusterID)
}

// mesosRPC dispatches a forwarded call to this replica's scheduler instance
// of the cluster named in the path. The signature (scheduler.SignRPC) is
// checked here before anything is looked up or started (the scheduler
// checks it again), so a caller without the key learns nothing, not even
// whether the cluster exists, and a captured call cannot be replayed.
func (s *Server) mesosRPC(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, mesosRPCPrefix)
	id, _, ok := strings.Cut(rest, "/")
	body, err := io.ReadAll(io.LimitReader(r.Body, maxMesosRPCBody+1))
	if !ok || id == "" || s.cfg.Secrets == nil || err != nil || len(body) > maxMesosRPCBody ||
		s.rpcAuth.Verify(r, s.mesosRPCKey(id), body) != nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	svc, err := s.mesosService(r.Context(), id)
	if err != nil {
		status := http.StatusServiceUnavailable
		if ent.IsNotFound(err) {
			status = http.StatusNotFound
		}
		s.log.WarnContext(r.Context(), "mesos forwarding: no scheduler", "cluster", id, "err", err)
		http.Error(w, err.Error(), status)
		return
	}
	svc.Handler().ServeHTTP(w, r)
}

// mesosService is this replica's scheduler instance of a Mesos cluster,
// started through the router if need be. A freshly started instance is a
// standby and answers 503 "not the leader", which the caller retries.
func (s *Server) mesosService(ctx context.Context, id string) (*scheduler.Service, error) {
	ctx, cancel := context.WithTimeout(auth.System(ctx), 30*time.Second)
	defer cancel()
	c, err := s.db.Client.Cluster.Query().Where(cluster.ID(gid.ID(id)), cluster.KindEQ(cluster.KindMESOS)).Only(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := operations.Conn(c, s.cfg.Secrets)
	if err != nil {
		return nil, err
	}
	o, err := s.router.For(ctx, conn)
	if err != nil {
		return nil, err
	}
	mo, ok := o.(*mesos.Orchestrator)
	if !ok {
		return nil, errors.New("not a Mesos cluster")
	}
	return mo.Service(ctx)
}
