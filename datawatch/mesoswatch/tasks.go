package mesoswatch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/master"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// taskWatch follows the leading master's operator stream. Its maps belong
// to the run goroutine.
type taskWatch struct {
	w           *Watcher
	masters     func() (string, error)
	client      *http.Client           // for the operator stream
	frameworkID func() (string, error) // BCS's framework, from the scheduler's state

	fw     string                     // cached framework id ("" until the scheduler registered)
	agents map[string]mesos.AgentInfo // by agent id
	tasks  map[string]*mesos.Task     // BCS's live tasks by id
}

// errResubscribe asks for a fresh subscription, whose SUBSCRIBED resyncs
// everything: the stream showed something the model cannot place.
var errResubscribe = errors.New("resubscribing to resync")

// run subscribes, follows and resubscribes with backoff until ctx ends.
func (t *taskWatch) run(ctx context.Context) {
	initial := wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Cap: t.w.BackoffMax, Steps: math.MaxInt32}
	backoff := initial
	for ctx.Err() == nil {
		healthy, err := t.once(ctx)
		if ctx.Err() != nil {
			return
		}
		if healthy {
			backoff = initial // it worked for a while: retry soon
		}
		d := backoff.Step()
		t.w.Log.Warn("mesoswatch: operator stream ended; resubscribing", "err", err, "in", d)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}

// once runs one subscription; healthy reports that it got as far as a
// resync, so the next attempt need not back off further.
func (t *taskWatch) once(ctx context.Context) (healthy bool, err error) {
	base, err := t.masters()
	if err != nil {
		return false, err
	}
	st, err := subscribe(ctx, t.client, base)
	if err != nil {
		return false, err
	}
	defer st.close()
	// Heartbeats prove the stream alive; after five missed ones it is
	// treated as broken (closing the body fails the pending read).
	silence := 5 * 15 * time.Second
	watchdog := time.AfterFunc(silence, st.close)
	defer watchdog.Stop()
	stop := context.AfterFunc(ctx, st.close)
	defer stop()
	for {
		ev, err := st.next()
		if err != nil {
			return healthy, err
		}
		if ev.Type == master.Event_SUBSCRIBED {
			if hb := ev.GetSubscribed().GetHeartbeatIntervalSeconds(); hb > 0 {
				silence = 5 * time.Duration(hb*float64(time.Second))
			}
		}
		watchdog.Reset(silence)
		if err := t.apply(ctx, ev); err != nil {
			return healthy, err
		}
		if ev.Type == master.Event_SUBSCRIBED {
			healthy = true
			t.w.Log.Info("mesoswatch: following the master", "master", st.master, "tasks", len(t.tasks))
		}
	}
}

func (t *taskWatch) apply(ctx context.Context, ev *master.Event) error {
	switch ev.Type {
	case master.Event_SUBSCRIBED:
		return t.resync(ctx, ev.GetSubscribed().GetState)
	case master.Event_AGENT_ADDED:
		a := ev.GetAgentAdded().Agent.AgentInfo
		t.agents[a.GetID().GetValue()] = a
		return t.w.Writer.Submit(ctx, t.agentEvent(a))
	case master.Event_AGENT_REMOVED:
		id := ev.GetAgentRemoved().AgentID.Value
		a, ok := t.agents[id]
		delete(t.agents, id) // its tasks get TASK_UPDATED
		if ok {
			return t.w.Writer.Submit(ctx, t.agentDeleted(a))
		}
	case master.Event_FRAMEWORK_ADDED, master.Event_FRAMEWORK_UPDATED, master.Event_FRAMEWORK_REMOVED:
		// The scheduler may have registered anew (its id is stored after
		// SUBSCRIBED): a changed id means other tasks are ours now.
		if id, err := t.frameworkID(); err == nil && id != t.fw {
			return errResubscribe
		}
	case master.Event_TASK_ADDED:
		task := ev.GetTaskAdded().Task
		if !t.ours(task.FrameworkID.Value, task.TaskID.Value) {
			return nil
		}
		t.tasks[task.TaskID.Value] = &task
		return t.w.Writer.Submit(ctx, t.event(&task))
	case master.Event_TASK_UPDATED:
		u := ev.GetTaskUpdated()
		id := u.Status.TaskID.Value
		if !t.ours(u.FrameworkID.Value, id) {
			return nil
		}
		task := t.tasks[id]
		if task == nil {
			return fmt.Errorf("%w: update for unknown task %s", errResubscribe, id)
		}
		state := u.GetState()
		task.State = &state
		task.Statuses = append(task.Statuses, u.Status)
		events := []changelog.Event{t.event(task)}
		if scheduler.IsTerminalState(state) {
			// The master will forget it; so does storage, after the log
			// has recorded how it ended.
			delete(t.tasks, id)
			events = append(events, t.deleted(task))
		}
		return t.w.Writer.Submit(ctx, events...)
	}
	return nil
}

