package main

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/bcs-io/bcs/internal/server"
)

func TestWallFlags(t *testing.T) {
	var cfg server.Config
	if err := (&wallFlags{}).apply(&cfg); err != nil || cfg.ClusterNetworks == nil || cfg.ZooKeeperAuth != nil {
		t.Fatalf("defaults: %v %+v", err, cfg)
	}
	if cfg.ClusterNetworks.Permits(netip.MustParseAddr("169.254.169.254")) {
		t.Error("the default policy permits the metadata address")
	}
	w := &wallFlags{clusterNetworks: []string{"127.0.0.0/8"}, zookeeperAuth: "bcs:pw"}
	if err := w.apply(&cfg); err != nil || !cfg.ClusterNetworks.Permits(netip.MustParseAddr("127.0.0.1")) || len(cfg.ZooKeeperAuth) != 1 {
		t.Fatalf("given: %v %+v", err, cfg)
	}
	for _, bad := range []wallFlags{{clusterNetworks: []string{"10.0.0.0/40"}}, {zookeeperAuth: "no-colon"}, {zookeeperAuth: ":pw"}} {
		if err := bad.apply(&cfg); err == nil || !strings.HasPrefix(err.Error(), "--") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
