package scheduler

import (
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// reconcileAll asks the master for every task the state knows (explicit
// reconciliation: each gets an answer, TASK_LOST if the master does not
// know it), then for every task the master knows (implicit: surfaces tasks
// the state does not know, which are then killed). It runs after every
// (re)subscription, as the Mesos reconciliation guide asks.
func (e *Engine) reconcileAll(now time.Time) {
	tasks := map[string]string{}
	for id, t := range e.tasks {
		tasks[id] = t.rec.AgentID
		e.reconciling[id] = now
		if t.rec.Kill != "" {
			t.killSent = time.Time{} // the old subscription's KILL may be lost
		}
	}
	if len(tasks) > 0 {
		e.send(e.ctrl, calls.Reconcile(calls.ReconcileTasks(tasks)), e.gen, nil)
	}
	e.send(e.ctrl, calls.Reconcile(), e.gen, nil)
	e.lastImplicit = now
}

// retryReconcile asks again about tasks not answered for ReconcileRetry,
// and runs the periodic implicit reconciliation.
func (e *Engine) retryReconcile(now time.Time) {
	if !e.subscribed {
		return
	}
	var tasks map[string]string
	for id, sent := range e.reconciling {
		t := e.tasks[id]
		if t == nil {
			delete(e.reconciling, id)
			continue
		}
		if now.Sub(sent) < e.cfg.Tuning.ReconcileRetry {
			continue
		}
		if tasks == nil {
			tasks = map[string]string{}
		}
		tasks[id] = t.rec.AgentID
		e.reconciling[id] = now
	}
	if len(tasks) > 0 {
		e.send(e.ctrl, calls.Reconcile(calls.ReconcileTasks(tasks)), e.gen, nil)
	}
	if now.Sub(e.lastImplicit) >= e.cfg.Tuning.ReconcileInterval {
		e.send(e.ctrl, calls.Reconcile(), e.gen, nil)
		e.lastImplicit = now
	}
}

// syncOfferInterest SUPPRESSes offers when nothing is wanted and REVIVEs
// them when something is: at once after a suppression, and at most every
// ReviveInterval for new demand (a revive also clears the filters of
// earlier declines, which may hide agents that now fit).
func (e *Engine) syncOfferInterest(now time.Time) {
	if !e.subscribed {
		return
	}
	want := len(e.demand) > 0
	switch {
	case want && e.suppressed:
		e.revive(now)
	case want && e.newDemand && now.Sub(e.lastRevive) >= e.cfg.Tuning.ReviveInterval:
		e.revive(now)
	case want && now.Sub(e.lastRevive) >= starvation && now.Sub(e.lastOffers) >= starvation:
		// Wanting with no offers for a while: a filter may be hiding
		// agents that fit now. Ask again.
		e.revive(now)
	case !want && !e.suppressed:
		e.suppressed = true
		e.newDemand = false
		e.log.Debug("suppressing offers")
		e.send(e.ctrl, calls.Suppress(), e.gen, nil)
	}
}

// starvation is how long demand may go without offers before a REVIVE.
const starvation = 5 * time.Second

func (e *Engine) revive(now time.Time) {
	e.suppressed = false
	e.newDemand = false
	e.lastRevive = now
	e.log.Debug("reviving offers", "demand", len(e.demand))
	e.send(e.ctrl, calls.Revive(), e.gen, nil)
}
