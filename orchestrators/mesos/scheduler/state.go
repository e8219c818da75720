package scheduler

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// app is an application as the engine holds it. Every task in tasks is
// live (not terminal); terminal tasks are handled and forgotten at once.
type app struct {
	rec      zkstate.AppRecord
	target   *zkstate.VersionRecord
	versions []int64
	tasks    map[string]*task
	// place counts every live task, of any version and also those being
	// killed: they hold their host until they are gone.
	place  *spec.Placement
	deploy *zkstate.DeploymentRecord

	dirty  bool        // plan again
	demand []launchReq // launches the last plan wants
	wake   time.Time   // earliest backoff expiry the plan waits for
	status string      // last status reported in an event
}

func (a *app) ref() spec.Ref    { return a.rec.Ref() }
func (a *app) key() string      { return a.ref().Key() }
func (a *app) spec() *spec.App  { return &a.target.Spec }
func (a *app) hasGroupBy() bool { return hasOp(a.spec().Constraints, spec.OpGroupBy) }

func hasOp(cs []spec.Constraint, op string) bool {
	for _, c := range cs {
		if c.Operator == op {
			return true
		}
	}
	return false
}

// resetPlacement rebuilds the constraint accounting, after the target
// version (and so the constraints) changed.
func (a *app) resetPlacement(agents map[string]*agentInfo) {
	a.place = spec.NewPlacement(a.spec().Constraints)
	if a.place.Empty() {
		return
	}
	for _, ag := range agents {
		a.place.See(ag.host)
	}
	for _, t := range a.tasks {
		a.place.Add(t.host())
	}
}

func (a *app) addTask(t *task) {
	a.tasks[t.rec.ID] = t
	a.place.Add(t.host())
}

func (a *app) removeTask(t *task) {
	delete(a.tasks, t.rec.ID)
	a.place.Remove(t.host())
}

func (a *app) sortedTasks() []*task {
	out := make([]*task, 0, len(a.tasks))
	for _, t := range a.tasks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].rec.Index != out[j].rec.Index {
			return out[i].rec.Index < out[j].rec.Index
		}
		return out[i].rec.Created.Before(out[j].rec.Created)
	})
	return out
}

func (a *app) slot(i int) zkstate.Slot { return a.rec.Slots[i] }

func (a *app) setSlot(i int, s zkstate.Slot) {
	if s == (zkstate.Slot{}) {
		delete(a.rec.Slots, i)
		return
	}
	if a.rec.Slots == nil {
		a.rec.Slots = map[int]zkstate.Slot{}
	}
	a.rec.Slots[i] = s
}

// task is one live task.
type task struct {
	rec      zkstate.TaskRecord
	app      *app
	killSent time.Time // last KILL sent, zero if none
}

func (t *task) state() mesos.TaskState { return parseState(t.rec.State) }
func (t *task) running() bool          { return t.state() == mesos.TASK_RUNNING }
func (t *task) host() spec.Host {
	return spec.Host{Hostname: t.rec.Hostname, Attributes: t.rec.Attributes}
}

func parseState(s string) mesos.TaskState {
	if v, ok := mesos.TaskState_value[s]; ok {
		return mesos.TaskState(v)
	}
	return mesos.TASK_STAGING
}

// isTerminal: the task is over (TASK_LOST included: a lost task is
// replaced, and if it shows up again it is killed as unknown).
func isTerminal(s mesos.TaskState) bool {
	switch s {
	case mesos.TASK_FINISHED, mesos.TASK_FAILED, mesos.TASK_KILLED, mesos.TASK_ERROR, mesos.TASK_LOST,
		mesos.TASK_DROPPED, mesos.TASK_GONE, mesos.TASK_GONE_BY_OPERATOR, mesos.TASK_UNKNOWN:
		return true
	}
	return false
}

func (t *task) status() *TaskStatus {
	r := t.rec
	return &TaskStatus{
		ID: r.ID, App: t.app.ref(), Index: r.Index, Version: r.Version, State: r.State, Healthy: r.Healthy,
		AgentID: r.AgentID, Host: r.Hostname, Ports: r.Ports, Reason: r.Reason, Message: r.Message,
		Killing: r.Kill, Created: r.Created, Updated: r.Updated, Started: r.StartedAt,
	}
}

// agentInfo is what offers taught us about an agent.
type agentInfo struct {
	id   string
	host spec.Host
}

func hostOf(o *mesos.Offer) spec.Host {
	h := spec.Host{Hostname: o.Hostname}
	if len(o.Attributes) > 0 {
		h.Attributes = make(map[string]string, len(o.Attributes))
		for _, at := range o.Attributes {
			h.Attributes[at.Name] = attributeValue(at)
		}
	}
	return h
}

func attributeValue(at mesos.Attribute) string {
	switch at.Type {
	case mesos.TEXT:
		return at.GetText().GetValue()
	case mesos.SCALAR:
		return strconv.FormatFloat(at.GetScalar().GetValue(), 'f', -1, 64)
	case mesos.RANGES:
		var parts []string
		for _, r := range at.GetRanges().GetRange() {
			parts = append(parts, fmt.Sprintf("%d-%d", r.Begin, r.End))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case mesos.SET:
		return "{" + strings.Join(at.GetSet().GetItem(), ",") + "}"
	}
	return ""
}
