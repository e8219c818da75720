package sim

import (
	"bytes"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Reliable status updates, as the agent's status update manager sends them:
// one stream per task, at most one update in flight, the next sent only when
// the previous is acknowledged, and the one in flight resent with doubling
// intervals until it is. Delivery is at least once and in order per task.

// forwardLocked sends the head of the task's stream and arms its resend.
func (s *Sim) forwardLocked(t *task) {
	head := t.pending[0]
	s.sendLocked(t.fw, updateEvent(head))
	if n := len(t.forwarded); n == 0 || !bytes.Equal(t.forwarded[n-1].UUID, head.UUID) {
		t.forwarded = append(t.forwarded, head)
	}
	if t.retry != nil {
		t.retry.Stop()
	}
	period := t.retryPeriod
	t.retry = time.AfterFunc(period, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed || t.done || len(t.pending) == 0 || !bytes.Equal(t.pending[0].UUID, head.UUID) {
			return
		}
		t.retryPeriod = min(2*period, s.cfg.StatusUpdateRetryMax)
		s.log.Debug("resending unacknowledged status update", "task", t.info.TaskID.Value, "state", head.GetState().String())
		s.forwardLocked(t)
	})
	s.reportTaskLocked(t)
}

// ackLocked is ACKNOWLEDGE. An acknowledgement that does not match the
// update in flight (a duplicate, or for a finished task) is ignored, as the
// agent ignores it.
func (s *Sim) ackLocked(fw *framework, agentID, taskID string, uuid []byte) {
	t := fw.tasks[taskID]
	if t == nil || t.agent.id != agentID || len(t.pending) == 0 || !bytes.Equal(t.pending[0].UUID, uuid) {
		s.log.Debug("ignoring acknowledgement", "framework", fw.id, "task", taskID)
		return
	}
	head := t.pending[0]
	t.pending = t.pending[1:]
	t.acked = &head
	t.retryPeriod = s.cfg.StatusUpdateRetry
	if t.retry != nil {
		t.retry.Stop()
		t.retry = nil
	}
	if isTerminal(head.GetState()) {
		s.finishTaskLocked(t)
		return
	}
	if len(t.pending) > 0 {
		s.forwardLocked(t)
	}
}

// reportTaskLocked sends operator subscribers TASK_UPDATED when the task's
// latest state or the status last sent to its framework changed. status is
// the one the framework was last sent, state the latest the agent knows:
// the gap is the unacknowledged window.
func (s *Sim) reportTaskLocked(t *task) {
	if len(s.operators) == 0 || len(t.forwarded) == 0 {
		return
	}
	last := t.forwarded[len(t.forwarded)-1]
	key := string(last.UUID) + last.GetState().String()
	if key == t.opUUID && t.state == t.opState {
		return
	}
	t.opUUID, t.opState = key, t.state
	s.operatorEventLocked(taskUpdatedEvent(t.fw.id, last, t.state))
}

// statusUpdateState is the state of the update the framework was last sent
// (or is being sent), which is what reconciliation reports.
func (t *task) statusUpdateState() mesos.TaskState {
	if len(t.pending) > 0 {
		return t.pending[0].GetState()
	}
	if n := len(t.forwarded); n > 0 {
		return t.forwarded[n-1].GetState()
	}
	return t.state
}
