package sim

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
)

func masterChildren(t *testing.T, conn *zk.Conn) []string {
	t.Helper()
	children, _, err := conn.Children("/mesos")
	if err != nil {
		t.Fatal(err)
	}
	return masterNodes(children)
}

func TestZooKeeperRegistration(t *testing.T) {
	zks := zookeeper.StartT(t)
	conn, _, err := zk.Connect([]string{zks.Addr()}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	cfg := quickConfig(1)
	cfg.ZK = "zk://" + zks.Addr() + "/mesos"
	first := startSim(t, cfg)
	if first.Mode() != ModeLeader {
		t.Fatalf("first master is %s", first.Mode())
	}

	nodes := masterChildren(t, conn)
	if len(nodes) != 1 || !strings.HasPrefix(nodes[0], "json.info_") || len(nodes[0]) != len("json.info_")+10 {
		t.Fatalf("nodes %v", nodes)
	}
	data, stat, err := conn.Get("/mesos/" + nodes[0])
	if err != nil {
		t.Fatal(err)
	}
	if stat.EphemeralOwner == 0 {
		t.Fatal("master node is not ephemeral")
	}
	var info map[string]any
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatalf("MasterInfo JSON %s: %v", data, err)
	}
	_, port, _ := strings.Cut(first.Addr(), ":")
	address, _ := info["address"].(map[string]any)
	if info["ip"] != float64(16777343) || info["port"] != mustFloat(port) || address["ip"] != "127.0.0.1" || info["id"] == "" {
		t.Fatalf("MasterInfo %s", data)
	}
	if _, hasNull := info["capabilities"]; hasNull {
		t.Fatalf("null fields left in %s", data)
	}

	// A second master on the path follows the first and redirects to it.
	second := startSim(t, cfg)
	if second.Mode() != ModeFollower {
		t.Fatalf("second master is %s", second.Mode())
	}
	code, h, _ := rawPost(t, second.URL()+"/api/v1/scheduler", map[string]string{"Content-Type": mediaJSON},
		`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`)
	if code != 307 || h.Get("Location") != "//"+first.Addr()+"/api/v1/scheduler" {
		t.Fatalf("follower answered %d, Location %q", code, h.Get("Location"))
	}

	// The leader goes away: the follower takes over.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "second master leads", func() bool { return second.Mode() == ModeLeader })
	fw := subscribe(t, second, frameworkInfo("after-failover"), jsonCodec)
	fw.offers(1)

	// Its ZooKeeper session expires: it registers again and keeps leading.
	nodes = masterChildren(t, conn)
	_, stat, err = conn.Get("/mesos/" + nodes[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := zks.ExpireSession(t.Context(), stat.EphemeralOwner); err != nil {
		t.Fatal(err)
	}
	eventually(t, "re-registration", func() bool {
		now := masterChildren(t, conn)
		return len(now) == 1 && now[0] != nodes[0]
	})
	eventually(t, "leading again", func() bool { return second.Mode() == ModeLeader })
}

func mustFloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
