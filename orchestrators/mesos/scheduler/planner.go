package scheduler

import (
	"time"

	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// launchReq asks for a task for one instance of an application (at its
// target version).
type launchReq struct {
	app   string
	index int
}

// plan brings every changed application's plan up to date and gathers the
// demand.
func (e *Engine) plan(now time.Time) {
	changed := false
	for _, a := range e.sortedApps() {
		if !a.dirty {
			continue
		}
		a.dirty = false
		changed = true
		e.planApp(a, now)
	}
	if !changed {
		return
	}
	e.demand = e.demand[:0]
	keys := make(map[launchReq]bool, len(e.demandKeys))
	for _, a := range e.sortedApps() {
		for _, r := range a.demand {
			e.demand = append(e.demand, r)
			keys[r] = true
			if !e.demandKeys[r] {
				e.newDemand = true
			}
		}
	}
	e.demandKeys = keys
}

type instance struct {
	cur []*task // at the target version
	old []*task // at another version
}

func runningCount(ts []*task) int {
	n := 0
	for _, t := range ts {
		if t.running() {
			n++
		}
	}
	return n
}

// planApp compares one application's tasks with what it should run: it
// kills surplus and replaced tasks and lists the launches it wants. A
// rolling update is this same comparison under the strategy's bounds:
//
//   - a task of another version goes once its instance has a RUNNING task
//     of the target version;
//   - new tasks may push the live total up to instances+maxSurge;
//   - old RUNNING tasks may be killed while at least
//     instances-maxUnavailable tasks stay RUNNING;
//
// and a paused deployment only refills empty instances.
func (e *Engine) planApp(a *app, now time.Time) {
	a.demand = a.demand[:0]
	a.wake = time.Time{}
	if a.rec.Deleting {
		for _, t := range a.sortedTasks() {
			e.kill(t, "delete")
		}
		if len(a.tasks) == 0 {
			e.finishDelete(a)
		}
		return
	}
	n, target := a.rec.Instances, a.rec.Version
	inst := make([]instance, n)
	for _, t := range a.sortedTasks() {
		switch {
		case t.rec.Kill != "":
		case t.rec.Index >= n:
			e.kill(t, "scale-down")
		case t.rec.Version == target:
			inst[t.rec.Index].cur = append(inst[t.rec.Index].cur, t)
		default:
			inst[t.rec.Index].old = append(inst[t.rec.Index].old, t)
		}
	}
	live, running := 0, 0
	for i := range inst {
		in := &inst[i]
		if len(in.cur) > 1 {
			keep := best(in.cur)
			for _, t := range in.cur {
				if t != keep {
					e.kill(t, "duplicate")
				}
			}
			in.cur = []*task{keep}
		}
		live += len(in.cur) + len(in.old)
		running += runningCount(in.cur) + runningCount(in.old)
	}

	demanded := make([]bool, n)
	// launchable: the instance may get a new task now (its restart
	// backoff is over and it has not given up). Old tasks of an instance
	// that cannot be relaunched are left running.
	launchable := func(i int) bool {
		sl := a.slot(i)
		return !sl.GaveUp && !sl.NotBefore.After(now)
	}
	want := func(i int) bool {
		sl := a.slot(i)
		switch {
		case sl.GaveUp:
			return false
		case sl.NotBefore.After(now):
			if a.wake.IsZero() || sl.NotBefore.Before(a.wake) {
				a.wake = sl.NotBefore
			}
			return false
		}
		a.demand = append(a.demand, launchReq{app: a.key(), index: i})
		demanded[i] = true
		live++
		return true
	}
	replace := func(in *instance, onlyIdle bool) {
		kept := in.old[:0]
		for _, t := range in.old {
			if onlyIdle && t.running() {
				kept = append(kept, t)
				continue
			}
			if t.running() {
				running--
			}
			live--
			e.kill(t, "replaced")
		}
		in.old = kept
	}
	paused := a.deploy != nil && a.deploy.Paused

	// Instances whose new task runs: the old one goes.
	if !paused {
		for i := range inst {
			if in := &inst[i]; len(in.cur) == 1 && in.cur[0].running() && len(in.old) > 0 {
				replace(in, false)
			}
		}
	}
	// Empty instances are refilled, paused or not.
	for i := range inst {
		if len(inst[i].cur) == 0 && len(inst[i].old) == 0 {
			want(i)
		}
	}
	if !paused {
		surge, unavailable := a.spec().UpgradeStrategy.Bounds(n)
		// Old tasks that are not RUNNING yet give no availability.
		for i := range inst {
			if in := &inst[i]; len(in.cur) == 0 && len(in.old) > 0 && launchable(i) {
				replace(in, true)
				if len(in.old) == 0 && !demanded[i] {
					want(i)
				}
			}
		}
		// Surge: start new tasks next to old ones.
		for i := range inst {
			if live >= n+surge {
				break
			}
			if in := &inst[i]; len(in.cur) == 0 && len(in.old) > 0 && !demanded[i] {
				want(i)
			}
		}
		// Unavailability: take old tasks down while enough keep running;
		// first where no surge task is wanted yet, then also where one is
		// (it may not fit anywhere until the old task frees its place,
		// e.g. with UNIQUE hostname on as many agents as instances).
		budget := running - (n - unavailable)
		for _, surged := range []bool{false, true} {
			for i := range inst {
				if budget <= 0 {
					break
				}
				in := &inst[i]
				if len(in.cur) > 0 || len(in.old) == 0 || demanded[i] != surged || !launchable(i) {
					continue
				}
				budget -= runningCount(in.old)
				replace(in, false)
				if !surged {
					want(i)
				}
			}
		}
	}
	e.checkDeployment(a, inst, now)
	if st := e.statusOf(a); st != a.status {
		e.emitApp(a)
	}
}

// best picks the task to keep among duplicates: RUNNING first, then the
// oldest.
func best(ts []*task) *task {
	b := ts[0]
	for _, t := range ts[1:] {
		if t.running() && !b.running() || t.running() == b.running() && t.rec.Created.Before(b.rec.Created) {
			b = t
		}
	}
	return b
}

// checkDeployment ends the deployment once every instance runs the target
// version, or has given up restarting.
func (e *Engine) checkDeployment(a *app, inst []instance, now time.Time) {
	if a.deploy == nil {
		return
	}
	gaveUp := false
	for i, in := range inst {
		if a.slot(i).GaveUp && len(in.cur) == 0 {
			gaveUp = true
			continue
		}
		if len(in.cur) != 1 || !in.cur[0].running() || len(in.old) > 0 {
			return
		}
	}
	for _, t := range a.tasks {
		if t.rec.Version != a.rec.Version && t.rec.Kill == "" {
			return
		}
	}
	result := "succeeded"
	if gaveUp {
		result = "failed"
	}
	e.endDeployment(a, result, now)
}

func (e *Engine) endDeployment(a *app, result string, now time.Time) {
	d := a.deploy
	if d == nil {
		return
	}
	a.deploy = nil
	a.rec.LastDeployment = &zkstate.DeploymentResult{ID: d.ID, To: d.To, Result: result, Finished: now}
	e.store.Enqueue(zkstate.Delete(e.store.Deployment(d.ID)), zkstate.Set(e.store.App(a.key()), a.rec))
	e.log.Info("deployment ended", "app", a.ref().String(), "deployment", d.ID, "version", d.To, "result", result,
		"took", now.Sub(d.Created).Round(time.Millisecond))
	e.emitDeployment(a, d, result)
}

// statusOf summarises an application for its status field.
func (e *Engine) statusOf(a *app) string {
	switch {
	case a.rec.Deleting:
		return AppDeleting
	case a.deploy != nil && a.deploy.Paused:
		return AppPaused
	case a.deploy != nil:
		return AppDeploying
	}
	for i := 0; i < a.rec.Instances; i++ {
		if a.slot(i).GaveUp {
			return AppAbnormal
		}
	}
	if a.rec.Instances == 0 && len(a.tasks) == 0 {
		return AppSuspended
	}
	current := 0
	for _, t := range a.tasks {
		if t.running() && t.rec.Version == a.rec.Version && t.rec.Kill == "" && t.rec.Index < a.rec.Instances {
			current++
		}
	}
	if current == a.rec.Instances && len(a.tasks) == current {
		return AppRunning
	}
	return AppStaging
}
