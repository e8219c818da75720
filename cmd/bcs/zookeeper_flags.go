package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcs-io/bcs/internal/server"
	"github.com/bcs-io/bcs/internal/zkutil"
)

// zookeeperFlags decide how soon a standby replica takes over a crashed
// replica's leases and Mesos schedulers: a crash is seen only when
// ZooKeeper expires the dead replica's session.
type zookeeperFlags struct {
	sessionTimeout, electionGrace time.Duration
}

func (z *zookeeperFlags) register(f *pflag.FlagSet) {
	f.DurationVar(&z.sessionTimeout, "zookeeper-session-timeout", zkutil.DefaultSessionTimeout,
		"ZooKeeper session timeout: a crashed replica's leaderships pass to a standby this long after it was last heard "+
			"(ZooKeeper grants 2 to 20 ticks; 4s is the least its default tickTime of 2s allows)")
	f.DurationVar(&z.electionGrace, "zookeeper-election-grace", 0,
		"how long a leader disconnected from ZooKeeper keeps leading (default a sixth of the session timeout; "+
			"under a third, so that it stops before its session can expire and a successor starts)")
}

func (z *zookeeperFlags) apply(cfg *server.Config) error {
	if z.sessionTimeout <= 0 {
		return fmt.Errorf("--zookeeper-session-timeout: want a positive duration")
	}
	// A leader still leading when its session may have expired would lead
	// beside its successor.
	if z.electionGrace < 0 || z.electionGrace >= z.sessionTimeout/3 {
		return fmt.Errorf("--zookeeper-election-grace: want 0 to under a third of --zookeeper-session-timeout (%v)", z.sessionTimeout)
	}
	cfg.ZooKeeperSessionTimeout, cfg.ZooKeeperElectionGrace = z.sessionTimeout, z.electionGrace
	return nil
}
