package server

import (
	"testing"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
)

// TestReplicasAreDiscoveredThroughZooKeeper: each server registers a
// Curator-style ephemeral node; `replicas` lists the live ones, and a
// stopped replica disappears with its session.
func TestReplicasAreDiscoveredThroughZooKeeper(t *testing.T) {
	zk := zookeeper.StartT(t)
	a := newEnvWith(t, "sqlite://"+t.TempDir()+"/a.db", func(c *Config) {
		c.ZooKeeper, c.Replica, c.Advertise = []string{zk.Addr()}, "replica-a", "127.0.0.1:18001"
	})
	b := newEnvWith(t, "sqlite://"+t.TempDir()+"/b.db", func(c *Config) {
		c.ZooKeeper, c.Replica, c.Advertise = []string{zk.Addr()}, "replica-b", "127.0.0.1:18002"
	})
	list := func() map[string]string {
		var rs []struct{ ID, Address string }
		a.do(t, `{ replicas { id address port } }`, nil).field(t, "replicas", &rs)
		out := map[string]string{}
		for _, r := range rs {
			out[r.ID] = r.Address
		}
		return out
	}
	eventually(t, "both replicas registered", func() bool { return len(list()) == 2 })
	if got := list(); got["replica-b"] != "127.0.0.1" {
		t.Fatalf("replicas = %v", got)
	}
	b.server.Close()
	eventually(t, "the stopped replica gone", func() bool { _, ok := list()["replica-b"]; return !ok })
}
