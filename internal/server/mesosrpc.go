package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/orchestrators/mesos"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
)

// mesosRPCPrefix is where replicas forward Mesos scheduler calls
// (scheduler.Forwarding).
const mesosRPCPrefix = scheduler.RPCPrefix

// mesosBase is what every Mesos cluster's scheduler instance on this
// replica shares: BCS's ZooKeeper and the replica's advertised address,
// where standbys reach it when it leads.
func (s *Server) mesosBase() scheduler.Config {
	base := scheduler.Config{ZK: s.cfg.ZooKeeper, ZKSessionTimeout: s.zkTimeout(), ZKOptions: s.zkOptions(),
		Logger: s.log, MasterPolicy: s.policy}
	base.Instance.PeerTLS = s.cfg.PeerTLS
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

// mesosRPC serves the scheduler calls other replicas forward here, signed
// with the cluster's RPC key.
func (s *Server) mesosRPC() http.Handler {
	f := &scheduler.Forwarding{Lookup: s.mesosService, NotFound: ent.IsNotFound, Log: s.log}
	if s.cfg.Secrets != nil {
		f.Key = s.mesosRPCKey
	}
	return f
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
	o, err := s.clusters.Open(ctx, c)
	if err != nil {
		return nil, err
	}
	mo, ok := o.(*mesos.Orchestrator)
	if !ok {
		return nil, errors.New("not a Mesos cluster")
	}
	return mo.Service(ctx)
}
