// Package operations runs changes against clusters as Operations. An
// Operation row is written (PENDING) before the cluster is called and
// returned to the client at once; the call runs outside any database
// transaction, bounded by a timeout, and its outcome (SUCCEEDED, or FAILED
// with the API server's reason and message) lands on the row. Nothing is
// rolled back after a cluster has changed.
//
// Each process running operations holds a liveness lease and records
// itself as the runner of the operations it starts; a reaper on every
// replica takes over the unfinished operations of a runner whose lease
// lapsed (it crashed), re-running idempotent steps and failing the others
// (see reaper.go). Close finishes or hands back what is still running.
package operations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/datawatch/lease"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/clusters"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/orchestrators"
)

// Runner starts Operations and carries them out.
type Runner struct {
	Client  *ent.Client
	Router  *orchestrators.Router
	Box     *secrets.Box
	Tunnels clusters.Tunnels // the agents' tunnels on this replica (clusters.Connector)
	Log     *slog.Logger
	Timeout time.Duration // per operation; default 2 minutes
	// StoreRetry bounds how long a status write is retried while the
	// database is unavailable; default 1 minute.
	StoreRetry time.Duration

	// Leases, when set, gives this process a liveness lease named after ID
	// and turns on the reaper (Begin); nil: operations are unowned.
	Leases *lease.Store
	// ID names this process among the runners (see RunnerID).
	ID string
	// LeaseTTL is the liveness lease's term, ReapInterval how often dead
	// runners are looked for, ShutdownGrace how long Close lets running
	// operations finish before handing them back (defaults in liveness.go).
	LeaseTTL, ReapInterval, ShutdownGrace time.Duration
	// Replayers rebuild, by action, the steps that may be run again.
	Replayers map[string]Replayer

	wg       sync.WaitGroup
	once     sync.Once
	metrics  *reapMetrics
	live     liveness
	runs     context.Context // parent of every call to a cluster; ends when Close hands back
	stopRuns context.CancelFunc
	handBack atomic.Bool
	stopBG   context.CancelFunc
	bg       sync.WaitGroup
}

func (r *Runner) init() {
	r.once.Do(func() {
		r.metrics = newReapMetrics()
		r.runs, r.stopRuns = context.WithCancel(context.Background())
	})
}

func systemCtx(ctx context.Context) context.Context { return auth.System(ctx) }

// Begin holds the liveness lease and runs the reaper until Close; without
// Leases it does nothing.
func (r *Runner) Begin() {
	r.init()
	if r.Leases == nil || r.stopBG != nil {
		return
	}
	ctx, stop := context.WithCancel(systemCtx(context.Background()))
	r.stopBG = stop
	r.bg.Add(2)
	go func() { defer r.bg.Done(); r.keepAlive(ctx) }()
	go func() { defer r.bg.Done(); r.reap(ctx) }()
}

// Close lets running operations finish for ShutdownGrace, then cancels the
// calls still under way and hands their operations back: their rows stay
// RUNNING under this process, and releasing the liveness lease lets another
// replica's reaper take them over at once (or this replica's successor,
// when it was the only one).
func (r *Runner) Close() {
	r.init()
	grace := r.ShutdownGrace
	if grace <= 0 {
		grace = DefaultShutdownGrace
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		r.handBack.Store(true)
		r.stopRuns()
		<-done
	}
	if r.stopBG != nil {
		r.stopBG()
		r.bg.Wait()
	}
}

// Job describes one change to a cluster.
type Job struct {
	Cluster               *ent.Cluster
	Action                string // APPLY, SCALE, …
	Kind, Namespace, Name string
	Request               map[string]any
	// Wait makes Start return only once the operation has finished (dry runs).
	Wait bool
	Do   func(ctx context.Context, o orchestrators.Orchestrator) (map[string]any, error)
	// OnDone, if set, is called with the finished operation (e.g. to record
	// an instance's per-object status).
	OnDone func(ctx context.Context, op *ent.Operation)
	// Replay, for an idempotent step only, is what Runner.Replayers[Action]
	// needs to rebuild Do: should this process die mid-way, another replica
	// runs the step again from it. It is kept sealed until the end.
	Replay any
}

