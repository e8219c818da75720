package scheduler

import (
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

const (
	scaleAgents = 100
	scaleTasks  = 1000
)

// scaleEnv is a simulator with 100 agents at the master's default timings
// (1 s allocation interval, 20 ms + 30 ms to RUNNING) and one scheduler
// with default tuning, on a real ZooKeeper.
func scaleEnv(tb testing.TB) (*sim.Server, *Service) {
	zks := zookeeper.StartT(tb)
	srv := startSim(tb, sim.Config{Listen: "127.0.0.1:0", Agents: scaleAgents,
		Agent: sim.AgentSpec{CPUs: 16, MemMB: 65536}, Logger: testLogger()})
	cfg := schedConfig(zks, srv.URL(), "bench")
	cfg.Tuning = Tuning{}
	s := startService(tb, cfg)
	waitLeader(tb, s)
	return srv, s
}

func scaleApp() spec.App {
	return spec.App{Name: "scale", Instances: scaleTasks, CPUs: 0.1, Mem: 64, Cmd: "sleep 3600"}
}

// launch1000 creates 1,000 instances and returns the time until the
// master reports all of them RUNNING.
func launch1000(tb testing.TB, srv *sim.Server, s *Service) (spec.Ref, time.Duration) {
	start := time.Now()
	st, err := s.CreateApp(ctx(tb), scaleApp())
	if err != nil {
		tb.Fatal(err)
	}
	waitSettled(tb, srv, s, st.Ref, scaleTasks, 1)
	return st.Ref, time.Since(start)
}

// TestScale1000 is the target: 1,000 tasks across 100 agents
// RUNNING within 10 s, then a rolling update of all 1,000 that completes.
func TestScale1000(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	srv, s := scaleEnv(t)
	ref, took := launch1000(t, srv, s)
	t.Logf("1000 tasks on 100 agents RUNNING after %v", took)
	if took > 10*time.Second {
		t.Fatalf("took %v, target is under 10 s", took)
	}
	app := scaleApp()
	app.Env = map[string]string{"RELEASE": "2"}
	start := time.Now()
	if _, err := s.UpdateApp(ctx(t), app); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, srv, s, ref, scaleTasks, 2)
	t.Logf("rolling update of 1000 instances (maxSurge 25%%, maxUnavailable 25%%) done after %v", time.Since(start))
}

func BenchmarkLaunch1000TasksOn100Agents(b *testing.B) {
	var total time.Duration
	n := 0
	for b.Loop() {
		srv, s := scaleEnv(b)
		_, took := launch1000(b, srv, s)
		total += took
		n++
	}
	b.ReportMetric(total.Seconds()/float64(n), "s/1000-running")
}

func BenchmarkRollingUpdate1000(b *testing.B) {
	var total time.Duration
	n := 0
	for b.Loop() {
		srv, s := scaleEnv(b)
		ref, _ := launch1000(b, srv, s)
		app := scaleApp()
		app.Env = map[string]string{"RELEASE": "2"}
		start := time.Now()
		if _, err := s.UpdateApp(ctx(b), app); err != nil {
			b.Fatal(err)
		}
		waitSettled(b, srv, s, ref, scaleTasks, 2)
		total += time.Since(start)
		n++
	}
	b.ReportMetric(total.Seconds()/float64(n), "s/1000-rolled")
}
