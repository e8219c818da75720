package clusters

import (
	"context"
	"fmt"
	"strings"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/orchestrators"
)

// Connector opens registered clusters: the one way BCS reaches a cluster
// it stores. The router's factories hold the cluster-address policy, and
// the connection carries Cluster.restricted, so a cluster registered by a
// non-admin is dialled only within the policy whoever opens it.
type Connector struct {
	Router *orchestrators.Router
	Box    *secrets.Box
	// Tunnels are the agents' tunnels connected to this replica (nil: none).
	Tunnels Tunnels
}

// Tunnels reach clusters through their agents' outbound tunnels
// (internal/tunnel.Server).
type Tunnels interface {
	// Dial dials through the cluster's tunnel, failing at once with an
	// error wrapping orchestrators.ErrNoTunnel when none is connected here.
	Dial(clusterID string) orchestrators.DialFunc
	// Drop closes the cluster's tunnels on this replica.
	Drop(clusterID string)
}

// Tunnel is the dial through the agent tunnel of a cluster registered by
// `bcs agent`, for k8s.ViaTunnel; nil for other clusters or without
// tunnels. Through a tunnel the cluster-address policy does not apply: the
// agent, not the address stored in BCS, decides where the connection goes,
// and it only goes to the API server of the agent's own cluster.
func (k Connector) Tunnel(c *ent.Cluster) orchestrators.DialFunc {
	if k.Tunnels == nil || c.Kind != cluster.KindK8S || !isSet(c.AgentKeyHash) {
		return nil
	}
	return k.Tunnels.Dial(string(c.ID))
}

// Open returns the cluster's orchestrator (the router's cached one while
// the credentials are unchanged).
func (k Connector) Open(ctx context.Context, c *ent.Cluster) (orchestrators.Orchestrator, error) {
	conn, err := Conn(c, k.Box)
	if err != nil {
		return nil, err
	}
	conn.Tunnel = k.Tunnel(c)
	return k.Router.For(ctx, conn)
}

// Forget closes this replica's orchestrator of a cluster (and stops its
// Mesos scheduler instance) and its agent's tunnels here; a client that
// fails to close is gone all the same.
func (k Connector) Forget(clusterID string) {
	if k.Tunnels != nil {
		k.Tunnels.Drop(clusterID)
	}
	if k.Router == nil {
		return
	}
	_ = k.Router.Forget(clusterID)
}

// Conn opens a cluster's sealed credentials into an orchestrator connection.
func Conn(c *ent.Cluster, box *secrets.Box) (orchestrators.Conn, error) {
	conn := orchestrators.Conn{ClusterID: string(c.ID), Kind: orchestrators.Kind(c.Kind), Restricted: c.Restricted}
	if len(c.Credentials) == 0 {
		return conn, &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Message: "the cluster has no credentials yet"}
	}
	plain, err := box.Open(string(c.ID), c.Credentials)
	if err != nil {
		return conn, fmt.Errorf("open credentials of cluster %s: %w", c.ID, err)
	}
	if conn.Kind == orchestrators.KindK8s {
		conn.Kubeconfig = plain
	} else {
		conn.Endpoints = strings.Split(string(plain), ",")
	}
	return conn, nil
}
