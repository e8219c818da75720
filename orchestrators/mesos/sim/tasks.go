package sim

import (
	"fmt"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Task labels that script a simulated task's life (the command is not run).
const (
	// LabelRunFor ends the task this long (a Go duration) after RUNNING.
	LabelRunFor = "mesos-sim/run-for"
	// LabelExit is how it ends: "finished" (default) or "failed".
	LabelExit = "mesos-sim/exit"
)

// launchLocked creates a task in TASK_STAGING (a master-side state: no
// update is sent) and starts its lifecycle on the simulated agent.
func (s *Sim) launchLocked(fw *framework, a *agent, ti mesos.TaskInfo, res mesos.Resources, ex *executor) *task {
	t := &task{
		info:        ti,
		fw:          fw,
		agent:       a,
		resources:   res,
		executor:    ex,
		state:       mesos.TASK_STAGING,
		retryPeriod: s.cfg.StatusUpdateRetry,
	}
	fw.tasks[ti.TaskID.Value] = t
	a.tasks[t] = struct{}{}
	if ex != nil {
		ex.tasks[t] = struct{}{}
	}
	if len(s.operators) > 0 {
		s.operatorEventLocked(taskAddedEvent(s.taskSnapshot(t)))
	}
	s.afterLocked(t, s.cfg.TaskStartDelay, func() {
		if t.state != mesos.TASK_STAGING {
			return
		}
		if s.cfg.LaunchFailureRate > 0 && s.rng.Float64() < s.cfg.LaunchFailureRate {
			s.agentUpdateLocked(t, mesos.TASK_FAILED, mesos.SOURCE_AGENT, mesos.REASON_CONTAINER_LAUNCH_FAILED,
				"Failed to launch container: injected by mesos-sim")
			return
		}
		s.agentUpdateLocked(t, mesos.TASK_STARTING, mesos.SOURCE_EXECUTOR, -1, "")
		s.afterLocked(t, s.cfg.TaskRunDelay, func() {
			if t.state != mesos.TASK_STARTING {
				return
			}
			s.agentUpdateLocked(t, mesos.TASK_RUNNING, mesos.SOURCE_EXECUTOR, -1, "")
			s.scheduleExitLocked(t)
		})
	})
	return t
}

func (s *Sim) scheduleExitLocked(t *task) {
	var runFor time.Duration
	exit := "finished"
	for _, l := range t.info.GetLabels().GetLabels() {
		switch l.Key {
		case LabelRunFor:
			runFor, _ = time.ParseDuration(l.GetValue())
		case LabelExit:
			exit = l.GetValue()
		}
	}
	if runFor <= 0 {
		return
	}
	s.afterLocked(t, runFor, func() {
		if t.state != mesos.TASK_RUNNING {
			return
		}
		if exit == "failed" {
			s.agentUpdateLocked(t, mesos.TASK_FAILED, mesos.SOURCE_EXECUTOR, mesos.REASON_COMMAND_EXECUTOR_FAILED, "Command exited with status 1")
		} else {
			s.agentUpdateLocked(t, mesos.TASK_FINISHED, mesos.SOURCE_EXECUTOR, -1, "Command exited with status 0")
		}
	})
}

// afterLocked runs f under the lock after d unless the task is done by then.
// Each f re-checks the state it expects, since a kill may have raced it.
func (s *Sim) afterLocked(t *task, d time.Duration, f func()) {
	if t.step != nil {
		t.step.Stop()
	}
	t.step = time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed || t.done {
			return
		}
		f()
	})
}

func (t *task) stopTimers() {
	if t.step != nil {
		t.step.Stop()
	}
	if t.retry != nil {
		t.retry.Stop()
	}
}