// Start records the operation and runs it in the background.
func (r *Runner) Start(ctx context.Context, job Job) (*ent.Operation, error) {
	r.init()
	id := gid.New("opr")
	create := r.Client.Operation.Create().SetID(id).SetRunner(r.owner()).
		SetAction(job.Action).
		SetProjectID(job.Cluster.ProjectID).
		SetClusterID(job.Cluster.ID).
		SetTargetKind(job.Kind).SetTargetNamespace(job.Namespace).SetTargetName(job.Name).
		SetRequest(job.Request)
	if v := auth.FromContext(ctx); v != nil {
		create.SetCreatedBy(v.UserName)
	}
	if job.Replay != nil && r.Box != nil && !job.Wait {
		plain, err := json.Marshal(job.Replay)
		if err != nil {
			return nil, fmt.Errorf("encode replay: %w", err)
		}
		sealed, err := r.Box.Seal(replayName(id), plain)
		if err != nil {
			return nil, fmt.Errorf("seal replay: %w", err)
		}
		create.SetReplay(sealed)
	}
	op, err := create.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("record operation: %w", err)
	}
	done := make(chan *ent.Operation, 1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		done <- r.runSafely(auth.System(context.WithoutCancel(ctx)), op, job)
	}()
	if job.Wait {
		select {
		case op = <-done:
		case <-ctx.Done():
		}
	}
	return op, nil
}

// Wait blocks until every started operation has finished.
func (r *Runner) Wait() { r.wg.Wait() }

// runSafely is run behind a recover: a panic in a job or an orchestrator
// fails its operation instead of the whole server.
func (r *Runner) runSafely(ctx context.Context, op *ent.Operation, job Job) (final *ent.Operation) {
	defer func() {
		if p := recover(); p != nil {
			r.Log.Error("operation panicked", "operation", op.ID, "panic", p, "stack", string(debug.Stack()))
			final = r.finish(ctx, op, job, op.Update().SetFinishedAt(time.Now()).SetStatus(operation.StatusFAILED).
				SetReason("InternalError").SetMessage("BCS could not carry out the operation; see the server log"))
		}
	}()
	return r.run(ctx, op, job)
}

func (r *Runner) run(ctx context.Context, op *ent.Operation, job Job) *ent.Operation {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	// The cluster is called only once the row says RUNNING: an operation
	// whose status cannot be recorded must not change a cluster unseen.
	running, err := r.save(ctx, op, func() (*ent.Operation, error) {
		return op.Update().Where(operation.Runner(op.Runner)).SetStatus(operation.StatusRUNNING).SetStartedAt(time.Now()).Save(ctx)
	})
	if err != nil {
		r.Log.Error("mark operation running; the cluster was not called", "operation", op.ID, "err", err)
		return r.finish(ctx, op, job, op.Update().SetFinishedAt(time.Now()).SetStatus(operation.StatusFAILED).
			SetReason("StorageUnavailable").SetMessage("BCS could not record the operation's start, so the cluster was not called; try again"))
	}
	op = running
	return r.carryOut(ctx, op, job, timeout)
}

// carryOut calls the cluster for op, RUNNING, and records the outcome.
func (r *Runner) carryOut(ctx context.Context, op *ent.Operation, job Job, timeout time.Duration) *ent.Operation {
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer context.AfterFunc(r.runs, cancel)()
	hold(runCtx, job.Action)
	result, err := r.call(runCtx, job)
	if err != nil && r.handBack.Load() && r.runs.Err() != nil && op.Runner != "" {
		// Stopping: the row stays RUNNING under this runner, for a
		// survivor's reaper once the liveness lease is released.
		r.Log.Warn("operation handed back at shutdown", "operation", op.ID, "action", op.Action)
		return op
	}
	upd := op.Update().SetFinishedAt(time.Now())
	if err != nil {
		reason, msg := describe(Public(err, job.Cluster))
		if errors.Is(err, context.DeadlineExceeded) && !job.Cluster.Restricted { // restricted: no timing told apart
			reason, msg = "Timeout", fmt.Sprintf("the cluster did not answer within %s", timeout)
		}
		upd.SetStatus(operation.StatusFAILED).SetReason(reason).SetMessage(msg)
		if cs := conflicts(err); len(cs) > 0 {
			upd.SetResult(map[string]any{"conflicts": cs})
		}
	} else {
		upd.SetStatus(operation.StatusSUCCEEDED).SetResult(result)
	}
	return r.finish(ctx, op, job, upd)
}

