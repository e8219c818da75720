package mesos

import (
	"context"
	"strings"
	"time"

	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// Option adjusts a Factory.
type Option func(*factoryOptions)

type factoryOptions struct {
	rpcKey  func(clusterID string) []byte
	retired func(ctx context.Context, clusterID string) (bool, error)
}

// WithRetired tells each cluster's instances whether the cluster has been
// removed (Config.Retired), so that none takes its leadership over after.
func WithRetired(retired func(ctx context.Context, clusterID string) (bool, error)) Option {
	return func(o *factoryOptions) { o.retired = retired }
}

// WithRPCKey sets each cluster's forwarding key (Instance.RPCKey): every
// replica must derive the same key for a cluster, e.g. from a shared
// secret, so that standbys can forward to the leader.
func WithRPCKey(key func(clusterID string) []byte) Option {
	return func(o *factoryOptions) { o.rpcKey = key }
}

// Factory returns a factory that starts a scheduler instance for each Mesos
// cluster the Router asks for. base carries what every instance shares
// (BCS's ZooKeeper, the instance's advertised address, logger, tuning); the
// cluster's Conn adds its id, its masters (Endpoints: http(s):// master URLs,
// or one zk://host:port/path for Mesos's own master detection) and the
// Settings above. Leave base's Cluster, Root, Instance.ServiceName and
// Instance.RPCPath empty: they are derived per cluster. The instance starts
// in the background so that the factory makes no network call; operations
// wait for it within their context.
func Factory(base scheduler.Config, opts ...Option) orchestrators.Factory {
	var fo factoryOptions
	for _, opt := range opts {
		opt(&fo)
	}
	return func(_ context.Context, conn orchestrators.Conn) (orchestrators.Orchestrator, error) {
		cfg, err := ConfigFor(base, conn)
		if err != nil {
			return nil, err
		}
		if fo.rpcKey != nil {
			cfg.Instance.RPCKey = fo.rpcKey(conn.ClusterID)
		}
		if fo.retired != nil {
			id := conn.ClusterID
			cfg.Retired = func(ctx context.Context) (bool, error) { return fo.retired(ctx, id) }
		}
		o := &Orchestrator{cluster: conn.ClusterID, ready: make(chan struct{}), owned: true}
		go func() {
			defer close(o.ready)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			o.svc, o.err = scheduler.Start(ctx, cfg)
		}()
		return o, nil
	}
}

// ConfigFor is the scheduler configuration of one cluster: base with the
// cluster's id, masters and Settings; base's MasterPolicy applies to
// restricted clusters (Conn.Restricted) only. The Mesos datawatch reads the same
// ZooKeeper state and masters through it.
func ConfigFor(base scheduler.Config, conn orchestrators.Conn) (scheduler.Config, error) {
	cfg := base
	cfg.Cluster = conn.ClusterID
	if !conn.Restricted {
		cfg.MasterPolicy = nil // base carries the policy for restricted clusters only
	}
	cfg.Masters, cfg.MasterZK = nil, ""
	for _, ep := range conn.Endpoints {
		if strings.HasPrefix(ep, "zk://") {
			cfg.MasterZK = ep
		} else {
			cfg.Masters = append(cfg.Masters, ep)
		}
	}
	if zk := conn.Settings[SettingZK]; zk != "" {
		cfg.ZK = strings.Split(zk, ",")
	}
	if root := conn.Settings[SettingRoot]; root != "" {
		cfg.Root = root
	}
	if len(cfg.Masters) == 0 && cfg.MasterZK == "" {
		return cfg, orchestrators.BadInput("cluster "+conn.ClusterID, "a Mesos cluster needs a master URL or a zk:// URL")
	}
	if len(cfg.ZK) == 0 {
		return cfg, orchestrators.BadInput("cluster "+conn.ClusterID, "a Mesos cluster needs ZooKeeper servers for its state (setting %q)", SettingZK)
	}
	if cfg.Root == "" {
		cfg.Root = zkstate.DefaultRoot(conn.ClusterID)
	}
	return cfg, nil
}
