package mesoswatch_test

import (
	"maps"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/mesoswatch"
	"github.com/bcs-io/bcs/ent/change"
	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

// TestWatchesWithoutLeading runs the watcher as a replica whose scheduler
// instance is a standby would (it has no scheduler at all): tasks come from
// the master's operator stream and applications from ZooKeeper, so the
// change log sees tasks go RUNNING and the application change, scale down
// and go away.
func TestWatchesWithoutLeading(t *testing.T) {
	zks := zookeeper.StartT(t)
	// Slow enough that the task records are first read before RUNNING:
	// their own watches must bring the change.
	srv := startSim(t, "127.0.0.1:0", 300*time.Millisecond)
	e := newEnv(t)
	leader := startService(t, schedConfig(zks, e.cluster, srv.URL(), "a"))
	eventually(t, "a leader", leader.IsLeader)
	standby := startService(t, schedConfig(zks, e.cluster, srv.URL(), "b"))
	e.watch(t, schedConfig(zks, e.cluster, srv.URL(), ""))

	st, err := leader.CreateApp(ctxT(t), basicApp("web", 3))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "3 tasks RUNNING in the change log", func() bool {
		seen := map[string]bool{}
		for _, c := range e.changes(t, mesoswatch.KindTask) {
			if c.Object["state"] == "TASK_RUNNING" && c.Namespace == spec.DefaultNamespace {
				seen[c.Name] = true
			}
		}
		return len(seen) == 3
	})
	eventually(t, "the application Running 3/3 in the change log", func() bool {
		c := lastChange(e.changes(t, mesoswatch.KindApplication), "web")
		return c != nil && c.Object["status"] == "Running" && c.Object["running"] == float64(3) &&
			c.Object["instances"] == float64(3)
	})
	eventually(t, "stored tasks = the master's", func() bool {
		want := masterTasks(t, srv)
		return running(want) == 3 && maps.Equal(e.storedTasks(t), want)
	})
	if standby.IsLeader() {
		t.Fatal("the standby leads: the test no longer shows a watcher beside a standby")
	}

	if _, err := leader.ScaleApp(ctxT(t), st.Ref, 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the application scaled to 1 and two tasks gone", func() bool {
		c := lastChange(e.changes(t, mesoswatch.KindApplication), "web")
		want := masterTasks(t, srv)
		return c != nil && c.Object["instances"] == float64(1) && c.Object["running"] == float64(1) &&
			len(want) == 1 && maps.Equal(e.storedTasks(t), want)
	})
	deleted := 0
	for _, c := range e.changes(t, mesoswatch.KindTask) {
		if c.Type == change.TypeDELETED {
			deleted++
		}
	}
	if deleted != 2 {
		t.Errorf("%d MesosTask deletions in the log, want 2", deleted)
	}

	if err := leader.DeleteApp(ctxT(t), st.Ref); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the application deleted and no task stored", func() bool {
		c := lastChange(e.changes(t, mesoswatch.KindApplication), "web")
		return c != nil && c.Type == change.TypeDELETED && len(e.storedTasks(t)) == 0
	})

	// Agents are the cluster's nodes; a lost one leaves.
	eventually(t, "the 3 agents stored as nodes", func() bool {
		nodes := e.storedNodes(t)
		return len(nodes) == 3 && nodes["sim-agent-0"] == "4"
	})
	ids := srv.AgentIDs()
	if err := srv.LoseAgent(ids[len(ids)-1]); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the lost agent's node gone", func() bool {
		nodes := e.storedNodes(t)
		_, lost := nodes["sim-agent-2"]
		return len(nodes) == 2 && !lost
	})
}

