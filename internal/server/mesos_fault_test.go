package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

// cutProxy forwards TCP to a target until cut: then the listener and every
// connection close at once and nothing reconnects. Between a replica and
// ZooKeeper it does what SIGKILL does to the replica's sessions: they are
// not closed, ZooKeeper only stops hearing from them and expires them at
// the session timeout (a closed session would hand leadership over at once).
type cutProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCutProxy(tb testing.TB, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &cutProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
	tb.Cleanup(p.cut)
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// mesosPair is two replicas on one PostgreSQL database and one ZooKeeper;
// a, which reaches ZooKeeper through a cutProxy, leads the cluster's
// scheduler with 3 tasks running, and b's instance stands by.
type mesosPair struct {
	a, b            *testEnv
	proxy           *cutProxy
	zk              *zookeeper.Server
	master          *sim.Server
	cluster         string
	leader, standby *scheduler.Service
}

func startMesosPair(tb testing.TB) *mesosPair {
	zk := zookeeper.StartT(tb)
	ports, _ := sim.ParsePorts("31000-31100")
	master, err := sim.Start(context.Background(), sim.Config{Listen: "127.0.0.1:0", Agents: 4,
		Agent: sim.AgentSpec{CPUs: 2, MemMB: 4096, Ports: ports}, AllocationInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = master.Close() })
	url, err := pg.CreateDatabase(context.Background(), fmt.Sprintf("mesosfault%d", dbSeq.Add(1)))
	if err != nil {
		tb.Fatal(err)
	}
	p := &mesosPair{proxy: newCutProxy(tb, zk.Addr()), zk: zk, master: master}
	p.a = newEnvWith(tb, url, func(c *Config) {
		c.Replica, c.ZooKeeper, c.WatchInterval = "a", []string{p.proxy.addr()}, time.Hour
	})
	proj := p.a.createProject(tb, "Mesos", "mesos")
	var c struct{ ID, Status string }
	p.a.do(tb, `mutation($in: RegisterMesosClusterInput!) { registerMesosCluster(input: $in) { id status } }`,
		map[string]any{"in": map[string]any{"projectID": proj.ID, "name": "sim", "masters": master.URL()}}).field(tb, "registerMesosCluster", &c)
	p.cluster = c.ID
	if p.leader, err = p.a.server.mesosService(context.Background(), c.ID); err != nil {
		tb.Fatal(err)
	}
	eventually(tb, "replica a's scheduler to lead", p.leader.IsLeader)
	p.b = newEnvWith(tb, url, func(c *Config) { c.Replica, c.ZooKeeper = "b", []string{zk.Addr()} })
	p.b.token = p.a.token
	app := fmt.Sprintf(faultApp, 3600)
	if op := p.a.mutateOp(tb, faultApply, "applyManifest", map[string]any{"cid": c.ID, "m": app}); op.Status != "SUCCEEDED" {
		tb.Fatalf("apply: %+v", op)
	}
	eventually(tb, "3 tasks RUNNING", func() bool { return master.Summary().Tasks["TASK_RUNNING"] == 3 })
	eventually(tb, "b's scheduler instance standing by", func() bool {
		in, err := p.leader.Instances()
		return err == nil && len(in) == 2
	})
	if p.standby, err = p.b.server.mesosService(context.Background(), c.ID); err != nil {
		tb.Fatal(err)
	}
	return p
}

const (
	faultApp   = "kind: Application\nname: web\ninstances: 3\ncpus: 0.1\nmem: 32\ncmd: sleep %d\n"
	faultApply = `mutation($cid: ID!, $m: String!) { applyManifest(input: {clusterID: $cid, namespace: "team", manifest: $m}) { ` + opFields + ` } }`
)

const faultScale = `mutation($cid: ID!, $n: Int!) { scaleWorkload(input: {clusterID: $cid, namespace: "team", kind: "Application", name: "web", replicas: $n}) { ` + opFields + ` } }`

// scaleThroughFault scales through env until an operation succeeds.
func scaleThroughFault(tb testing.TB, env *testEnv, cluster string, replicas int) int {
	return retryThroughFault(tb, env, faultScale, "scaleWorkload", map[string]any{"cid": cluster, "n": replicas})
}

// retryThroughFault sends an operation's mutation through env until the
// operation succeeds; every failure on the way must be a typed error or an
// operation FAILED with its reason. It returns how many attempts failed.
func retryThroughFault(tb testing.TB, env *testEnv, mutation, field string, vars map[string]any) int {
	tb.Helper()
	failed := 0
	deadline := time.Now().Add(90 * time.Second)
	for {
		res := env.do(tb, mutation, vars)
		if len(res.Errors) > 0 {
			if res.code() == "" {
				tb.Fatalf("untyped error during the fault: %s", res.raw)
			}
		} else {
			var op operationView
			res.field(tb, field, &op)
			op = env.waitOperation(tb, op.ID)
			if op.Status == "SUCCEEDED" {
				return failed
			}
			if op.Reason == "" && op.Message == "" {
				tb.Fatalf("operation FAILED without a reason: %+v", op)
			}
		}
		failed++
		if time.Now().After(deadline) {
			tb.Fatalf("no scale succeeded after the fault (%d attempts)", failed)
		}
		time.Sleep(100 * time.Millisecond) // retry interval, bounded by the deadline
	}
}

// TestMesosLeaderCrash: the replica leading a cluster's scheduler loses
// ZooKeeper the way a SIGKILL loses it. The survivor takes over once the
// session expires, a scale sent to it succeeds (after typed refusals at
// most), the two never lead at once, and no task is launched twice.
// BenchmarkMesosLeaderTakeover measures how soon.
func TestMesosLeaderCrash(t *testing.T) {
	p := startMesosPair(t)
	p.proxy.cut()
	var twice bool
	eventually(t, "b's scheduler to take over", func() bool {
		if p.leader.IsLeader() && p.standby.IsLeader() {
			twice = true
		}
		return p.standby.IsLeader()
	})
	if twice || p.leader.IsLeader() {
		t.Fatal("two scheduler instances led at once")
	}
	scaleThroughFault(t, p.b, p.cluster, 4)
	eventually(t, "4 tasks RUNNING", func() bool { return p.master.Summary().Tasks["TASK_RUNNING"] == 4 })
	total := 0
	for _, n := range p.master.Summary().Tasks {
		total += n
	}
	if total != 4 {
		t.Fatalf("tasks launched after the takeover: %v, want the 3 kept and 1 new", p.master.Summary().Tasks)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if res, err := http.Get(p.b.srv.URL + path); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("the survivor's %s: %v %v", path, res, err)
		}
	}
}

