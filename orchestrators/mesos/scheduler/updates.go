package scheduler

import (
	"fmt"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// handleUpdate applies a status update. Updates arrive at least once and
// in order per task, so applying one twice must change nothing; the update
// is acknowledged once applied in memory (its write is queued: if this
// leader dies first, the next one reconciles).
func (e *Engine) handleUpdate(st mesos.TaskStatus) {
	id := st.TaskID.Value
	state := st.GetState()
	defer e.ack(st)
	t := e.tasks[id]
	if t == nil {
		if !isTerminal(state) {
			// Not ours (any more): a task that was replaced after it was
			// reported lost, or one of a deleted application.
			e.log.Warn("killing a task the state does not know", "task", id, "state", state.String())
			agent := ""
			if st.AgentID != nil {
				agent = st.AgentID.Value
			}
			e.send(e.calls, calls.Kill(id, agent), 0, nil)
		}
		return
	}
	delete(e.reconciling, id)
	if isTerminal(state) {
		e.taskEnded(t, state, describe(st))
		return
	}
	now := time.Now()
	changed := t.rec.State != state.String()
	t.rec.State = state.String()
	if st.Healthy != nil && (t.rec.Healthy == nil || *t.rec.Healthy != *st.Healthy) {
		h := *st.Healthy
		t.rec.Healthy = &h
		changed = true
	}
	if state == mesos.TASK_RUNNING && t.rec.StartedAt.IsZero() {
		t.rec.StartedAt = now
	}
	if !changed {
		return // a duplicate or a reconciliation answer that tells nothing new
	}
	t.rec.Message = st.GetMessage()
	t.rec.Reason = reason(st)
	t.rec.Updated = now
	e.store.Enqueue(zkstate.Set(e.store.Task(t.app.key(), id), t.rec))
	e.emitTask(t, false)
	t.app.dirty = true
}

func (e *Engine) ack(st mesos.TaskStatus) {
	if len(st.UUID) == 0 {
		return // master-generated: unreliable, never acknowledged
	}
	agent := ""
	if st.AgentID != nil {
		agent = st.AgentID.Value
	}
	e.send(e.calls, calls.Acknowledge(agent, st.TaskID.Value, st.UUID), 0, nil)
}

func reason(st mesos.TaskStatus) string {
	if st.Reason == nil {
		return ""
	}
	return st.Reason.String()
}

func describe(st mesos.TaskStatus) string {
	msg := st.GetState().String()
	if r := reason(st); r != "" {
		msg += " (" + r + ")"
	}
	if m := st.GetMessage(); m != "" {
		msg += ": " + m
	}
	return msg
}

// taskEnded forgets a terminal task and, unless the scheduler killed it,
// applies the restart policy to its instance.
func (e *Engine) taskEnded(t *task, state mesos.TaskState, why string) {
	a := t.app
	now := time.Now()
	a.removeTask(t)
	delete(e.tasks, t.rec.ID)
	delete(e.reconciling, t.rec.ID)
	t.rec.State = state.String()
	t.rec.Message = why
	t.rec.Updated = now
	e.store.Enqueue(zkstate.Delete(e.store.Task(a.key(), t.rec.ID)))
	e.emitTask(t, true)
	a.dirty = true
	if t.rec.Kill != "" || t.rec.Index >= a.rec.Instances || a.rec.Deleting {
		return // wanted gone
	}
	e.log.Info("task ended", "task", t.rec.ID, "why", why)
	e.recordFailure(a, t, state, why, now)
}

// recordFailure updates the instance's restart bookkeeping.
func (e *Engine) recordFailure(a *app, t *task, state mesos.TaskState, why string, now time.Time) {
	policy := a.spec().RestartPolicy
	outcome := spec.OutcomeOf(state)
	sl := a.slot(t.rec.Index)
	if !t.rec.StartedAt.IsZero() && now.Sub(t.rec.StartedAt) >= spec.ResetAfter {
		sl.Failures = 0
	}
	sl.LastFailure = why
	switch {
	case !policy.Restarts(outcome):
		sl.GaveUp = true
		sl.LastFailure = fmt.Sprintf("%s; restart policy %s does not restart it", why, policy.Policy)
	case outcome == spec.Lost:
		sl.NotBefore = time.Time{} // no fault of the application: at once
	default:
		sl.Failures++
		if policy.Exhausted(sl.Failures) {
			sl.GaveUp = true
			sl.LastFailure = fmt.Sprintf("%s; gave up after %d failures", why, sl.Failures)
		} else {
			sl.NotBefore = now.Add(policy.Delay(sl.Failures))
		}
	}
	a.setSlot(t.rec.Index, sl)
	e.store.Enqueue(zkstate.Set(e.store.App(a.key()), a.rec))
}

// kill asks Mesos to kill a task, once; retryKills repeats it if nothing
// happens.
func (e *Engine) kill(t *task, why string) {
	if t.rec.Kill != "" {
		return
	}
	t.rec.Kill = why
	t.rec.Updated = time.Now()
	e.store.Enqueue(zkstate.Set(e.store.Task(t.app.key(), t.rec.ID), t.rec))
	e.emitTask(t, false)
	t.app.dirty = true
	if e.subscribed {
		e.sendKill(t, t.rec.Updated)
	}
}

func (e *Engine) sendKill(t *task, now time.Time) {
	t.killSent = now
	e.send(e.calls, calls.Kill(t.rec.ID, t.rec.AgentID), 0, nil)
}

func (e *Engine) retryKills(now time.Time) {
	if !e.subscribed {
		return
	}
	for _, t := range e.tasks {
		if t.rec.Kill != "" && now.Sub(t.killSent) >= e.cfg.Tuning.KillRetry {
			e.sendKill(t, now)
		}
	}
}