// agentUpdateLocked is a status update generated on the agent: reliable
// (it has a uuid), queued on the task's update stream and resent until
// acknowledged. reason < 0 means none.
func (s *Sim) agentUpdateLocked(t *task, state mesos.TaskState, source mesos.TaskStatus_Source, reason mesos.TaskStatus_Reason, msg string) {
	st := statusFor(t.info.TaskID, &mesos.AgentID{Value: t.agent.id}, t.executorID(), state, reason, msg)
	st.Source = &source
	st.UUID = newUUID()
	t.state = state
	if isTerminal(state) {
		if t.step != nil {
			t.step.Stop()
		}
		s.releaseLocked(t)
	}
	t.pending = append(t.pending, st)
	if len(t.pending) == 1 {
		s.forwardLocked(t)
	} else {
		s.reportTaskLocked(t)
	}
	// The default executor kills a whole group when one of its tasks fails.
	if state == mesos.TASK_FAILED && len(t.group) > 1 {
		for _, sib := range t.group {
			if sib != t {
				s.killTaskLocked(sib)
			}
		}
	}
}

// masterUpdateLocked is a status update the master generates for a known
// task (agent lost, framework removed): no uuid, sent once, not resent.
func (s *Sim) masterUpdateLocked(t *task, st mesos.TaskStatus) {
	t.state = st.GetState()
	if isTerminal(t.state) {
		s.releaseLocked(t)
	}
	s.sendLocked(t.fw, updateEvent(st))
	t.forwarded = append(t.forwarded, st)
	s.reportTaskLocked(t)
}

func (t *task) executorID() *mesos.ExecutorID {
	if t.executor == nil {
		return nil
	}
	id := t.executor.info.ExecutorID
	return &id
}

// statusFor builds a master-style TaskStatus (SOURCE_MASTER, no uuid).
func statusFor(taskID mesos.TaskID, agentID *mesos.AgentID, executorID *mesos.ExecutorID, state mesos.TaskState, reason mesos.TaskStatus_Reason, msg string) mesos.TaskStatus {
	src := mesos.SOURCE_MASTER
	st := mesos.TaskStatus{
		TaskID:     taskID,
		State:      &state,
		Source:     &src,
		AgentID:    agentID,
		ExecutorID: executorID,
		Timestamp:  timestamp(time.Now()),
	}
	if reason >= 0 {
		st.Reason = &reason
	}
	if msg != "" {
		st.Message = &msg
	}
	return st
}

func masterStatus(t *task, state mesos.TaskState, reason mesos.TaskStatus_Reason, msg string) mesos.TaskStatus {
	return statusFor(t.info.TaskID, &mesos.AgentID{Value: t.agent.id}, t.executorID(), state, reason, msg)
}

// releaseLocked gives a task's resources back when its terminal state is
// known, and ends its executor when that was the executor's last task.
func (s *Sim) releaseLocked(t *task) {
	if t.released {
		return
	}
	t.released = true
	live := s.agents[t.agent.id] == t.agent
	if live {
		t.agent.available.Add(t.resources...)
	}
	ex := t.executor
	if ex == nil {
		return
	}
	delete(ex.tasks, t)
	if len(ex.tasks) > 0 {
		return
	}
	key := executorKey{ex.fw.id, ex.info.ExecutorID.Value}
	if t.agent.executors[key] != ex {
		return
	}
	delete(t.agent.executors, key)
	if live {
		t.agent.available.Add(ex.resources...)
		// The executor exited once it had nothing left to run.
		status := int32(0)
		id := ex.info.ExecutorID
		s.sendLocked(ex.fw, failureEvent(&mesos.AgentID{Value: t.agent.id}, &id, &status))
	}
}

// finishTaskLocked removes a task whose terminal update was acknowledged (or
// that can no longer be updated) and keeps it among completed tasks.
func (s *Sim) finishTaskLocked(t *task) {
	if t.done {
		return
	}
	t.done = true
	t.stopTimers()
	s.releaseLocked(t)
	t.pending = nil
	delete(t.fw.tasks, t.info.TaskID.Value)
	delete(t.agent.tasks, t)
	s.completeLocked(t.fw, t)
}