// TestResyncsAfterMasterRestart restarts the master on the same address:
// it comes back empty, the scheduler relaunches, and the watcher's new
// subscription must drop the tasks that vanished with the old master.
func TestResyncsAfterMasterRestart(t *testing.T) {
	zks := zookeeper.StartT(t)
	srv := startSim(t, "127.0.0.1:0", 5*time.Millisecond)
	addr := srv.Addr()
	e := newEnv(t)
	cfg := schedConfig(zks, e.cluster, srv.URL(), "a")
	leader := startService(t, cfg)
	eventually(t, "a leader", leader.IsLeader)
	e.watch(t, cfg)
	if _, err := leader.CreateApp(ctxT(t), basicApp("api", 3)); err != nil {
		t.Fatal(err)
	}
	var before map[string]string
	eventually(t, "3 RUNNING tasks stored as the master has them", func() bool {
		want := masterTasks(t, srv)
		before = e.storedTasks(t)
		return running(want) == 3 && maps.Equal(before, want)
	})

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := startSim(t, addr, 5*time.Millisecond)
	var after map[string]string
	eventually(t, "stored tasks = the restarted master's GET_TASKS", func() bool {
		want := masterTasks(t, again)
		after = e.storedTasks(t)
		return running(want) == 3 && maps.Equal(after, want)
	})
	for id := range before {
		if _, ok := after[id]; ok {
			t.Errorf("task %s of the old master is still stored", id)
		}
	}
}

// TestFollowsTheLeadingMaster finds the masters in ZooKeeper, as Mesos's
// own detector does: when the leading master goes, the watcher follows the
// next one and storage converges with its GET_TASKS.
func TestFollowsTheLeadingMaster(t *testing.T) {
	zks := zookeeper.StartT(t)
	masters := "zk://" + zks.Addr() + "/mesos"
	first := startSimZK(t, "127.0.0.1:0", 5*time.Millisecond, masters)
	eventually(t, "the first master to lead", func() bool { return first.Mode() == sim.ModeLeader })
	second := startSimZK(t, "127.0.0.1:0", 5*time.Millisecond, masters)
	e := newEnv(t)
	cfg := schedConfig(zks, e.cluster, "", "a")
	cfg.Masters, cfg.MasterZK = nil, masters
	leader := startService(t, cfg)
	eventually(t, "a leader", leader.IsLeader)
	e.watch(t, cfg)
	if _, err := leader.CreateApp(ctxT(t), basicApp("api", 2)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 RUNNING tasks stored as the first master has them", func() bool {
		want := masterTasks(t, first)
		return running(want) == 2 && maps.Equal(e.storedTasks(t), want)
	})

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "stored tasks = the second master's GET_TASKS", func() bool {
		if second.Mode() != sim.ModeLeader {
			return false
		}
		want := masterTasks(t, second)
		return running(want) == 2 && maps.Equal(e.storedTasks(t), want)
	})
}

// TestResyncsAfterSessionExpiry expires the watcher's ZooKeeper session,
// which drops every watch it had: only the resync on the new session puts
// them back, so a scale made afterwards must still reach the change log.
func TestResyncsAfterSessionExpiry(t *testing.T) {
	zks := zookeeper.StartT(t)
	srv := startSim(t, "127.0.0.1:0", 5*time.Millisecond)
	e := newEnv(t)
	cfg := schedConfig(zks, e.cluster, srv.URL(), "a")
	leader := startService(t, cfg)
	eventually(t, "a leader", leader.IsLeader)
	w := e.watch(t, cfg)
	st, err := leader.CreateApp(ctxT(t), basicApp("api", 2))
	if err != nil {
		t.Fatal(err)
	}
	appIs := func(instances, running float64) func() bool {
		return func() bool {
			c := lastChange(e.changes(t, mesoswatch.KindApplication), "api")
			return c != nil && c.Object["instances"] == instances && c.Object["running"] == running
		}
	}
	eventually(t, "the application 2/2 in the change log", appIs(2, 2))

	old := w.SessionID()
	if err := zks.ExpireSession(ctxT(t), old); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the watcher on a new session", func() bool { id := w.SessionID(); return id != 0 && id != old })
	if _, err := leader.ScaleApp(ctxT(t), st.Ref, 3); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the application 3/3 in the change log", appIs(3, 3))
}
