package mesoswatch_test

import (
	"context"
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

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/datawatch/mesoswatch"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/clusternode"
	"github.com/bcs-io/bcs/ent/pod"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

func TestMain(m *testing.M) { os.Exit(dwtest.Main(m)) }

// waitFor bounds every wait; nothing sleeps.
const waitFor = 60 * time.Second

func logger() *slog.Logger {
	if os.Getenv("MESOSWATCH_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(25 * time.Millisecond)
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

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// startSim starts a master with three agents; tasks take runDelay from
// STARTING to RUNNING.
func startSim(t testing.TB, listen string, runDelay time.Duration) *sim.Server {
	t.Helper()
	return startSimZK(t, listen, runDelay, "")
}

// startSimZK is startSim joining the masters at zkURL (if set).
func startSimZK(t testing.TB, listen string, runDelay time.Duration, zkURL string) *sim.Server {
	t.Helper()
	ports, _ := sim.ParsePorts("31000-31999")
	srv, err := sim.Start(ctxT(t), sim.Config{Listen: listen, Agents: 3,
		Agent:              sim.AgentSpec{CPUs: 4, MemMB: 8192, DiskMB: 10000, Ports: ports},
		AllocationInterval: 50 * time.Millisecond, TaskStartDelay: 5 * time.Millisecond,
		TaskRunDelay: runDelay, TaskKillDelay: 5 * time.Millisecond,
		HeartbeatInterval: 200 * time.Millisecond, ZK: zkURL, Logger: logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// schedConfig locates cluster's state and master; quick retries.
func schedConfig(zks *zookeeper.Server, cluster gid.ID, masterURL, id string) scheduler.Config {
	return scheduler.Config{Cluster: string(cluster), ZK: []string{zks.Addr()}, ZKSessionTimeout: 4 * time.Second,
		Masters: []string{masterURL}, Instance: scheduler.InstanceConfig{ID: id, Address: "127.0.0.1", Port: 8080},
		Tuning: scheduler.Tuning{DeclineRefuse: time.Second, ReviveInterval: 100 * time.Millisecond,
			ReconcileRetry: time.Second, KillRetry: time.Second, SubscribeBackoffMax: time.Second},
		Logger: logger().With("instance", id)}
}

func startService(t testing.TB, cfg scheduler.Config) *scheduler.Service {
	t.Helper()
	s, err := scheduler.Start(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// env is a database with one cluster, a running change-log writer, and a
// watcher for the cluster that is started by watch.
type env struct {
	db               *storage.DB
	log              *changelog.Log
	writer           *changelog.Writer
	project, cluster gid.ID
}

func newEnv(t *testing.T) *env {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	e := &env{db: db, log: changelog.NewLog(db)}
	e.project, e.cluster = dwtest.Cluster(t, db)
	e.writer = changelog.NewWriter(db, changelog.Config{Logger: logger()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.writer.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("writer: %v", err)
		}
	})
	return e
}

// watch runs a watcher with cfg (a scheduler's view of the cluster) until
// the test ends. It has no scheduler instance of its own.
func (e *env) watch(t *testing.T, cfg scheduler.Config) *mesoswatch.Watcher {
	w := &mesoswatch.Watcher{ClusterID: e.cluster, ProjectID: e.project, Config: cfg, Writer: e.writer,
		Log: logger(), BackoffMax: 500 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("watcher: %v", err)
		}
	})
	return w
}

// changes reads the cluster's change log for kind.
func (e *env) changes(t testing.TB, kind string) []*ent.Change {
	t.Helper()
	cs, err := e.log.List(ctxT(t), 0, changelog.Filter{AllProjects: true, ClusterIDs: []gid.ID{e.cluster}, Kinds: []string{kind}}, changelog.MaxPage)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// storedTasks is the MesosTask rows in storage: task id → phase.
func (e *env) storedTasks(t testing.TB) map[string]string {
	t.Helper()
	ps, err := e.db.Client.Pod.Query().Where(pod.ClusterID(e.cluster), pod.OwnerKind(mesoswatch.KindApplication)).
		All(auth.System(ctxT(t)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range ps {
		out[p.Name] = p.Phase
	}
	return out
}

// storedNodes is the cluster's stored nodes: name → cpus capacity.
func (e *env) storedNodes(t testing.TB) map[string]string {
	t.Helper()
	ns, err := e.db.Client.ClusterNode.Query().Where(clusternode.ClusterID(e.cluster)).All(auth.System(ctxT(t)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range ns {
		out[n.Name] = n.Capacity["cpus"]
	}
	return out
}

// masterTasks is the master's live tasks through GET_TASKS: id → state.
func masterTasks(t testing.TB, srv *sim.Server) map[string]string {
	t.Helper()
	cli := httpcli.New(httpcli.Endpoint(srv.URL()+"/api/v1"), httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeProtobuf]))
	resp, err := httpmaster.NewSender(cli.Send).Send(ctxT(t), mastercalls.NonStreaming(mastercalls.GetTasks()))
	if err != nil {
		t.Fatalf("GET_TASKS: %v", err)
	}
	defer resp.Close()
	var r master.Response
	if err := resp.Decode(&r); err != nil {
		t.Fatalf("GET_TASKS: %v", err)
	}
	out := map[string]string{}
	for _, tk := range r.GetTasks.Tasks {
		if !scheduler.IsTerminalState(tk.GetState()) {
			out[tk.TaskID.Value] = tk.GetState().String()
		}
	}
	return out
}

func running(tasks map[string]string) int {
	n := 0
	for _, st := range tasks {
		if st == mesos.TASK_RUNNING.String() {
			n++
		}
	}
	return n
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func basicApp(name string, n int) spec.App {
	return spec.App{Name: name, Instances: n, CPUs: 0.1, Mem: 32, Cmd: "sleep 3600", Ports: []spec.Port{{Name: "http"}}}
}

// lastObject is the object of the newest change of kind for name.
func lastChange(cs []*ent.Change, name string) *ent.Change {
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].Name == name {
			return cs[i]
		}
	}
	return nil
}