// BenchmarkMesosLeaderTakeover reports the seconds from the leading
// replica's crash (its ZooKeeper connections cut, as by SIGKILL) until the
// survivor has accepted and completed a scale, with zkutil's default
// session timeout and election grace (the `bcs serve` defaults).
//
//	go test -run '^$' -bench MesosLeaderTakeover -benchtime 3x ./internal/server
func BenchmarkMesosLeaderTakeover(b *testing.B) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := startMesosPair(b)
		b.StartTimer()
		start := time.Now()
		p.proxy.cut()
		scaleThroughFault(b, p.b, p.cluster, 4)
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "takeover-s")
}

// TestZooKeeperRestartDuringRollingUpdate: ZooKeeper goes away while a
// Mesos application rolls to a new command. Both replicas stay up and say
// they are not ready while it is gone; the rollout completes, by itself or
// re-issued; nothing is launched beyond the application's instances, and
// storage and the change log agree with the cluster.
func TestZooKeeperRestartDuringRollingUpdate(t *testing.T) {
	p := startMesosPair(t)
	var op operationView
	p.a.do(t, faultApply, map[string]any{"cid": p.cluster, "m": fmt.Sprintf(faultApp, 3601)}).field(t, "applyManifest", &op)
	p.zk.Stop()
	status := func(env *testEnv, path string) int {
		res, err := http.Get(env.srv.URL + path)
		if err != nil {
			t.Fatalf("the server is gone: %v", err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, env := range []*testEnv{p.a, p.b} {
		eventually(t, "readiness to report ZooKeeper down", func() bool { return status(env, "/readyz") == http.StatusServiceUnavailable })
		if code := status(env, "/healthz"); code != http.StatusOK {
			t.Fatalf("healthz while ZooKeeper is down: %d", code)
		}
	}
	// A request during the outage: refused with a type, or run.
	res := p.b.do(t, faultScale, map[string]any{"cid": p.cluster, "n": 3})
	if len(res.Errors) > 0 && res.code() == "" {
		t.Fatalf("untyped error while ZooKeeper is down: %s", res.raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.zk.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	for _, env := range []*testEnv{p.a, p.b} {
		eventually(t, "readiness back", func() bool { return status(env, "/readyz") == http.StatusOK })
	}
	if got := p.a.waitOperation(t, op.ID); got.Status != "SUCCEEDED" {
		if got.Reason == "" && got.Message == "" {
			t.Fatalf("rolling update FAILED without a reason: %+v", got)
		}
		retryThroughFault(t, p.a, faultApply, "applyManifest", map[string]any{"cid": p.cluster, "m": fmt.Sprintf(faultApp, 3601)})
	}
	eventually(t, "3 tasks RUNNING, none left over", func() bool {
		return p.master.Summary().Tasks["TASK_RUNNING"] == 3 && p.master.Summary().Tasks["TASK_STAGING"] == 0 &&
			p.master.Summary().Tasks["TASK_STARTING"] == 0
	})
	eventually(t, "storage equal to the cluster", func() bool {
		var w struct {
			Edges []struct{ Node struct{ Ready, Desired int } }
		}
		p.b.do(t, `{ workloads(where: {kind: MESOS_APPLICATION, name: "web"}) { edges { node { ready desired } } } }`, nil).field(t, "workloads", &w)
		return len(w.Edges) == 1 && w.Edges[0].Node.Ready == 3 && w.Edges[0].Node.Desired == 3
	})
	assertChangeLogGapFree(t, p.b)
}

// assertChangeLogGapFree reads the whole change log and fails on a
// missing or repeated revision.
func assertChangeLogGapFree(t testing.TB, env *testEnv) {
	t.Helper()
	var page struct{ Changes []changeView }
	env.do(t, `{ changes(since: 0, first: 1000) { changes { `+changeFields+` } } }`, nil).field(t, "changes", &page)
	if len(page.Changes) == 0 {
		t.Fatal("empty change log")
	}
	for i := 1; i < len(page.Changes); i++ {
		if prev, rev := page.Changes[i-1].Revision, page.Changes[i].Revision; rev != prev+1 {
			t.Fatalf("change log: revision %d follows %d", rev, prev)
		}
	}
}
