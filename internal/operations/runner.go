// Package operations runs changes against clusters as Operations. An
// Operation row is written (PENDING) before the cluster is called and
// returned to the client at once; the call runs outside any database
// transaction, bounded by a timeout, and its outcome (SUCCEEDED, or FAILED
// with the API server's reason and message) lands on the row. Nothing is
// rolled back after a cluster has changed.
package operations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/operation"
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

	wg sync.WaitGroup
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
}

// Start records the operation and runs it in the background.
func (r *Runner) Start(ctx context.Context, job Job) (*ent.Operation, error) {
	create := r.Client.Operation.Create().
		SetAction(job.Action).
		SetProjectID(job.Cluster.ProjectID).
		SetClusterID(job.Cluster.ID).
		SetTargetKind(job.Kind).SetTargetNamespace(job.Namespace).SetTargetName(job.Name).
		SetRequest(job.Request)
	if v := auth.FromContext(ctx); v != nil {
		create.SetCreatedBy(v.UserName)
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
		return op.Update().SetStatus(operation.StatusRUNNING).SetStartedAt(time.Now()).Save(ctx)
	})
	if err != nil {
		r.Log.Error("mark operation running; the cluster was not called", "operation", op.ID, "err", err)
		return r.finish(ctx, op, job, op.Update().SetFinishedAt(time.Now()).SetStatus(operation.StatusFAILED).
			SetReason("StorageUnavailable").SetMessage("BCS could not record the operation's start, so the cluster was not called; try again"))
	}
	op = running
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	result, err := r.call(runCtx, job)
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
func (r *Runner) finish(ctx context.Context, op *ent.Operation, job Job, upd *ent.OperationUpdateOne) *ent.Operation {
	final, err := r.save(ctx, op, func() (*ent.Operation, error) { return upd.Save(ctx) })
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
