package sim

import (
	"sort"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// reconcileLocked is RECONCILE, answered with master-generated updates
// (REASON_RECONCILIATION, no uuid). An empty list asks for every task the
// master knows of the framework (implicit); otherwise each listed task gets
// one answer, unknown ones as Master::reconcile decides from the agent.
func (s *Sim) reconcileLocked(fw *framework, rec *scheduler.Call_Reconcile) {
	if len(rec.Tasks) == 0 {
		for _, t := range sortedTasks(fw.tasks) {
			s.sendLocked(fw, updateEvent(reconcileStatus(t)))
		}
		for _, t := range sortedTasks(fw.unreach) {
			s.sendLocked(fw, updateEvent(reconcileStatus(t)))
		}
		return
	}
	pa := fw.partitionAware()
	for _, rt := range rec.Tasks {
		id := rt.TaskID.Value
		t := fw.tasks[id]
		if t == nil {
			t = fw.unreach[id]
		}
		if t != nil && (rt.AgentID == nil || rt.AgentID.Value == t.agent.id) {
			s.sendLocked(fw, updateEvent(reconcileStatus(t)))
			continue
		}
		var state mesos.TaskState
		msg := "Reconciliation: Task is unknown"
		switch {
		case rt.AgentID != nil && s.agents[rt.AgentID.Value] != nil:
			state, msg = pick(pa, mesos.TASK_GONE, mesos.TASK_LOST), "Reconciliation: Task is unknown to the agent"
		case rt.AgentID != nil && s.goneAgents[rt.AgentID.Value]:
			state, msg = pick(pa, mesos.TASK_GONE_BY_OPERATOR, mesos.TASK_LOST), "Reconciliation: Task is gone"
		case rt.AgentID != nil && s.unreachableAgents[rt.AgentID.Value]:
			state, msg = pick(pa, mesos.TASK_UNREACHABLE, mesos.TASK_LOST), "Reconciliation: Task is unreachable"
		default:
			state = pick(pa, mesos.TASK_UNKNOWN, mesos.TASK_LOST)
		}
		s.sendLocked(fw, updateEvent(statusFor(rt.TaskID, rt.AgentID, nil, state, mesos.REASON_RECONCILIATION, msg)))
	}
}

func pick(partitionAware bool, aware, other mesos.TaskState) mesos.TaskState {
	if partitionAware {
		return aware
	}
	return other
}

func reconcileStatus(t *task) mesos.TaskStatus {
	st := masterStatus(t, t.statusUpdateState(), mesos.REASON_RECONCILIATION, "Reconciliation: Latest task state")
	if n := len(t.forwarded); n > 0 {
		last := t.forwarded[n-1]
		st.Healthy, st.Labels, st.ContainerStatus, st.UnreachableTime = last.Healthy, last.Labels, last.ContainerStatus, last.UnreachableTime
	}
	return st
}

func sortedTasks(m map[string]*task) []*task {
	out := make([]*task, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].info.TaskID.Value < out[j].info.TaskID.Value })
	return out
}
