package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/server"
	"github.com/bcs-io/bcs/internal/zkutil"
)

// wallFlags are the serve flags that keep tenants from reaching what is
// not theirs through the server: the cluster-address policy and the
// credentials of BCS's ZooKeeper nodes.
type wallFlags struct {
	clusterNetworks []string
	zookeeperAuth   string
}

func (w *wallFlags) register(f *pflag.FlagSet) {
	f.StringSliceVar(&w.clusterNetworks, "cluster-networks", splitEnv("BCS_CLUSTER_NETWORKS"),
		"CIDRs that users who are not platform admins may register clusters in, e.g. 10.0.0.0/8 (BCS_CLUSTER_NETWORKS; "+
			"default: everything except loopback, link-local, unspecified and cloud metadata addresses)")
	f.StringVar(&w.zookeeperAuth, "zookeeper-auth", envOr("BCS_ZOOKEEPER_AUTH", ""),
		"user:password for ZooKeeper's digest scheme: BCS's nodes become writable by that identity only (BCS_ZOOKEEPER_AUTH)")
}

func (w *wallFlags) apply(cfg *server.Config) error {
	policy, err := netpolicy.Parse(w.clusterNetworks)
	if err != nil {
		return fmt.Errorf("--cluster-networks: %w", err)
	}
	cfg.ClusterNetworks = policy
	if w.zookeeperAuth != "" {
		opt, err := zkutil.ParseAuth(w.zookeeperAuth)
		if err != nil {
			return fmt.Errorf("--zookeeper-auth: %w", err)
		}
		cfg.ZooKeeperAuth = []zkutil.Option{opt}
	}
	return nil
}