func (s *Sim) completeLocked(fw *framework, t *task) {
	fw.completed = append(fw.completed, s.taskSnapshot(t))
	if over := len(fw.completed) - s.cfg.MaxCompletedTasks; over > 0 {
		fw.completed = fw.completed[over:]
	}
}

// killLocked is KILL. An unknown task gets a master-generated TASK_LOST.
func (s *Sim) killLocked(fw *framework, taskID mesos.TaskID, agentID *mesos.AgentID) {
	t := fw.tasks[taskID.Value]
	if t == nil {
		if fw.unreach[taskID.Value] != nil {
			return // its agent is unreachable; nothing can be done
		}
		s.sendLocked(fw, updateEvent(statusFor(taskID, agentID, nil, mesos.TASK_LOST, mesos.REASON_RECONCILIATION,
			"Attempted to kill an unknown task")))
		return
	}
	s.killTaskLocked(t)
}

// killTaskLocked kills a task and its group. A task not yet handed to its
// executor is killed by the agent; a started one goes through TASK_KILLING
// (only for TASK_KILLING_STATE frameworks) to TASK_KILLED.
func (s *Sim) killTaskLocked(t *task) {
	if isTerminal(t.state) || t.killing {
		return
	}
	t.killing = true
	if t.state == mesos.TASK_STAGING {
		if t.step != nil {
			t.step.Stop()
		}
		s.agentUpdateLocked(t, mesos.TASK_KILLED, mesos.SOURCE_AGENT, mesos.REASON_TASK_KILLED_DURING_LAUNCH,
			"Task killed before it was delivered to the executor")
	} else {
		if t.fw.hasCapability(mesos.FrameworkInfo_Capability_TASK_KILLING_STATE) {
			s.agentUpdateLocked(t, mesos.TASK_KILLING, mesos.SOURCE_EXECUTOR, -1, "")
		}
		s.afterLocked(t, s.cfg.TaskKillDelay, func() {
			if !isTerminal(t.state) {
				s.agentUpdateLocked(t, mesos.TASK_KILLED, mesos.SOURCE_EXECUTOR, -1, "Command terminated with signal Terminated")
			}
		})
	}
	for _, sib := range t.group {
		if sib != t {
			s.killTaskLocked(sib)
		}
	}
}

// FailTask ends a task as its executor would report it: state is one of
// TASK_FINISHED, TASK_FAILED, TASK_KILLED or TASK_LOST. frameworkID may be
// empty if the task id is unique among frameworks.
func (s *Sim) FailTask(frameworkID, taskID string, state mesos.TaskState, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	reason := mesos.TaskStatus_Reason(-1)
	source := mesos.SOURCE_EXECUTOR
	switch state {
	case mesos.TASK_FINISHED, mesos.TASK_KILLED:
	case mesos.TASK_FAILED:
		reason = mesos.REASON_COMMAND_EXECUTOR_FAILED
	case mesos.TASK_LOST:
		reason, source = mesos.REASON_EXECUTOR_TERMINATED, mesos.SOURCE_AGENT
	default:
		return fmt.Errorf("cannot end a task with %v", state)
	}
	t, err := s.findTaskLocked(frameworkID, taskID)
	if err != nil {
		return err
	}
	if isTerminal(t.state) {
		return fmt.Errorf("task %s is already %v", taskID, t.state)
	}
	s.agentUpdateLocked(t, state, source, reason, message)
	return nil
}

func (s *Sim) findTaskLocked(frameworkID, taskID string) (*task, error) {
	var found []*task
	for _, fw := range s.fwOrder {
		if frameworkID != "" && fw.id != frameworkID {
			continue
		}
		if t := fw.tasks[taskID]; t != nil {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: task %q", ErrNotFound, taskID)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("task id %q is used by several frameworks; name the framework", taskID)
}
