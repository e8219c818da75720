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
	"strings"
	"sync"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/orchestrators"
)

// Runner starts Operations and carries them out.
type Runner struct {
	Client  *ent.Client
	Router  *orchestrators.Router
	Box     *secrets.Box
	Log     *slog.Logger
	Timeout time.Duration // per operation; default 2 minutes

	wg sync.WaitGroup
	// Observe, if set, is told of every status change (subscriptions).
	Observe func(*ent.Operation)
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
	r.notify(op)
	done := make(chan *ent.Operation, 1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		done <- r.run(auth.System(context.WithoutCancel(ctx)), op, job)
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

func (r *Runner) run(ctx context.Context, op *ent.Operation, job Job) *ent.Operation {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	op, err := op.Update().SetStatus(operation.StatusRUNNING).SetStartedAt(time.Now()).Save(ctx)
	if err != nil {
		r.Log.Error("mark operation running", "operation", op.ID, "err", err)
		return op
	}
	r.notify(op)
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	result, err := r.call(runCtx, job)
	upd := op.Update().SetFinishedAt(time.Now())
	if err != nil {
		reason, msg := describe(err)
		if errors.Is(err, context.DeadlineExceeded) {
			reason, msg = "Timeout", fmt.Sprintf("the cluster did not answer within %s", timeout)
		}
		upd.SetStatus(operation.StatusFAILED).SetReason(reason).SetMessage(msg)
		if cs := conflicts(err); len(cs) > 0 {
			upd.SetResult(map[string]any{"conflicts": cs})
		}
	} else {
		upd.SetStatus(operation.StatusSUCCEEDED).SetResult(result)
	}
	final, uerr := upd.Save(ctx)
	if uerr != nil {
		r.Log.Error("record operation outcome", "operation", op.ID, "err", uerr)
		return op
	}
	r.Log.Info("operation finished", "operation", op.ID, "action", op.Action, "status", final.Status, "reason", final.Reason)
	r.notify(final)
	if job.OnDone != nil {
		job.OnDone(ctx, final)
	}
	return final
}

func (r *Runner) call(ctx context.Context, job Job) (map[string]any, error) {
	conn, err := Conn(job.Cluster, r.Box)
	if err != nil {
		return nil, err
	}
	o, err := r.Router.For(ctx, conn)
	if err != nil {
		return nil, err
	}
	return job.Do(ctx, o)
}

// Conn opens a cluster's sealed credentials into an orchestrator connection.
func Conn(c *ent.Cluster, box *secrets.Box) (orchestrators.Conn, error) {
	conn := orchestrators.Conn{ClusterID: string(c.ID), Kind: orchestrators.Kind(c.Kind)}
	if len(c.Credentials) == 0 {
		return conn, &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Message: "the cluster has no credentials yet"}
	}
	plain, err := box.Open(c.Credentials)
	if err != nil {
		return conn, fmt.Errorf("open credentials of cluster %s: %w", c.ID, err)
	}
	if conn.Kind == orchestrators.KindK8s {
		conn.Kubeconfig = plain
	} else {
		conn.Endpoints = strings.Split(string(plain), ",")
	}
	return conn, nil
}

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

func (r *Runner) notify(op *ent.Operation) {
	if r.Observe != nil && op != nil {
		r.Observe(op)
	}
}
