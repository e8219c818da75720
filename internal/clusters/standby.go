package clusters

import (
	"context"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
)

// Standby keeps this replica's scheduler instance of every Mesos cluster
// running, so that each replica stands by to lead whoever holds the
// cluster's watcher lease, and drops a cluster's instance once it is no
// longer registered: else it would stand by, and take over, for a cluster
// nobody manages any more.
type Standby struct {
	Connector
	// Mesos says this server manages Mesos clusters (it has a ZooKeeper);
	// without it Keep does nothing.
	Mesos bool
}

// Keep starts the cluster's scheduler instance if it is a Mesos cluster
// and none runs here yet; later calls are cheap (the router caches it).
func (s *Standby) Keep(ctx context.Context, c *ent.Cluster) error {
	if !s.Mesos || c.Kind != cluster.KindMESOS {
		return nil
	}
	_, err := s.Open(ctx, c)
	return err
}