// finish records an operation's outcome, retrying while the database is
// unavailable: the cluster may already have changed, so the outcome must
// land if it can at all.
//
// The write is fenced by the runner: once another replica took the
// operation over (this one was thought dead), it is not this one's to end.
func (r *Runner) finish(ctx context.Context, op *ent.Operation, job Job, upd *ent.OperationUpdateOne) *ent.Operation {
	upd.Where(operation.Runner(op.Runner)).ClearReplay()
	final, err := r.save(ctx, op, func() (*ent.Operation, error) { return upd.Save(ctx) })
	if ent.IsNotFound(err) {
		r.Log.Warn("operation taken over by another replica; its outcome here is not recorded", "operation", op.ID)
		return op
	}
	if err != nil {
		r.Log.Error("record operation outcome", "operation", op.ID, "err", err)
		return op
	}
	r.Log.Info("operation finished", "operation", op.ID, "action", op.Action, "status", final.Status, "reason", final.Reason)
	if job.OnDone != nil {
		r.onDone(ctx, job, final)
	}
	return final
}

// onDone runs the job's follow-up behind its own recover, so that a panic
// there cannot turn a recorded outcome into a failure.
func (r *Runner) onDone(ctx context.Context, job Job, final *ent.Operation) {
	defer func() {
		if p := recover(); p != nil {
			r.Log.Error("operation follow-up panicked", "operation", final.ID, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	job.OnDone(ctx, final)
}

// save runs write until it succeeds or StoreRetry passes, backing off
// between attempts. A row that no longer exists is not retried.
func (r *Runner) save(ctx context.Context, op *ent.Operation, write func() (*ent.Operation, error)) (*ent.Operation, error) {
	limit := r.StoreRetry
	if limit <= 0 {
		limit = time.Minute
	}
	deadline := time.Now().Add(limit)
	backoff := 50 * time.Millisecond
	for {
		saved, err := write()
		if err == nil {
			return saved, nil
		}
		if ent.IsNotFound(err) || time.Now().Add(backoff).After(deadline) {
			return nil, err
		}
		r.Log.Warn("operation status not recorded; retrying", "operation", op.ID, "err", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, err
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func (r *Runner) call(ctx context.Context, job Job) (map[string]any, error) {
	o, err := clusters.Connector{Router: r.Router, Box: r.Box, Tunnels: r.Tunnels}.Open(ctx, job.Cluster)
	if err != nil {
		return nil, err
	}
	return job.Do(ctx, o)
}

// describe is an operation's reason and message for err.
func describe(err error) (reason, message string) {
	var oe *orchestrators.Error
	if errors.As(err, &oe) {
		reason = oe.Reason
		if reason == "" {
			reason = string(oe.Kind)
		}
		return reason, oe.Error()
	}
	return "InternalError", "BCS could not carry out the operation; see the server log"
}

// conflicts lists the contested fields of an apply refused for them, as
// the failed operation's result, so clients read them without parsing the
// message.
func conflicts(err error) []map[string]any {
	var oe *orchestrators.Error
	if !errors.As(err, &oe) {
		return nil
	}
	out := make([]map[string]any, 0, len(oe.Conflicts))
	for _, c := range oe.Conflicts {
		m := map[string]any{"object": c.Object, "field": c.Field, "manager": c.Manager}
		if c.Subresource != "" {
			m["subresource"] = c.Subresource
		}
		out = append(out, m)
	}
	return out
}

// Public is err as the users of cluster c may see it. On restricted
// clusters (registered by non-admins) a failure to reach the cluster, or an
// answer that is not the API's own, is told in general terms only: the
// address may have come to point elsewhere since registration, and what
// answered there is not theirs to read.
func Public(err error, c *ent.Cluster) error {
	if err == nil || !c.Restricted {
		return err
	}
	var oe *orchestrators.Error
	if errors.As(err, &oe) && oe.Kind != orchestrators.ErrUnreachable && !unexpectedAnswer(err) {
		return err
	}
	if oe == nil && !unexpectedAnswer(err) {
		return err // not the cluster's: describe keeps it out of the message
	}
	msg := netpolicy.UnreachableKubernetes
	if c.Kind == cluster.KindMESOS {
		msg = netpolicy.UnreachableMesos
	}
	return &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Message: msg}
}

// unexpectedAnswer reports an answer that was not a Kubernetes Status:
// client-go quotes such bodies in its message.
func unexpectedAnswer(err error) bool {
	var se apierrors.APIStatus
	if !errors.As(err, &se) || se.Status().Details == nil {
		return false
	}
	for _, c := range se.Status().Details.Causes {
		if c.Type == metav1.CauseTypeUnexpectedServerResponse {
			return true
		}
	}
	return false
}
