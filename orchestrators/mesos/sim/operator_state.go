package sim

import (
	"sort"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/master"
)

// Snapshots of the state for the operator API. They copy what they take,
// since responses and events are encoded outside the lock.

func (s *Sim) agentSnapshotLocked(a *agent) master.Response_GetAgents_Agent {
	var allocated, offered mesos.Resources
	for t := range a.tasks {
		if !t.released {
			allocated.Add(t.resources...)
		}
	}
	for _, ex := range a.executors {
		allocated.Add(ex.resources...)
	}
	for _, o := range a.offers {
		offered.Add(o.resources...)
	}
	pid := "slave(1)@" + a.info.Hostname + ":5051"
	return master.Response_GetAgents_Agent{
		AgentInfo:          *cloneAgentInfo(&a.info),
		Active:             true,
		Version:            Version,
		PID:                &pid,
		RegisteredTime:     timeInfo(a.registered),
		TotalResources:     a.total.Clone(),
		AllocatedResources: allocated,
		OfferedResources:   offered,
	}
}

func cloneAgentInfo(in *mesos.AgentInfo) *mesos.AgentInfo {
	out := *in
	out.Resources = mesos.Resources(in.Resources).Clone()
	return &out
}

func (s *Sim) frameworkSnapshotLocked(fw *framework) master.Response_GetFrameworks_Framework {
	var allocated, offered mesos.Resources
	for _, t := range fw.tasks {
		if !t.released {
			allocated.Add(t.resources...)
		}
	}
	offers := make([]mesos.Offer, 0, len(fw.offers))
	for _, o := range fw.offers {
		offered.Add(o.resources...)
		offers = append(offers, s.offerProto(o))
	}
	sort.Slice(offers, func(i, j int) bool { return offers[i].ID.Value < offers[j].ID.Value })
	f := master.Response_GetFrameworks_Framework{
		FrameworkInfo:      fw.info,
		Active:             fw.connected && !fw.removed,
		Connected:          fw.connected,
		RegisteredTime:     timeInfo(fw.registered),
		Offers:             offers,
		AllocatedResources: allocated,
		OfferedResources:   offered,
	}
	if !fw.reregistered.IsZero() {
		f.ReregisteredTime = timeInfo(fw.reregistered)
	}
	if !fw.unregistered.IsZero() && !fw.connected {
		f.UnregisteredTime = timeInfo(fw.unregistered)
	}
	return f
}

func (s *Sim) taskSnapshot(t *task) mesos.Task {
	state := t.state
	user := t.fw.info.User
	out := mesos.Task{
		Name:        t.info.Name,
		TaskID:      t.info.TaskID,
		FrameworkID: mesos.FrameworkID{Value: t.fw.id},
		ExecutorID:  t.executorID(),
		AgentID:     mesos.AgentID{Value: t.agent.id},
		State:       &state,
		Resources:   t.resources.Clone(),
		Statuses:    append([]mesos.TaskStatus(nil), t.forwarded...),
		Labels:      t.info.Labels,
		Discovery:   t.info.Discovery,
		Container:   t.info.Container,
		HealthCheck: t.info.HealthCheck,
		KillPolicy:  t.info.KillPolicy,
		User:        &user,
	}
	if len(t.pending) > 0 {
		sus := t.pending[0].GetState()
		out.StatusUpdateState = &sus
		out.StatusUpdateUUID = t.pending[0].UUID
	}
	return out
}

func (s *Sim) getAgentsLocked() *master.Response_GetAgents {
	out := &master.Response_GetAgents{Agents: make([]master.Response_GetAgents_Agent, 0, len(s.agentOrder))}
	for _, a := range s.agentOrder {
		out.Agents = append(out.Agents, s.agentSnapshotLocked(a))
	}
	return out
}

func (s *Sim) getFrameworksLocked() *master.Response_GetFrameworks {
	out := &master.Response_GetFrameworks{}
	for _, fw := range s.fwOrder {
		out.Frameworks = append(out.Frameworks, s.frameworkSnapshotLocked(fw))
	}
	for _, fw := range s.completed {
		out.CompletedFrameworks = append(out.CompletedFrameworks, s.frameworkSnapshotLocked(fw))
	}
	return out
}

// getTasksLocked lists tasks as GET_TASKS does: live ones (including those
// whose terminal update is unacknowledged), unreachable ones of
// PARTITION_AWARE frameworks, and the most recent completed ones.
func (s *Sim) getTasksLocked() *master.Response_GetTasks {
	out := &master.Response_GetTasks{}
	for _, fw := range s.fwOrder {
		for _, t := range sortedTasks(fw.tasks) {
			out.Tasks = append(out.Tasks, s.taskSnapshot(t))
		}
		for _, t := range sortedTasks(fw.unreach) {
			out.UnreachableTasks = append(out.UnreachableTasks, s.taskSnapshot(t))
		}
		out.CompletedTasks = append(out.CompletedTasks, fw.completed...)
	}
	for _, fw := range s.completed {
		out.CompletedTasks = append(out.CompletedTasks, fw.completed...)
	}
	return out
}

func (s *Sim) getExecutorsLocked() *master.Response_GetExecutors {
	out := &master.Response_GetExecutors{}
	for _, a := range s.agentOrder {
		for _, ex := range a.executors {
			out.Executors = append(out.Executors, master.Response_GetExecutors_Executor{
				ExecutorInfo: ex.info,
				AgentID:      mesos.AgentID{Value: a.id},
			})
		}
	}
	sort.Slice(out.Executors, func(i, j int) bool {
		x, y := out.Executors[i], out.Executors[j]
		if x.AgentID.Value != y.AgentID.Value {
			return x.AgentID.Value < y.AgentID.Value
		}
		return x.ExecutorInfo.ExecutorID.Value < y.ExecutorInfo.ExecutorID.Value
	})
	return out
}

func (s *Sim) getStateLocked() *master.Response_GetState {
	return &master.Response_GetState{
		GetTasks:      s.getTasksLocked(),
		GetExecutors:  s.getExecutorsLocked(),
		GetFrameworks: s.getFrameworksLocked(),
		GetAgents:     s.getAgentsLocked(),
	}
}

func (s *Sim) getRolesLocked() *master.Response_GetRoles {
	byRole := map[string][]mesos.FrameworkID{}
	for _, fw := range s.fwOrder {
		for _, r := range fw.roles() {
			byRole[r] = append(byRole[r], mesos.FrameworkID{Value: fw.id})
		}
	}
	names := make([]string, 0, len(byRole))
	for r := range byRole {
		names = append(names, r)
	}
	sort.Strings(names)
	out := &master.Response_GetRoles{}
	for _, r := range names {
		out.Roles = append(out.Roles, mesos.Role{Name: r, Weight: 1, Frameworks: byRole[r]})
	}
	return out
}
