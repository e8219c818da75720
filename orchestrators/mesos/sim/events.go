package sim

import (
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/master"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// Constructors for the events the simulator sends. Each returns a fresh
// value, since queued events are encoded later outside the lock.

func schedulerHeartbeat() encoding.Marshaler {
	return &scheduler.Event{Type: scheduler.Event_HEARTBEAT}
}

func operatorHeartbeat() encoding.Marshaler {
	return &master.Event{Type: master.Event_HEARTBEAT}
}

func subscribedEvent(fwID string, heartbeat float64, info mesos.MasterInfo) *scheduler.Event {
	return &scheduler.Event{
		Type: scheduler.Event_SUBSCRIBED,
		Subscribed: &scheduler.Event_Subscribed{
			FrameworkID:              &mesos.FrameworkID{Value: fwID},
			HeartbeatIntervalSeconds: &heartbeat,
			MasterInfo:               &info,
		},
	}
}

func errorEvent(msg string) *scheduler.Event {
	return &scheduler.Event{Type: scheduler.Event_ERROR, Error: &scheduler.Event_Error{Message: msg}}
}

func offersEvent(offers []mesos.Offer) *scheduler.Event {
	return &scheduler.Event{Type: scheduler.Event_OFFERS, Offers: &scheduler.Event_Offers{Offers: offers}}
}

func rescindEvent(offerID string) *scheduler.Event {
	return &scheduler.Event{
		Type:    scheduler.Event_RESCIND,
		Rescind: &scheduler.Event_Rescind{OfferID: mesos.OfferID{Value: offerID}},
	}
}

func updateEvent(st mesos.TaskStatus) *scheduler.Event {
	return &scheduler.Event{Type: scheduler.Event_UPDATE, Update: &scheduler.Event_Update{Status: st}}
}

func failureEvent(agentID *mesos.AgentID, executorID *mesos.ExecutorID, status *int32) *scheduler.Event {
	return &scheduler.Event{
		Type:    scheduler.Event_FAILURE,
		Failure: &scheduler.Event_Failure{AgentID: agentID, ExecutorID: executorID, Status: status},
	}
}

func agentAddedEvent(a master.Response_GetAgents_Agent) *master.Event {
	return &master.Event{Type: master.Event_AGENT_ADDED, AgentAdded: &master.Event_AgentAdded{Agent: a}}
}

func agentRemovedEvent(id mesos.AgentID) *master.Event {
	return &master.Event{Type: master.Event_AGENT_REMOVED, AgentRemoved: &master.Event_AgentRemoved{AgentID: id}}
}

func taskAddedEvent(t mesos.Task) *master.Event {
	return &master.Event{Type: master.Event_TASK_ADDED, TaskAdded: &master.Event_TaskAdded{Task: t}}
}

func taskUpdatedEvent(fwID string, status mesos.TaskStatus, state mesos.TaskState) *master.Event {
	return &master.Event{
		Type: master.Event_TASK_UPDATED,
		TaskUpdated: &master.Event_TaskUpdated{
			FrameworkID: mesos.FrameworkID{Value: fwID},
			Status:      status,
			State:       &state,
		},
	}
}

func frameworkAddedEvent(f master.Response_GetFrameworks_Framework) *master.Event {
	return &master.Event{Type: master.Event_FRAMEWORK_ADDED, FrameworkAdded: &master.Event_FrameworkAdded{Framework: f}}
}

func frameworkUpdatedEvent(f master.Response_GetFrameworks_Framework) *master.Event {
	return &master.Event{Type: master.Event_FRAMEWORK_UPDATED, FrameworkUpdated: &master.Event_FrameworkUpdated{Framework: f}}
}

func frameworkRemovedEvent(info mesos.FrameworkInfo) *master.Event {
	return &master.Event{Type: master.Event_FRAMEWORK_REMOVED, FrameworkRemoved: &master.Event_FrameworkRemoved{FrameworkInfo: info}}
}

// sendLocked queues a scheduler event for a framework; events for a
// disconnected framework are dropped, as the master drops them.
func (s *Sim) sendLocked(fw *framework, ev *scheduler.Event) {
	if fw.stream != nil {
		fw.stream.send(ev)
	}
}

// operatorEventLocked queues an event for every operator subscriber.
func (s *Sim) operatorEventLocked(ev *master.Event) {
	for st := range s.operators {
		if !st.send(ev) {
			delete(s.operators, st)
		}
	}
}
