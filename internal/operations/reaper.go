package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/instance"
	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/orchestrators"
)

// What the reaper does with an operation whose runner died, per kind:
//
//   - a step with a Replayer for its action and a sealed replay on the row
//     (an apply: server-side apply is idempotent, so running it twice is
//     as good as once) is run again by the survivor, RUNNING throughout;
//   - anything else ends FAILED with reason ReplicaStopped. A scale,
//     restart, rollback, drain or delete may have been half done, and doing
//     it again is the user's call: the message says so and how to retry.
//
// The take-over is one conditional UPDATE (still PENDING or RUNNING, still
// the dead runner's), so of several survivors exactly one acts on it; the
// outcome writes of a runner that was only slow, not dead, are fenced out
// the same way (see finish).
const ReasonReplicaStopped = "ReplicaStopped"

// Replayer turns an operation's unsealed replay back into the step to run.
type Replayer func(replay json.RawMessage) (func(ctx context.Context, o orchestrators.Orchestrator) (map[string]any, error), error)

// retryHints tells, per action, how the user runs a reaped operation again.
var retryHints = map[string]string{
	"APPLY":           "apply the manifest again (applies are idempotent)",
	"INSTANTIATE":     "retry it with retryInstance",
	"DELETE_INSTANCE": "retry it with deleteInstance",
	"DRAIN":           "check the node, then drain it again with drainNode",
}

func retryHint(action string) string {
	if h, ok := retryHints[action]; ok {
		return h
	}
	return "check the target, then run the operation again"
}

// reapMetrics counts operations taken over from dead replicas.
type reapMetrics struct{ reaped *prometheus.CounterVec }

func newReapMetrics() *reapMetrics {
	return &reapMetrics{reaped: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bcs_operations_reaped_total",
		Help: "Operations this replica took over from a replica that stopped while running them, by action and outcome (rerun, failed).",
	}, []string{"action", "outcome"})}
}

// Collectors are the runner's metrics, for the server's registry.
func (r *Runner) Collectors() []prometheus.Collector {
	r.init()
	steady := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "bcs_operations_reaper_steady",
		Help: "1 while this replica's liveness lease has been held for a whole term, so that its reaper judges other replicas; else 0.",
	}, func() float64 {
		if r.Leases != nil && r.live.heldFor() >= r.leaseTTL() {
			return 1
		}
		return 0
	})
	return []prometheus.Collector{r.metrics.reaped, steady}
}

func (r *Runner) reapInterval() time.Duration {
	if r.ReapInterval > 0 {
		return r.ReapInterval
	}
	return DefaultReapInterval
}

// reap takes over dead runners' operations every ReapInterval until ctx ends.
func (r *Runner) reap(ctx context.Context) {
	t := time.NewTicker(r.reapInterval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := r.Reap(ctx); err != nil && ctx.Err() == nil {
			r.Log.Warn("reap operations of stopped replicas", "err", err)
		}
	}
}

// Reap takes over, once, the unfinished operations of every runner whose
// liveness lease is vacant, and reports how many this process took. It acts
// only once its own lease has been held without a break for a whole term:
// after an outage of the database every replica's lease lapsed, and the
// live ones must have had a chance to renew before anyone is judged dead.
func (r *Runner) Reap(ctx context.Context) (int, error) {
	r.init()
	if r.Leases == nil || r.live.heldFor() < r.leaseTTL() {
		return 0, nil
	}
	ctx = systemCtx(ctx)
	runners, err := r.Client.Operation.Query().
		Where(operation.StatusIn(operation.StatusPENDING, operation.StatusRUNNING), operation.RunnerNEQ(""), operation.RunnerNEQ(r.ID)).
		Unique(true).Select(operation.FieldRunner).Strings(ctx)
	if err != nil {
		return 0, fmt.Errorf("list runners: %w", err)
	}
	taken := 0
	for _, dead := range runners {
		vacant, err := r.Leases.Vacant(ctx, leaseName(dead))
		if err != nil {
			return taken, err
		}
		if !vacant {
			continue
		}
		ops, err := r.Client.Operation.Query().
			Where(operation.Runner(dead), operation.StatusIn(operation.StatusPENDING, operation.StatusRUNNING)).All(ctx)
		if err != nil {
			return taken, fmt.Errorf("list operations of %s: %w", dead, err)
		}
		for _, op := range ops {
			ok, err := r.takeOver(ctx, dead, op)
			if err != nil {
				return taken, err
			}
			if ok {
				taken++
			}
		}
		if err := r.Leases.Forget(ctx, leaseName(dead)); err != nil {
			r.Log.Warn("forget a stopped replica's lease", "runner", dead, "err", err)
		}
	}
	return taken, nil
}

