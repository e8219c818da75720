package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

// TestMesosReplicas runs two replicas on one PostgreSQL database and one
// ZooKeeper. Replica a registers the cluster, so its scheduler instance
// leads; replica b's instance is a standby. A scale sent to b succeeds by
// forwarding, the forwarding route refuses wrong tokens, and the cluster's
// datawatch runs on b (a reads the cluster list only once, before the
// cluster exists), which is not the scheduler's leader.
func TestMesosReplicas(t *testing.T) {
	zk := zookeeper.StartT(t)
	ports, _ := sim.ParsePorts("31000-31100")
	srv, err := sim.Start(context.Background(), sim.Config{Listen: "127.0.0.1:0", Agents: 4,
		Agent: sim.AgentSpec{CPUs: 2, MemMB: 4096, Ports: ports}, AllocationInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url, err := pg.CreateDatabase(context.Background(), fmt.Sprintf("mesosreplicas%d", dbSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	a := newEnvWith(t, url, func(c *Config) {
		c.Replica, c.ZooKeeper, c.WatchInterval = "a", []string{zk.Addr()}, time.Hour
	})

	p := a.createProject(t, "Mesos", "mesos")
	var c struct{ ID, Status string }
	a.do(t, `mutation($in: RegisterMesosClusterInput!) { registerMesosCluster(input: $in) { id status } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": "sim", "masters": srv.URL()}}).field(t, "registerMesosCluster", &c)
	if c.Status != "NORMAL" {
		t.Fatalf("registered %+v", c)
	}
	leader, err := a.server.mesosService(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "replica a's scheduler to lead", leader.IsLeader)
	// b starts once a leads: its datawatch starts its own instance, a standby.
	b := newEnvWith(t, url, func(c *Config) { c.Replica, c.ZooKeeper = "b", []string{zk.Addr()} })

	app := "kind: Application\nname: web\ninstances: 3\ncpus: 0.1\nmem: 32\ncmd: sleep 3600\n"
	apply := `mutation($cid: ID!, $m: String!) { applyManifest(input: {clusterID: $cid, namespace: "team", manifest: $m}) { ` + opFields + ` } }`
	if op := a.mutateOp(t, apply, "applyManifest", map[string]any{"cid": c.ID, "m": app}); op.Status != "SUCCEEDED" {
		t.Fatalf("apply: %+v", op)
	}
	workload := func(env *testEnv, ready, desired int) func() bool {
		return func() bool {
			var w struct {
				TotalCount int
				Edges      []struct{ Node struct{ Ready, Desired int } }
			}
			env.do(t, `{ workloads(where: {kind: MESOS_APPLICATION, name: "web"}) { totalCount edges { node { ready desired } } } }`, nil).field(t, "workloads", &w)
			return w.TotalCount == 1 && w.Edges[0].Node.Ready == ready && w.Edges[0].Node.Desired == desired
		}
	}
	eventually(t, "b's datawatch to store the application 3/3", workload(b, 3, 3))
	// Tasks come from the master's event stream, the application's counts
	// from the scheduler's state in ZooKeeper: either may be stored first.
	eventually(t, "3 MesosTask changes in the log", func() bool {
		var page struct{ Changes []changeView }
		b.do(t, `{ changes(since: 0, first: 500, filter: {kinds: ["MesosTask"]}) { changes { `+changeFields+` } } }`, nil).field(t, "changes", &page)
		return len(page.Changes) >= 3
	})

	// Every replica keeps an instance of the cluster's scheduler, standing
	// by to lead, without waiting for an operation to need it.
	eventually(t, "b to start its scheduler instance", func() bool {
		in, err := leader.Instances()
		return err == nil && len(in) == 2
	})

	// A mutation on the standby replica is forwarded to the leader.
	scale := `mutation($cid: ID!) { scaleWorkload(input: {clusterID: $cid, namespace: "team", kind: "Application", name: "web", replicas: 4}) { ` + opFields + ` } }`
	if op := b.mutateOp(t, scale, "scaleWorkload", map[string]any{"cid": c.ID}); op.Status != "SUCCEEDED" {
		t.Fatalf("scale through the standby: %+v", op)
	}
	standby, err := b.server.mesosService(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if standby.IsLeader() || !leader.IsLeader() {
		t.Fatal("replica b's scheduler leads: the scale was not forwarded")
	}
	eventually(t, "4 tasks RUNNING", func() bool { return srv.Summary().Tasks["TASK_RUNNING"] == 4 })
	eventually(t, "b's datawatch to store the application 4/4", workload(b, 4, 4))

	// The forwarding route: calls signed with the cluster's key, fresh and
	// never seen before, nothing else.
	newCall := func(env *testEnv, cluster string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, env.srv.URL+mesosRPCPrefix+cluster+"/listApps", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	send := func(req *http.Request) (int, string) {
		req.Body = io.NopCloser(strings.NewReader("{}"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	key := a.server.mesosRPCKey(c.ID)
	signedWith := func(env *testEnv, key []byte, at time.Time) *http.Request {
		req := newCall(env, c.ID)
		scheduler.SignRPC(req, key, []byte("{}"), at)
		return req
	}
	bearer := func(token string) *http.Request {
		req := newCall(a, c.ID)
		req.Header.Set("Authorization", "Bearer "+token)
		return req
	}
	for name, req := range map[string]*http.Request{
		"unsigned":                      newCall(a, c.ID),
		"the old bearer token":          bearer(hex.EncodeToString(key)),
		"the GraphQL API token":         bearer(a.token),
		"another cluster's key":         signedWith(a, a.server.mesosRPCKey("cls_other"), time.Now()),
		"a key derived for another use": signedWith(a, a.server.cfg.Secrets.Derive("other/"+c.ID), time.Now()),
		"a stale timestamp":             signedWith(a, key, time.Now().Add(-2*scheduler.RPCMaxSkew)),
	} {
		if code, body := send(req); code != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", name, code, body)
		}
	}
	call := signedWith(a, key, time.Now())
	code, body := send(call)
	var apps struct{ Apps []struct{ Instances int } }
	if code != http.StatusOK || json.Unmarshal([]byte(body), &apps) != nil || len(apps.Apps) != 1 || apps.Apps[0].Instances != 4 {
		t.Errorf("the leader with a signed call: %d %s", code, body)
	}
	if code, body := send(call); code != http.StatusForbidden {
		t.Errorf("the same signed call replayed: %d %s, want 403", code, body)
	}
	if code, body := send(signedWith(b, key, time.Now())); code != http.StatusServiceUnavailable {
		t.Errorf("the standby with a signed call: %d %s, want 503 (calls are never forwarded twice)", code, body)
	}

	// Removing the cluster stops every replica's scheduler instance: no
	// standby is left to take over a framework nobody manages. Cached
	// holds until an instance has closed.
	a.do(t, `mutation($id: ID!) { removeCluster(id: $id) { status } }`, map[string]any{"id": c.ID})
	eventually(t, "both replicas to stop their scheduler instances", func() bool {
		return !a.server.router.Cached(c.ID) && !b.server.router.Cached(c.ID)
	})
	if leader.IsLeader() || standby.IsLeader() {
		t.Fatal("a scheduler instance of the removed cluster still leads")
	}
}

// TestRemovedMesosClusterHasNoLeader: once a cluster is removed, a standby
// scheduler instance that wins the election resigns instead of leading,
// even while its replica has not yet noticed the removal (b's datawatch
// looks once an hour here, so b keeps its instance).
func TestRemovedMesosClusterHasNoLeader(t *testing.T) {
	zk := zookeeper.StartT(t)
	ports, _ := sim.ParsePorts("31000-31100")
	srv, err := sim.Start(context.Background(), sim.Config{Listen: "127.0.0.1:0", Agents: 2,
		Agent: sim.AgentSpec{CPUs: 2, MemMB: 4096, Ports: ports}, AllocationInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url, err := pg.CreateDatabase(context.Background(), fmt.Sprintf("mesosretired%d", dbSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	hourly := func(name string) func(*Config) {
		return func(c *Config) { c.Replica, c.ZooKeeper, c.WatchInterval = name, []string{zk.Addr()}, time.Hour }
	}
	a := newEnvWith(t, url, hourly("a"))
	p := a.createProject(t, "Mesos", "mesos")
	var c struct{ ID, Status string }
	a.do(t, `mutation($in: RegisterMesosClusterInput!) { registerMesosCluster(input: $in) { id status } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": "sim", "masters": srv.URL()}}).field(t, "registerMesosCluster", &c)
	leader, err := a.server.mesosService(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "replica a's scheduler to lead", leader.IsLeader)
	b := newEnvWith(t, url, hourly("b"))
	eventually(t, "b to start its scheduler instance", func() bool {
		in, err := leader.Instances()
		return err == nil && len(in) == 2
	})
	standby, err := b.server.mesosService(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}

	a.do(t, `mutation($id: ID!) { removeCluster(id: $id) { status } }`, map[string]any{"id": c.ID})
	eventually(t, "the election to end without a leader", func() bool {
		_, err := standby.LeaderInstance()
		return err != nil
	})
	if standby.IsLeader() || !b.server.router.Cached(c.ID) {
		t.Fatalf("b's instance leads %v, is kept %v; want a kept instance that does not lead", standby.IsLeader(), b.server.router.Cached(c.ID))
	}
}
