package clusters

import (
	"context"
	"fmt"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/orchestrators"
)

func (r *Registry) tunnel(c *ent.Cluster) orchestrators.DialFunc {
	if r.Tunnel == nil {
		return nil
	}
	return r.Tunnel(c)
}

// AgentCluster is the cluster whose agent holds key (its agent key, not
// the one-time register token), while the cluster is not being removed:
// what may open that cluster's tunnel. Anything else is ErrUnknownAgent.
func (r *Registry) AgentCluster(ctx context.Context, key string) (*ent.Cluster, error) {
	ctx = auth.System(ctx)
	if auth.CheckToken(key) != nil {
		return nil, ErrUnknownAgent
	}
	c, err := r.Client.Cluster.Query().Where(cluster.AgentKeyHash(auth.HashToken(key)),
		cluster.StatusNotIn(cluster.StatusREMOVING, cluster.StatusREMOVED)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrUnknownAgent
	}
	if err != nil {
		return nil, fmt.Errorf("find agent's cluster: %w", err)
	}
	return c, nil
}
