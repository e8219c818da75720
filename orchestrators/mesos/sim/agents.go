package sim

import (
	"fmt"
	"slices"
	"sort"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/resources"
)

// AddAgents registers n new agents with the given spec and returns their ids.
func (s *Sim) AddAgents(n int, spec AgentSpec) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, n)
	for i := 0; i < n; i++ {
		ids = append(ids, s.addAgentLocked(spec).id)
	}
	return ids
}

// AgentIDs lists the registered agents in registration order.
func (s *Sim) AgentIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.agentOrder))
	for _, a := range s.agentOrder {
		ids = append(ids, a.id)
	}
	return ids
}

// LoseAgent makes an agent unreachable, as a master does when an agent stops
// answering health checks: its offers are rescinded, every framework gets
// FAILURE{agent_id}, and its tasks become TASK_UNREACHABLE for
// PARTITION_AWARE frameworks and TASK_LOST for others (REASON_AGENT_REMOVED,
// no uuid). The agent never comes back; add a new one instead.
func (s *Sim) LoseAgent(agentID string) error {
	return s.removeAgent(agentID, false)
}

// MarkAgentGone is the operator's MARK_AGENT_GONE: like LoseAgent but tasks
// become TASK_GONE_BY_OPERATOR (PARTITION_AWARE) or TASK_LOST.
func (s *Sim) MarkAgentGone(agentID string) error {
	return s.removeAgent(agentID, true)
}

func (s *Sim) removeAgent(agentID string, gone bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[agentID]
	if a == nil {
		return fmt.Errorf("%w: agent %q", ErrNotFound, agentID)
	}
	s.removeAgentLocked(a, gone)
	return nil
}

func (s *Sim) addAgentLocked(spec AgentSpec) *agent {
	n := s.nextAgent
	s.nextAgent++
	id := fmt.Sprintf("%s-S%d", s.masterID, n)
	var res mesos.Resources
	if spec.CPUs > 0 {
		res.Add1(resources.NewCPUs(spec.CPUs).Resource)
	}
	if spec.MemMB > 0 {
		res.Add1(resources.NewMemory(spec.MemMB).Resource)
	}
	if spec.DiskMB > 0 {
		res.Add1(resources.NewDisk(spec.DiskMB).Resource)
	}
	if len(spec.Ports) > 0 {
		res.Add1(resources.Build().Name(resources.NamePorts).Ranges(spec.Ports.Clone()).Resource)
	}
	port := int32(5051)
	a := &agent{
		id: id,
		info: mesos.AgentInfo{
			Hostname:   fmt.Sprintf("sim-agent-%d", n),
			Port:       &port,
			Resources:  res.Clone(),
			Attributes: agentAttributes(spec.Attributes, n),
			ID:         &mesos.AgentID{Value: id},
		},
		total:      res.Clone(),
		available:  res.Clone(),
		registered: time.Now(),
		offers:     map[string]*offer{},
		tasks:      map[*task]struct{}{},
		executors:  map[executorKey]*executor{},
	}
	s.agents[id] = a
	s.agentOrder = append(s.agentOrder, a)
	s.operatorEventLocked(agentAddedEvent(s.agentSnapshotLocked(a)))
	s.kickLocked()
	return a
}

func agentAttributes(attrs map[string][]string, n int) []mesos.Attribute {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]mesos.Attribute, 0, len(names))
	for _, k := range names {
		vals := attrs[k]
		if len(vals) == 0 {
			continue
		}
		out = append(out, mesos.Attribute{
			Name: k,
			Type: mesos.TEXT,
			Text: &mesos.Value_Text{Value: vals[n%len(vals)]},
		})
	}
	return out
}

func (s *Sim) removeAgentLocked(a *agent, gone bool) {
	now := time.Now()
	delete(s.agents, a.id)
	if gone {
		s.goneAgents[a.id] = true
	} else {
		s.unreachableAgents[a.id] = true
	}
	s.agentOrder = slices.DeleteFunc(s.agentOrder, func(x *agent) bool { return x == a })

	for _, o := range a.offers {
		s.rescindLocked(o)
	}
	agentID := mesos.AgentID{Value: a.id}
	for t := range a.tasks {
		fw := t.fw
		state, reason, msg := mesos.TASK_LOST, mesos.REASON_AGENT_REMOVED, "Agent "+a.info.Hostname+" is unreachable"
		if gone {
			reason, msg = mesos.REASON_AGENT_REMOVED_BY_OPERATOR, "Agent "+a.info.Hostname+" was marked as gone"
		}
		if fw.partitionAware() {
			state = mesos.TASK_UNREACHABLE
			if gone {
				state = mesos.TASK_GONE_BY_OPERATOR
			}
		}
		if isTerminal(t.state) {
			// Its terminal update is still unacknowledged; the agent that
			// would resend it is gone.
			s.finishTaskLocked(t)
			continue
		}
		st := masterStatus(t, state, reason, msg)
		if state == mesos.TASK_UNREACHABLE {
			st.UnreachableTime = timeInfo(now)
		}
		s.masterUpdateLocked(t, st)
		if state == mesos.TASK_UNREACHABLE {
			t.stopTimers()
			t.pending = nil
			delete(fw.tasks, t.info.TaskID.Value)
			fw.unreach[t.info.TaskID.Value] = t
		} else {
			s.finishTaskLocked(t)
		}
	}
	a.tasks = map[*task]struct{}{}
	a.executors = map[executorKey]*executor{}
	// Every connected framework hears of the lost agent, as with the
	// master's LostSlaveMessage.
	for _, fw := range s.fwOrder {
		s.sendLocked(fw, failureEvent(&agentID, nil, nil))
	}
	s.operatorEventLocked(agentRemovedEvent(agentID))
	s.log.Info("agent removed", "agent", a.id, "gone", gone)
}