// takeOver claims op from dead and re-runs or fails it; false when another
// survivor claimed it first.
func (r *Runner) takeOver(ctx context.Context, dead string, op *ent.Operation) (bool, error) {
	do := r.replayOf(op)
	now := time.Now()
	upd := r.Client.Operation.Update().
		Where(operation.ID(op.ID), operation.Runner(dead), operation.StatusIn(operation.StatusPENDING, operation.StatusRUNNING)).
		SetRunner(r.ID)
	if do != nil {
		upd.SetStatus(operation.StatusRUNNING).SetMessage("the BCS replica running this operation stopped; another replica runs it again")
		if op.StartedAt == nil {
			upd.SetStartedAt(now)
		}
	} else {
		// Users read the message: it names no replica (host names, pids),
		// the log does.
		what := "while running it; the cluster may be partly changed"
		if op.Status == operation.StatusPENDING {
			what = "before starting it; the cluster was not called"
		}
		upd.SetStatus(operation.StatusFAILED).SetFinishedAt(now).SetReason(ReasonReplicaStopped).ClearReplay().
			SetMessage(fmt.Sprintf("the BCS replica running this operation stopped %s: %s", what, retryHint(op.Action)))
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return false, fmt.Errorf("take over operation %s: %w", op.ID, err)
	}
	if n == 0 {
		return false, nil
	}
	outcome := "failed"
	if do != nil {
		outcome = "rerun"
	}
	r.metrics.reaped.WithLabelValues(op.Action, outcome).Inc()
	r.Log.Warn("took over an operation of a stopped replica", "operation", op.ID, "action", op.Action, "runner", dead, "outcome", outcome)
	if do == nil {
		r.afterFailed(ctx, op)
		return true, nil
	}
	claimed, err := r.Client.Operation.Get(ctx, op.ID)
	if err != nil {
		return true, fmt.Errorf("read claimed operation %s: %w", op.ID, err)
	}
	c, err := r.Client.Cluster.Get(ctx, op.ClusterID)
	if err != nil {
		r.finish(ctx, claimed, Job{}, claimed.Update().Where(operation.Runner(r.ID)).SetFinishedAt(time.Now()).
			SetStatus(operation.StatusFAILED).SetReason(ReasonReplicaStopped).ClearReplay().
			SetMessage("the BCS replica running this operation stopped, and its cluster is gone"))
		return true, nil
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.runSafely(ctx, claimed, Job{Cluster: c, Action: op.Action, Do: do})
	}()
	return true, nil
}

// replayOf is op's step rebuilt from its sealed replay, or nil when it
// cannot be run again.
func (r *Runner) replayOf(op *ent.Operation) func(context.Context, orchestrators.Orchestrator) (map[string]any, error) {
	replay, ok := r.Replayers[op.Action]
	if !ok || op.Replay == nil || len(*op.Replay) == 0 || r.Box == nil || op.ClusterID == "" {
		return nil
	}
	plain, err := r.Box.Open(replayName(op.ID), *op.Replay)
	if err != nil {
		r.Log.Warn("open an operation's replay", "operation", op.ID, "err", err)
		return nil
	}
	do, err := replay(plain)
	if err != nil {
		r.Log.Warn("rebuild an operation's step", "operation", op.ID, "err", err)
		return nil
	}
	return do
}

// replayName binds a sealed replay to its operation: a replay copied onto
// another row does not open.
func replayName(id gid.ID) string { return "operation-replay/" + string(id) }

// afterFailed does for a reaped operation what the dead runner's follow-up
// would have done: a template instance being applied is FAILED with it, so
// that retryInstance applies it again.
func (r *Runner) afterFailed(ctx context.Context, op *ent.Operation) {
	if op.Action != "INSTANTIATE" {
		return
	}
	// A newer application of the instance (retryInstance) owns its status.
	newer, err := r.Client.Operation.Query().Where(operation.Action(op.Action), operation.TargetName(op.TargetName),
		operation.StatusIn(operation.StatusPENDING, operation.StatusRUNNING), operation.IDNEQ(op.ID)).Exist(ctx)
	if err != nil || newer {
		return
	}
	err = r.Client.Instance.Update().
		Where(instance.ID(gid.ID(op.TargetName)), instance.StatusEQ(instance.StatusAPPLYING)).
		SetStatus(instance.StatusFAILED).Exec(ctx)
	if err != nil {
		r.Log.Warn("mark a reaped operation's instance failed", "operation", op.ID, "instance", op.TargetName, "err", err)
	}
}