// ours reports whether a task belongs to BCS's framework for the cluster
// (and is named as BCS names tasks). An unknown framework id is re-read:
// the scheduler stores it right after registering.
func (t *taskWatch) ours(fw, taskID string) bool {
	if fw != t.fw && t.fw == "" {
		if id, err := t.frameworkID(); err == nil {
			t.fw = id
		}
	}
	if fw == "" || fw != t.fw {
		return false
	}
	_, _, ok := spec.ParseTaskID(taskID)
	return ok
}

// resync rebuilds the model from get_state and writes the difference with
// storage: tasks that ended while the stream was down disappear.
func (t *taskWatch) resync(ctx context.Context, state *master.Response_GetState) error {
	id, err := t.frameworkID()
	if err != nil {
		return fmt.Errorf("read the framework id: %w", err)
	}
	t.fw, t.agents, t.tasks = id, map[string]mesos.AgentInfo{}, map[string]*mesos.Task{}
	var agents []changelog.Event
	for _, a := range state.GetGetAgents().GetAgents() {
		t.agents[a.AgentInfo.GetID().GetValue()] = a.AgentInfo
		agents = append(agents, t.agentEvent(a.AgentInfo))
	}
	tasks := state.GetGetTasks()
	var events []changelog.Event
	for _, list := range [][]mesos.Task{tasks.GetTasks(), tasks.GetUnreachableTasks()} {
		for i := range list {
			task := &list[i]
			if !t.ours(task.FrameworkID.Value, task.TaskID.Value) || scheduler.IsTerminalState(task.GetState()) {
				continue
			}
			t.tasks[task.TaskID.Value] = task
			events = append(events, t.event(task))
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := t.w.Writer.Resync(ctx, t.w.ClusterID, KindAgent, agents); err != nil {
		return fmt.Errorf("resync %s: %w", KindAgent, err)
	}
	if err := t.w.Writer.Resync(ctx, t.w.ClusterID, KindTask, events); err != nil {
		return fmt.Errorf("resync %s: %w", KindTask, err)
	}
	return nil
}

// event is a task as the existing MesosTask objects look.
func (t *taskWatch) event(task *mesos.Task) changelog.Event {
	ref, index, _ := spec.ParseTaskID(task.TaskID.Value)
	host := t.agents[task.AgentID.Value].Hostname
	var version int64
	for _, l := range task.GetLabels().GetLabels() {
		if l.Key == scheduler.LabelVersion {
			version, _ = strconv.ParseInt(l.GetValue(), 10, 64)
		}
	}
	var ports []uint32
	for _, r := range task.Resources {
		if r.Name == "ports" {
			for _, rg := range r.GetRanges().GetRange() {
				for p := rg.Begin; p <= rg.End; p++ {
					ports = append(ports, uint32(p))
				}
			}
		}
	}
	var reason string
	var started *time.Time
	for _, st := range task.Statuses {
		if st.Reason != nil {
			reason = st.Reason.String()
		}
		if st.GetState() == mesos.TASK_RUNNING && started == nil && st.Timestamp != nil {
			s := time.Unix(0, int64(*st.Timestamp*float64(time.Second))).UTC()
			started = &s
		}
	}
	state := task.GetState().String()
	row := &changelog.PodRow{Phase: state, NodeName: host, HostIP: host, StartedAt: started,
		OwnerKind: KindApplication, OwnerName: ref.Name, WorkloadKind: KindApplication, WorkloadName: ref.Name}
	return changelog.Event{ClusterID: t.w.ClusterID, ProjectID: t.w.ProjectID, Kind: KindTask,
		Namespace: ref.Namespace, Name: task.TaskID.Value, Type: changelog.Modified, Row: row,
		Object: map[string]any{"state": state, "host": host, "index": strconv.Itoa(index),
			"version": version, "ports": ports, "reason": reason}}
}

func (t *taskWatch) deleted(task *mesos.Task) changelog.Event {
	ref, _, _ := spec.ParseTaskID(task.TaskID.Value)
	return changelog.Event{ClusterID: t.w.ClusterID, ProjectID: t.w.ProjectID, Kind: KindTask,
		Namespace: ref.Namespace, Name: task.TaskID.Value, Type: changelog.Deleted}
}
