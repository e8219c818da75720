package server

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/lease"
	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/internal/zkutil"
)

// TestLeasesLiveInZooKeeper: with ZooKeeper configured, the replicas'
// leases (here change-log retention's) are held there, none in the
// database, and a stopped replica's lease passes to another at once.
func TestLeasesLiveInZooKeeper(t *testing.T) {
	zk := zookeeper.StartT(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	obs, err := zkutil.Connect(ctx, []string{zk.Addr()}, 10*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	path := (&lease.ZooKeeper{}).Path("changelog/retention")
	holder := func() string {
		data, _ := zkutil.Leader(obs.Conn, path)
		return string(data)
	}
	contenders := func() int {
		children, _, _ := obs.Children(path)
		return len(children)
	}

	a := newEnvWith(t, "sqlite://"+t.TempDir()+"/a.db", func(c *Config) {
		c.ZooKeeper, c.Replica = []string{zk.Addr()}, "replica-a"
	})
	eventually(t, "replica-a holding the retention lease in ZooKeeper", func() bool { return holder() == "replica-a" })
	var rows int
	// Operations' liveness leases stay in the database, beside the
	// operations they vouch for (internal/operations).
	if err := a.db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM leases WHERE name NOT LIKE 'operations/%'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Errorf("%d leases in the database besides ZooKeeper's", rows)
	}

	newEnvWith(t, "sqlite://"+t.TempDir()+"/b.db", func(c *Config) {
		c.ZooKeeper, c.Replica = []string{zk.Addr()}, "replica-b"
	})
	eventually(t, "replica-b contending", func() bool { return contenders() == 2 })
	stopped := time.Now()
	a.server.Close()
	eventually(t, "replica-b taking over", func() bool { return holder() == "replica-b" })
	if d := time.Since(stopped); d >= a.server.zkTimeout() {
		t.Errorf("took over %v after replica-a stopped, as late as a dead replica's session expires", d)
	}
}
