package server

import (
	"context"
	"errors"
	"log/slog"
	"path"
	"strings"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/internal/zkutil"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

// With --zookeeper-auth, every node BCS trusts — discovery entries that
// replicas forward calls to, leases, the Mesos scheduler's election and
// state — is writable by BCS's identity only: a client without the
// credentials can read them but neither change, delete nor add to them.
func TestZooKeeperNodesRefuseUnauthenticatedWrites(t *testing.T) {
	zk := zookeeper.StartT(t)
	ports, _ := sim.ParsePorts("31000-31100")
	srv, err := sim.Start(context.Background(), sim.Config{Listen: "127.0.0.1:0", Agents: 1,
		Agent: sim.AgentSpec{CPUs: 2, MemMB: 1024, Ports: ports}, AllocationInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	auth, err := zkutil.ParseAuth("bcs:s3cret")
	if err != nil {
		t.Fatal(err)
	}
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) {
		c.ZooKeeper, c.ZooKeeperAuth, c.Replica = []string{zk.Addr()}, []zkutil.Option{auth}, "replica-a"
	})
	p := env.createProject(t, "Mesos", "mesos")
	var c struct{ ID string }
	env.do(t, `mutation($in: RegisterMesosClusterInput!) { registerMesosCluster(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": "sim", "masters": srv.URL()}}).field(t, "registerMesosCluster", &c)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	outsider, err := zkutil.Connect(ctx, []string{zk.Addr()}, 10*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer outsider.Close()
	exists := func(p string) bool { ok, _, _ := outsider.Exists(p); return ok }
	eventually(t, "BCS's nodes in ZooKeeper", func() bool {
		children, _, _ := outsider.Children("/bcs/leases")
		return exists("/bcs/services/bcs-api") && len(children) > 0 && exists("/bcs/mesos/"+c.ID) &&
			exists("/bcs/services/mesos-scheduler-"+c.ID)
	})

	var nodes []string
	var walk func(p string)
	walk = func(p string) {
		nodes = append(nodes, p)
		children, _, err := outsider.Children(p)
		if err != nil {
			t.Fatalf("read %s without credentials: %v (reads stay open)", p, err)
		}
		for _, ch := range children {
			walk(path.Join(p, ch))
		}
	}
	walk("/bcs")
	for _, n := range nodes {
		data, stat, err := outsider.Get(n)
		if err != nil {
			t.Fatalf("read %s: %v", n, err)
		}
		if _, err := outsider.Set(n, []byte("hijacked"), stat.Version); !errors.Is(err, gozk.ErrNoAuth) {
			t.Errorf("an unauthenticated client set %s: %v", n, err)
		}
		if stat.EphemeralOwner == 0 {
			if _, err := outsider.Create(n+"/intruder", nil, 0, gozk.WorldACL(gozk.PermAll)); !errors.Is(err, gozk.ErrNoAuth) {
				t.Errorf("an unauthenticated client created a child of %s: %v", n, err)
			}
		}
		if n != "/bcs" && stat.NumChildren == 0 {
			if err := outsider.Delete(n, -1); !errors.Is(err, gozk.ErrNoAuth) {
				t.Errorf("an unauthenticated client deleted %s: %v", n, err)
			}
		}
		_ = data
	}
	if len(nodes) < 8 || !strings.Contains(strings.Join(nodes, " "), "/bcs/leases/") {
		t.Fatalf("walked only %v", nodes)
	}
	// BCS itself still works on them: the cluster's scheduler leads.
	op := env.mutateOp(t, `mutation($cid: ID!, $m: String!) { applyManifest(input: {clusterID: $cid, namespace: "team", manifest: $m}) { `+opFields+` } }`,
		"applyManifest", map[string]any{"cid": c.ID, "m": "kind: Application\nname: web\ninstances: 1\ncpus: 0.1\nmem: 16\ncmd: sleep 3600\n"})
	if op.Status != "SUCCEEDED" {
		t.Fatalf("apply with ACLs in place: %+v", op)
	}
}

// Nodes made before the credentials were configured are closed at start.
func TestZooKeeperNodesFromBeforeTheCredentialsAreClosed(t *testing.T) {
	zk := zookeeper.StartT(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	outsider, err := zkutil.Connect(ctx, []string{zk.Addr()}, 10*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer outsider.Close()
	old := []string{"/bcs/leases/datawatch%2Fcls_old", "/bcs/services/bcs-api", "/bcs/mesos/cls_old/apps"}
	for _, p := range old {
		if err := outsider.EnsurePath(p); err != nil {
			t.Fatal(err)
		}
	}
	auth, _ := zkutil.ParseAuth("bcs:s3cret")
	newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) {
		c.ZooKeeper, c.ZooKeeperAuth = []string{zk.Addr()}, []zkutil.Option{auth}
	})
	closed := func(p string) bool {
		acl, _, err := outsider.GetACL(p)
		if err != nil {
			return false
		}
		for _, a := range acl {
			if a.Scheme == "world" && a.Perms != gozk.PermRead {
				return false
			}
		}
		return true
	}
	for _, p := range append(old, "/bcs", "/bcs/mesos/cls_old") {
		eventually(t, p+" closed", func() bool { return closed(p) })
		if _, err := outsider.Create(p+"/intruder", nil, 0, gozk.WorldACL(gozk.PermAll)); !errors.Is(err, gozk.ErrNoAuth) {
			t.Errorf("an unauthenticated client created a child of %s: %v", p, err)
		}
	}
}
