package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpmaster"
	"github.com/mesos/mesos-go/api/v1/lib/master"
	mastercalls "github.com/mesos/mesos-go/api/v1/lib/master/calls"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

// waitFor bounds every wait in these tests; nothing sleeps.
const waitFor = 60 * time.Second

func testLogger() *slog.Logger {
	if os.Getenv("MESOS_SCHED_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// simConfig is a simulator with quick timers and agents spread over three
// racks.
func simConfig(agents int) sim.Config {
	ports, _ := sim.ParsePorts("31000-31999")
	return sim.Config{
		Listen:             "127.0.0.1:0",
		Agents:             agents,
		Agent:              sim.AgentSpec{CPUs: 4, MemMB: 8192, DiskMB: 10000, Ports: ports, Attributes: map[string][]string{"rack": {"r1", "r2", "r3"}}},
		AllocationInterval: 50 * time.Millisecond,
		TaskStartDelay:     5 * time.Millisecond,
		TaskRunDelay:       5 * time.Millisecond,
		TaskKillDelay:      5 * time.Millisecond,
		HeartbeatInterval:  time.Second,
		Seed:               1,
		Logger:             testLogger(),
	}
}

func startSim(t testing.TB, cfg sim.Config) *sim.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	srv, err := sim.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// quickTuning keeps retries short so that tests recover fast.
func quickTuning() Tuning {
	return Tuning{
		DeclineRefuse:  time.Second,
		ReviveInterval: 100 * time.Millisecond,
		ReconcileRetry: time.Second,
		KillRetry:      time.Second,
	}
}

func schedConfig(zks *zookeeper.Server, masterURL string, id string) Config {
	return Config{
		Cluster:          "BCS-MESOS-10001",
		ZK:               []string{zks.Addr()},
		ZKSessionTimeout: 4 * time.Second,
		Masters:          []string{masterURL},
		Instance:         InstanceConfig{ID: id, Address: "127.0.0.1", Port: 8080},
		Tuning:           quickTuning(),
		Logger:           testLogger().With("instance", id),
	}
}

func startService(t testing.TB, cfg Config) *Service {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", waitFor, what)
		}
	}
}

func waitLeader(t testing.TB, svcs ...*Service) *Service {
	t.Helper()
	var leader *Service
	eventually(t, "a leader", func() bool {
		for _, s := range svcs {
			if s.IsLeader() {
				leader = s
				return true
			}
		}
		return false
	})
	return leader
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	return c
}

// masterTasks is the master's view through the operator API's GET_TASKS.
func masterTasks(t testing.TB, srv *sim.Server) []mesos.Task {
	t.Helper()
	cli := httpcli.New(httpcli.Endpoint(srv.URL()+"/api/v1"), httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeProtobuf]))
	resp, err := httpmaster.NewSender(cli.Send).Send(context.Background(), mastercalls.NonStreaming(mastercalls.GetTasks()))
	if err != nil {
		t.Fatalf("GET_TASKS: %v", err)
	}
	defer resp.Close()
	var out master.Response
	if err := resp.Decode(&out); err != nil {
		t.Fatalf("GET_TASKS: %v", err)
	}
	return out.GetTasks.Tasks
}

// appView is what the master runs for one application.
type appView struct {
	running  int
	live     int               // not terminal
	byIndex  map[int]int       // RUNNING tasks per instance
	versions map[string]int    // RUNNING tasks per bcs.version label
	agents   map[string]int    // RUNNING tasks per agent
	ids      map[string]string // RUNNING task id → version label
}

func viewOf(tasks []mesos.Task, ref spec.Ref) appView {
	v := appView{byIndex: map[int]int{}, versions: map[string]int{}, agents: map[string]int{}, ids: map[string]string{}}
	for _, tk := range tasks {
		r, idx, ok := spec.ParseTaskID(tk.TaskID.Value)
		if !ok || r != ref {
			continue
		}
		if !isTerminal(tk.GetState()) {
			v.live++
		}
		if tk.GetState() != mesos.TASK_RUNNING {
			continue
		}
		v.running++
		v.byIndex[idx]++
		v.agents[tk.AgentID.Value]++
		for _, l := range tk.GetLabels().GetLabels() {
			if l.Key == LabelVersion {
				v.versions[l.GetValue()]++
				v.ids[tk.TaskID.Value] = l.GetValue()
			}
		}
	}
	return v
}

// settled reports whether the master runs exactly n tasks of the app, one
// per instance 0…n-1, all of the given version, and nothing else live.
func (v appView) settled(n int, version int64) bool {
	if v.running != n || v.live != n || v.versions[fmt.Sprint(version)] != n {
		return false
	}
	for i := 0; i < n; i++ {
		if v.byIndex[i] != 1 {
			return false
		}
	}
	return true
}

func (v appView) String() string {
	idx := make([]int, 0, len(v.byIndex))
	for i, n := range v.byIndex {
		if n != 1 {
			idx = append(idx, i)
		}
	}
	sort.Ints(idx)
	return fmt.Sprintf("running %d live %d versions %v instances without exactly one task %v", v.running, v.live, v.versions, idx)
}

// waitSettled waits until the master and the scheduler agree that the app
// runs n instances of version.
func waitSettled(t testing.TB, srv *sim.Server, s *Service, ref spec.Ref, n int, version int64) {
	t.Helper()
	var last appView
	var lastStatus *AppStatus
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for {
		last = viewOf(masterTasks(t, srv), ref)
		if last.settled(n, version) {
			st, err := s.GetApp(context.Background(), ref)
			if err == nil && st.Current == n && st.Running == n && st.Deployment == nil {
				return
			}
			lastStatus = st
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("%s: want %d instances of version %d; master: %v; scheduler: %+v", ref, n, version, last, lastStatus)
		}
	}
}

func basicApp(name string, n int) spec.App {
	return spec.App{Name: name, Instances: n, CPUs: 0.1, Mem: 32, Cmd: "sleep 3600",
		Ports: []spec.Port{{Name: "http"}}}
}
