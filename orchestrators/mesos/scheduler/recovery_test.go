package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// TestAgentLoss loses an agent: its tasks come back TASK_LOST and are
// started elsewhere at once, without counting as failures.
func TestAgentLoss(t *testing.T) {
	zks := zookeeper.StartT(t)
	srv := startSim(t, simConfig(10))
	s := startService(t, schedConfig(zks, srv.URL(), "a"))
	waitLeader(t, s)

	app := basicApp("cache", 20)
	app.Constraints = []spec.Constraint{{Field: "hostname", Operator: spec.OpMaxPer, Value: "3"}}
	st, err := s.CreateApp(ctx(t), app)
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	waitSettled(t, srv, s, ref, 20, 1)

	var victim string
	for agent, n := range viewOf(masterTasks(t, srv), ref).agents {
		if n > 0 {
			victim = agent
			break
		}
	}
	if err := srv.LoseAgent(victim); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, srv, s, ref, 20, 1)
	v := viewOf(masterTasks(t, srv), ref)
	if v.agents[victim] != 0 {
		t.Fatalf("tasks still on the lost agent: %v", v.agents)
	}
	for a, n := range v.agents {
		if n > 3 {
			t.Fatalf("MAX_PER 3 broken on %s: %d", a, n)
		}
	}
	st, _ = s.GetApp(ctx(t), ref)
	for _, f := range st.Failures {
		if f.Failures > 0 || f.GaveUp {
			t.Fatalf("a lost agent counted as a failure: %+v", f)
		}
	}
}

// TestMasterRestart restarts the master (found through ZooKeeper, as
// Mesos's detector finds it). The new master knows nothing, as after a
// failover before agents reregister: the scheduler resubscribes with its
// framework id, reconciles, learns its tasks are lost and starts them again.
func TestMasterRestart(t *testing.T) {
	zks := zookeeper.StartT(t)
	cfg := simConfig(5)
	cfg.ZK = "zk://" + zks.Addr() + "/mesos"
	srv := startSim(t, cfg)
	scfg := schedConfig(zks, "", "a")
	scfg.Masters = nil
	scfg.MasterZK = cfg.ZK
	s := startService(t, scfg)
	waitLeader(t, s)

	st, err := s.CreateApp(ctx(t), basicApp("web", 8))
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	waitSettled(t, srv, s, ref, 8, 1)
	fw := srv.Summary().Frameworks[0]
	before := viewOf(masterTasks(t, srv), ref)

	addr := srv.Addr()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.Listen = addr
	srv2 := startSim(t, cfg)
	waitSettled(t, srv2, s, ref, 8, 1)
	if fws := srv2.Summary().Frameworks; len(fws) != 1 || fws[0] != fw {
		t.Fatalf("frameworks after the restart: %v, want [%s]", fws, fw)
	}
	after := viewOf(masterTasks(t, srv2), ref)
	for id := range after.ids {
		if _, ok := before.ids[id]; ok {
			t.Fatalf("task %s survived a master that forgot it", id)
		}
	}
}

// TestZooKeeperRestart restarts ZooKeeper under a running scheduler: it
// keeps its session (the server restarts within the session timeout), or
// loses leadership and takes it again; either way the application stays
// and further changes work.
func TestZooKeeperRestart(t *testing.T) {
	zks := zookeeper.StartT(t)
	srv := startSim(t, simConfig(5))
	s := startService(t, schedConfig(zks, srv.URL(), "a"))
	waitLeader(t, s)
	st, err := s.CreateApp(ctx(t), basicApp("web", 5))
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	waitSettled(t, srv, s, ref, 5, 1)
	before := viewOf(masterTasks(t, srv), ref)

	if err := zks.Restart(ctx(t)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a scale after the ZooKeeper restart", func() bool {
		c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := s.ScaleApp(c, ref, 6)
		return err == nil
	})
	waitSettled(t, srv, s, ref, 6, 1)
	after := viewOf(masterTasks(t, srv), ref)
	for id := range before.ids {
		if _, ok := after.ids[id]; !ok {
			t.Fatalf("task %s was replaced across a ZooKeeper restart", id)
		}
	}
}

// TestFrameworkRemoved: the master removed the framework (its failover
// timeout passed while it was away) and killed its tasks. The scheduler
// registers a new framework and starts every instance again.
func TestFrameworkRemoved(t *testing.T) {
	zks := zookeeper.StartT(t)
	srv := startSim(t, simConfig(3))
	cfg := schedConfig(zks, srv.URL(), "a")
	cfg.Framework.FailoverTimeout = time.Millisecond
	s := startService(t, cfg)
	waitLeader(t, s)
	st, err := s.CreateApp(ctx(t), basicApp("web", 3))
	if err != nil {
		t.Fatal(err)
	}
	waitSettled(t, srv, s, st.Ref, 3, 1)
	old := srv.Summary().Frameworks[0]
	if err := srv.DisconnectFramework(old); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a new framework", func() bool {
		fws := srv.Summary().Frameworks
		return len(fws) == 1 && fws[0] != old
	})
	waitSettled(t, srv, s, st.Ref, 3, 1)
}
