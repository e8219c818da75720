package operations

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/bcs-io/bcs/datawatch/lease"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/instance"
	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/internal/testenv/postgres"
	"github.com/bcs-io/bcs/orchestrators"
)

// reapEnv is one database with a cluster whose orchestrator counts applies.
type reapEnv struct {
	db      *storage.DB
	box     *secrets.Box
	router  *orchestrators.Router
	cluster *ent.Cluster
	applies atomic.Int32
}

// countingOrchestrator applies by counting: a step run twice shows.
type countingOrchestrator struct {
	orchestrators.Orchestrator
	env *reapEnv
}

func (countingOrchestrator) Close() error { return nil }

func (o countingOrchestrator) Apply(context.Context, orchestrators.ApplyRequest) (*orchestrators.ApplyResult, error) {
	o.env.applies.Add(1)
	return &orchestrators.ApplyResult{}, nil
}

func newReapEnv(t *testing.T, url string) *reapEnv {
	t.Helper()
	ctx := auth.System(context.Background())
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	e := &reapEnv{db: db, router: orchestrators.NewRouter()}
	if e.box, err = secrets.New(bytes.Repeat([]byte{2}, 32)); err != nil {
		t.Fatal(err)
	}
	p := db.Client.Project.Create().SetName("p").SetCode("p").SaveX(ctx)
	c := db.Client.Cluster.Create().SetProjectID(p.ID).SetName("c").SetKind(cluster.KindK8S).SetStatus(cluster.StatusNORMAL).SaveX(ctx)
	sealed, err := e.box.Seal(string(c.ID), []byte("kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	e.cluster = c.Update().SetCredentials(sealed).SaveX(ctx)
	e.router.Register(orchestrators.KindK8s, func(context.Context, orchestrators.Conn) (orchestrators.Orchestrator, error) {
		return countingOrchestrator{env: e}, nil
	})
	return e
}

var testReplayers = map[string]Replayer{"APPLY": func(raw json.RawMessage) (func(context.Context, orchestrators.Orchestrator) (map[string]any, error), error) {
	return func(ctx context.Context, o orchestrators.Orchestrator) (map[string]any, error) {
		_, err := o.Apply(ctx, orchestrators.ApplyRequest{Manifest: raw})
		return map[string]any{"replayed": string(raw)}, err
	}, nil
}}

// runner is a replica's runner on e, its liveness lease held (and held
// for a whole term, so that it reaps) when this returns.
func (e *reapEnv) runner(t *testing.T, id string) *Runner {
	t.Helper()
	r := &Runner{Client: e.db.Client, Router: e.router, Box: e.box, Log: slog.New(slog.DiscardHandler),
		Leases: lease.New(e.db), ID: id, LeaseTTL: time.Second, ReapInterval: time.Hour, ShutdownGrace: 100 * time.Millisecond,
		Replayers: testReplayers}
	r.Begin()
	t.Cleanup(r.Close)
	waitFor(t, 10*time.Second, "runner "+id+" steady", func() bool { return r.live.heldFor() >= r.leaseTTL() })
	return r
}

// crashed leaves a runner's lease as a SIGKILL does: taken, never renewed.
func (e *reapEnv) crashed(t *testing.T, id string, ttl time.Duration) {
	t.Helper()
	if _, err := lease.New(e.db).Acquire(context.Background(), leaseName(id), id, ttl); err != nil {
		t.Fatal(err)
	}
	if ttl < time.Second {
		waitFor(t, 10*time.Second, id+"'s lease lapsing", func() bool {
			vacant, err := lease.New(e.db).Vacant(context.Background(), leaseName(id))
			return err == nil && vacant
		})
	}
}

// inFlight records an operation as its runner left it.
func (e *reapEnv) inFlight(t *testing.T, runner, action string, status operation.Status, replay []byte) *ent.Operation {
	t.Helper()
	ctx := auth.System(context.Background())
	id := gid.New("opr")
	c := e.db.Client.Operation.Create().SetID(id).SetAction(action).SetStatus(status).SetRunner(runner).
		SetProjectID(e.cluster.ProjectID).SetClusterID(e.cluster.ID).SetTargetKind("Instance").SetTargetName("ins_x")
	if status == operation.StatusRUNNING {
		c.SetStartedAt(time.Now())
	}
	if replay != nil {
		sealed, err := e.box.Seal(replayName(id), replay)
		if err != nil {
			t.Fatal(err)
		}
		c.SetReplay(sealed)
	}
	return c.SaveX(ctx)
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
}

func forEachDialect(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db")) })
	t.Run("postgres", func(t *testing.T) {
		pg := postgres.StartT(t)
		url, err := pg.CreateDatabase(context.Background(), "reaper")
		if err != nil {
			t.Fatal(err)
		}
		fn(t, url)
	})
}

// Two survivors reap one crashed replica's operations at once: each
// operation is taken by exactly one, the apply is run again exactly once,
// the others end FAILED with the reason, and a live replica's operation is
// left alone.
func TestReapersRaceOneWins(t *testing.T) {
	forEachDialect(t, func(t *testing.T, url string) {
		e := newReapEnv(t, url)
		ctx := auth.System(context.Background())
		e.crashed(t, "dead/1", 200*time.Millisecond)
		e.crashed(t, "live/1", time.Hour)
		tpl := e.db.Client.Template.Create().SetProjectID(e.cluster.ProjectID).SetName("t").SetKind("K8S").SaveX(ctx)
		ver := e.db.Client.TemplateVersion.Create().SetTemplateID(tpl.ID).SetLabel("v1").SetContent("x").SetDigest("d").
			SetCreatedAt(time.Now()).SaveX(ctx)
		ins := e.db.Client.Instance.Create().SetProjectID(e.cluster.ProjectID).SetClusterID(e.cluster.ID).SetNamespace("ns").
			SetStatus(instance.StatusAPPLYING).SetVersionID(ver.ID).SaveX(ctx)
		apply := e.inFlight(t, "dead/1", "APPLY", operation.StatusRUNNING, []byte("kind: ConfigMap"))
		scale := e.inFlight(t, "dead/1", "SCALE", operation.StatusRUNNING, nil)
		pending := e.inFlight(t, "dead/1", "RESTART", operation.StatusPENDING, nil)
		inst := e.db.Client.Operation.Create().SetAction("INSTANTIATE").SetStatus(operation.StatusRUNNING).SetRunner("dead/1").
			SetProjectID(e.cluster.ProjectID).SetClusterID(e.cluster.ID).SetTargetKind("Instance").SetTargetName(string(ins.ID)).SaveX(ctx)
		alive := e.inFlight(t, "live/1", "SCALE", operation.StatusRUNNING, nil)

		b, c := e.runner(t, "b/1"), e.runner(t, "c/1")
		var (
			start sync.WaitGroup
			taken atomic.Int32
		)
		start.Add(1)
		var done sync.WaitGroup
		for _, r := range []*Runner{b, c, b, c} {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				n, err := r.Reap(ctx)
				if err != nil {
					t.Errorf("reap: %v", err)
				}
				taken.Add(int32(n))
			}()
		}
		start.Done()
		done.Wait()
		b.Wait()
		c.Wait()

		if got := taken.Load(); got != 4 {
			t.Errorf("operations taken over: %d, want 4 (each exactly once)", got)
		}
		if n := e.applies.Load(); n != 1 {
			t.Errorf("the apply ran %d times on the survivors, want 1", n)
		}
		reaped := counted(t, b.metrics.reaped) + counted(t, c.metrics.reaped)
		if reaped != 4 {
			t.Errorf("bcs_operations_reaped_total over both survivors: %v, want 4", reaped)
		}
		got := e.db.Client.Operation.GetX(ctx, apply.ID)
		if got.Status != operation.StatusSUCCEEDED || got.Result["replayed"] != "kind: ConfigMap" || kept(got) ||
			(got.Runner != "b/1" && got.Runner != "c/1") {
			t.Errorf("apply after take-over: %s %v runner %q replay kept %v", got.Status, got.Result, got.Runner, kept(got))
		}
		for _, op := range []*ent.Operation{scale, pending, inst} {
			got := e.db.Client.Operation.GetX(ctx, op.ID)
			if got.Status != operation.StatusFAILED || got.Reason != ReasonReplicaStopped || got.FinishedAt == nil ||
				!bytes.Contains([]byte(got.Message), []byte("replica running this operation stopped")) ||
				bytes.Contains([]byte(got.Message), []byte("dead/1")) {
				t.Errorf("%s after take-over: %s %q %q", op.Action, got.Status, got.Reason, got.Message)
			}
		}
		if got := e.db.Client.Operation.GetX(ctx, pending.ID); !bytes.Contains([]byte(got.Message), []byte("the cluster was not called")) {
			t.Errorf("a PENDING operation's message does not say the cluster was not called: %q", got.Message)
		}
		if got := e.db.Client.Operation.GetX(ctx, inst.ID); !bytes.Contains([]byte(got.Message), []byte("retryInstance")) {
			t.Errorf("a reaped instantiation does not say how to retry: %q", got.Message)
		}
		if got := e.db.Client.Instance.GetX(ctx, ins.ID); got.Status != instance.StatusFAILED {
			t.Errorf("the reaped instantiation's instance is %s, want FAILED", got.Status)
		}
		if got := e.db.Client.Operation.GetX(ctx, alive.ID); got.Status != operation.StatusRUNNING || got.Runner != "live/1" {
			t.Errorf("a live replica's operation was taken: %s runner %q", got.Status, got.Runner)
		}
		if l, err := lease.New(e.db).Get(ctx, leaseName("dead/1")); err != nil || l.Epoch != 0 {
			t.Errorf("the dead runner's lease is kept: %+v %v", l, err)
		}

		// The crashed replica was only slow: its late outcome is fenced out.
		late := e.db.Client.Operation.GetX(ctx, scale.ID)
		late.Runner = "dead/1"
		slow := &Runner{Client: e.db.Client, Log: slog.New(slog.DiscardHandler), ID: "dead/1", StoreRetry: time.Second}
		slow.finish(ctx, late, Job{}, late.Update().SetStatus(operation.StatusSUCCEEDED))
		if got := e.db.Client.Operation.GetX(ctx, scale.ID); got.Status != operation.StatusFAILED {
			t.Errorf("a taken-over operation was ended by its old runner: %s", got.Status)
		}
	})
}

// A reaper that has not held its own lease for a whole term judges nobody:
// after a database outage every lease lapsed, the live ones included.
func TestReaperWaitsForItsOwnSteadyLease(t *testing.T) {
	e := newReapEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	ctx := auth.System(context.Background())
	e.crashed(t, "dead/1", time.Millisecond)
	op := e.inFlight(t, "dead/1", "SCALE", operation.StatusRUNNING, nil)
	r := &Runner{Client: e.db.Client, Router: e.router, Box: e.box, Log: slog.New(slog.DiscardHandler),
		Leases: lease.New(e.db), ID: "fresh/1", LeaseTTL: time.Hour}
	r.live.set(true) // just acquired
	if n, err := r.Reap(ctx); n != 0 || err != nil {
		t.Fatalf("a fresh reaper took %d (%v)", n, err)
	}
	if got := e.db.Client.Operation.GetX(ctx, op.ID); got.Status != operation.StatusRUNNING {
		t.Fatalf("operation %s", got.Status)
	}
}

// Stopping: an operation that finishes within the grace is recorded; one
// that does not is handed back (RUNNING, lease released) and another
// replica ends it at once, without waiting for a lease term.
func TestCloseHandsBackWhatOutlastsTheGrace(t *testing.T) {
	e := newReapEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	ctx := auth.System(context.Background())
	a := &Runner{Client: e.db.Client, Router: e.router, Box: e.box, Log: slog.New(slog.DiscardHandler),
		Leases: lease.New(e.db), ID: "a/1", LeaseTTL: time.Hour, ReapInterval: time.Hour, ShutdownGrace: 300 * time.Millisecond}
	a.Begin()
	waitFor(t, 10*time.Second, "liveness lease", func() bool { return a.owner() == "a/1" })
	quick, err := a.Start(ctx, Job{Cluster: e.cluster, Action: "SCALE", Do: func(context.Context, orchestrators.Orchestrator) (map[string]any, error) {
		return map[string]any{"ok": true}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	called := make(chan struct{})
	slow, err := a.Start(ctx, Job{Cluster: e.cluster, Action: "DRAIN", Do: func(ctx context.Context, _ orchestrators.Orchestrator) (map[string]any, error) {
		close(called)
		<-ctx.Done()
		return nil, ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	<-called
	a.Close()
	if got := e.db.Client.Operation.GetX(ctx, quick.ID); got.Status != operation.StatusSUCCEEDED {
		t.Errorf("an operation done within the grace: %s", got.Status)
	}
	got := e.db.Client.Operation.GetX(ctx, slow.ID)
	if got.Status != operation.StatusRUNNING || got.Runner != "a/1" {
		t.Fatalf("handed-back operation: %s runner %q", got.Status, got.Runner)
	}
	if vacant, err := lease.New(e.db).Vacant(ctx, leaseName("a/1")); !vacant || err != nil {
		t.Fatalf("the stopped runner's lease is still held (%v)", err)
	}
	b := &Runner{Client: e.db.Client, Router: e.router, Box: e.box, Log: slog.New(slog.DiscardHandler),
		Leases: lease.New(e.db), ID: "b/1", LeaseTTL: time.Hour}
	b.init()
	b.live.held, b.live.since = true, time.Now().Add(-2*time.Hour)
	if n, err := b.Reap(ctx); n != 1 || err != nil {
		t.Fatalf("reaped %d (%v)", n, err)
	}
	if got := e.db.Client.Operation.GetX(ctx, slow.ID); got.Status != operation.StatusFAILED || got.Reason != ReasonReplicaStopped {
		t.Fatalf("after the hand-back: %s %q", got.Status, got.Reason)
	}
}

// counted sums a counter vector over its labels.
func counted(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 16)
	go func() { c.Collect(ch); close(ch) }()
	sum := 0.0
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		sum += d.GetCounter().GetValue()
	}
	return sum
}

func kept(op *ent.Operation) bool { return op.Replay != nil && len(*op.Replay) > 0 }

// A reaped instantiation leaves its instance to a newer one already under
// way (retryInstance issued meanwhile).
func TestReapedInstantiationYieldsToANewerOne(t *testing.T) {
	e := newReapEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	ctx := auth.System(context.Background())
	e.crashed(t, "dead/1", time.Millisecond)
	e.crashed(t, "live/1", time.Hour)
	tpl := e.db.Client.Template.Create().SetProjectID(e.cluster.ProjectID).SetName("t").SetKind("K8S").SaveX(ctx)
	ver := e.db.Client.TemplateVersion.Create().SetTemplateID(tpl.ID).SetLabel("v1").SetContent("x").SetDigest("d").
		SetCreatedAt(time.Now()).SaveX(ctx)
	ins := e.db.Client.Instance.Create().SetProjectID(e.cluster.ProjectID).SetClusterID(e.cluster.ID).SetNamespace("ns").
		SetStatus(instance.StatusAPPLYING).SetVersionID(ver.ID).SaveX(ctx)
	for _, runner := range []string{"dead/1", "live/1"} {
		e.db.Client.Operation.Create().SetAction("INSTANTIATE").SetStatus(operation.StatusRUNNING).SetRunner(runner).
			SetProjectID(e.cluster.ProjectID).SetClusterID(e.cluster.ID).SetTargetKind("Instance").SetTargetName(string(ins.ID)).SaveX(ctx)
	}
	r := &Runner{Client: e.db.Client, Router: e.router, Box: e.box, Log: slog.New(slog.DiscardHandler),
		Leases: lease.New(e.db), ID: "b/1", LeaseTTL: time.Hour}
	r.init()
	r.live.held, r.live.since = true, time.Now().Add(-2*time.Hour)
	if n, err := r.Reap(ctx); n != 1 || err != nil {
		t.Fatalf("reaped %d (%v)", n, err)
	}
	if got := e.db.Client.Instance.GetX(ctx, ins.ID); got.Status != instance.StatusAPPLYING {
		t.Fatalf("instance %s, want APPLYING under the newer instantiation", got.Status)
	}
}
