package sim

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// ErrNotFound reports an unknown agent, framework or task.
var ErrNotFound = errors.New("not found")

// subscription is what subscribeLocked hands back to the HTTP handler.
type subscription struct {
	fw       *framework
	stream   *stream
	streamID string
}

// subscribeLocked registers, re-registers or fails over a framework and opens
// its event stream with SUBSCRIBED queued. A framework already removed gets a
// stream carrying only ERROR "Framework has been removed".
func (s *Sim) subscribeLocked(sub *scheduler.Call_Subscribe, c codec) subscription {
	info := *sub.FrameworkInfo
	st := newStream(c, schedulerHeartbeat)
	now := time.Now()

	var fw *framework
	if info.ID != nil {
		id := info.ID.Value
		for _, done := range s.completed {
			if done.id == id {
				st.send(errorEvent("Framework has been removed"))
				st.close()
				return subscription{stream: st}
			}
		}
		fw = s.frameworks[id]
		if fw == nil {
			// An id this master never saw: a framework re-registering
			// after master failover. It keeps its id.
			fw = s.newFrameworkLocked(id, now)
		} else {
			s.failoverLocked(fw)
			fw.reregistered = now
		}
	} else {
		id := fmt.Sprintf("%s-%04d", s.masterID, s.nextFramework)
		s.nextFramework++
		fw = s.newFrameworkLocked(id, now)
	}
	info.ID = &mesos.FrameworkID{Value: fw.id}
	fw.info = info
	fw.suppressed = map[string]bool{}
	for _, r := range sub.SuppressedRoles {
		fw.suppressed[r] = true
	}
	fw.connected = true
	fw.stream = st
	fw.streamID = uuid.NewString()
	if fw.failoverTimer != nil {
		fw.failoverTimer.Stop()
		fw.failoverTimer = nil
	}
	st.send(subscribedEvent(fw.id, s.cfg.HeartbeatInterval.Seconds(), s.info))
	if fw.reregistered.IsZero() {
		s.operatorEventLocked(frameworkAddedEvent(s.frameworkSnapshotLocked(fw)))
	} else {
		s.operatorEventLocked(frameworkUpdatedEvent(s.frameworkSnapshotLocked(fw)))
	}
	// The agents resend what this framework has not acknowledged at once
	// rather than at their next retry (Slave::updateFramework).
	for _, t := range fw.tasks {
		if len(t.pending) > 0 {
			s.forwardLocked(t)
		}
	}
	s.kickLocked()
	s.log.Info("framework subscribed", "framework", fw.id, "name", fw.info.Name)
	return subscription{fw: fw, stream: st, streamID: fw.streamID}
}

func (s *Sim) newFrameworkLocked(id string, now time.Time) *framework {
	fw := &framework{
		id:         id,
		registered: now,
		filters:    map[string]*offerFilter{},
		offers:     map[string]*offer{},
		tasks:      map[string]*task{},
		unreach:    map[string]*task{},
	}
	s.frameworks[id] = fw
	s.fwOrder = append(s.fwOrder, fw)
	return fw
}

// failoverLocked retires the connection of a framework that subscribes
// again: the old stream gets ERROR "Framework failed over" and is closed,
// and its outstanding offers are withdrawn.
func (s *Sim) failoverLocked(fw *framework) {
	if fw.stream != nil {
		fw.stream.send(errorEvent("Framework failed over"))
		fw.stream.close()
		fw.stream = nil
	}
	for _, o := range fw.offers {
		s.removeOfferLocked(o)
	}
}

// streamEnded is called when a subscription's HTTP response ends. If it is
// still the framework's current stream, the framework is disconnected: its
// offers are recovered and the failover timer starts.
func (s *Sim) streamEnded(sub subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fw := sub.fw
	if fw == nil || fw.stream != sub.stream || fw.removed {
		return
	}
	s.disconnectLocked(fw)
}

func (s *Sim) disconnectLocked(fw *framework) {
	if fw.stream != nil {
		fw.stream.close()
	}
	fw.stream = nil
	fw.streamID = ""
	fw.connected = false
	fw.unregistered = time.Now()
	for _, o := range fw.offers {
		s.removeOfferLocked(o)
	}
	// The allocator drops a deactivated framework's filters.
	fw.filters = map[string]*offerFilter{}
	timeout := fw.failoverTimeout()
	s.log.Info("framework disconnected", "framework", fw.id, "failover_timeout", timeout)
	if s.closed {
		return
	}
	if timeout <= 0 {
		s.removeFrameworkLocked(fw)
		return
	}
	fw.failoverTimer = time.AfterFunc(timeout, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed || fw.removed || fw.connected {
			return
		}
		s.log.Info("framework failover timeout", "framework", fw.id)
		s.removeFrameworkLocked(fw)
	})
	s.operatorEventLocked(frameworkUpdatedEvent(s.frameworkSnapshotLocked(fw)))
}

// removeFrameworkLocked is TEARDOWN and failover expiry: every task is
// killed, offers go back, the stream closes and the framework is completed.
func (s *Sim) removeFrameworkLocked(fw *framework) {
	fw.removed = true
	if fw.failoverTimer != nil {
		fw.failoverTimer.Stop()
	}
	for _, o := range fw.offers {
		s.removeOfferLocked(o)
	}
	for _, t := range fw.tasks {
		if !isTerminal(t.state) {
			t.state = mesos.TASK_KILLED
			if len(s.operators) > 0 {
				st := masterStatus(t, mesos.TASK_KILLED, mesos.REASON_FRAMEWORK_REMOVED, "Framework removed")
				s.operatorEventLocked(taskUpdatedEvent(fw.id, st, mesos.TASK_KILLED))
			}
		}
		s.finishTaskLocked(t)
	}
	for _, t := range fw.unreach {
		s.completeLocked(fw, t)
	}
	fw.unreach = map[string]*task{}
	if fw.stream != nil {
		fw.stream.close()
		fw.stream = nil
	}
	fw.connected = false
	fw.unregistered = time.Now()
	delete(s.frameworks, fw.id)
	s.fwOrder = slices.DeleteFunc(s.fwOrder, func(x *framework) bool { return x == fw })
	s.completed = append(s.completed, fw)
	if len(s.completed) > s.cfg.MaxCompletedFrameworks {
		s.completed = s.completed[1:]
	}
	s.operatorEventLocked(frameworkRemovedEvent(fw.info))
	s.log.Info("framework removed", "framework", fw.id)
}

// updateFrameworkLocked is UPDATE_FRAMEWORK (and what a resubscription may
// change). user, principal and checkpoint are fixed for a framework's life.
func (s *Sim) updateFrameworkLocked(fw *framework, u *scheduler.Call_UpdateFramework) error {
	info := u.FrameworkInfo
	if info.ID == nil || info.ID.Value != fw.id {
		return errorf(http.StatusBadRequest, "'framework_info.id' must match 'framework_id'")
	}
	if info.User != fw.info.User {
		return errorf(http.StatusBadRequest, "Updating 'FrameworkInfo.user' is unsupported")
	}
	if info.GetPrincipal() != fw.info.GetPrincipal() {
		return errorf(http.StatusBadRequest, "Updating 'FrameworkInfo.principal' is unsupported")
	}
	if info.GetCheckpoint() != fw.info.GetCheckpoint() {
		return errorf(http.StatusBadRequest, "Updating 'FrameworkInfo.checkpoint' is unsupported")
	}
	oldRoles := fw.roles()
	fw.info = info
	fw.suppressed = map[string]bool{}
	for _, r := range u.SuppressedRoles {
		fw.suppressed[r] = true
	}
	// Offers made to a role the framework left are rescinded.
	for _, o := range fw.offers {
		if !slices.Contains(fw.roles(), o.role) {
			s.rescindLocked(o)
		}
	}
	if !slices.Equal(oldRoles, fw.roles()) {
		s.kickLocked()
	}
	s.operatorEventLocked(frameworkUpdatedEvent(s.frameworkSnapshotLocked(fw)))
	return nil
}

// DisconnectFramework cuts a framework's subscription stream, as a broken
// connection would. Its failover timer starts.
func (s *Sim) DisconnectFramework(frameworkID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fw := s.frameworks[frameworkID]
	if fw == nil {
		return fmt.Errorf("%w: framework %q", ErrNotFound, frameworkID)
	}
	if fw.connected {
		s.disconnectLocked(fw)
	}
	return nil
}

// SendError sends an ERROR event to a connected framework.
func (s *Sim) SendError(frameworkID, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fw := s.frameworks[frameworkID]
	if fw == nil || !fw.connected {
		return fmt.Errorf("%w: connected framework %q", ErrNotFound, frameworkID)
	}
	s.sendLocked(fw, errorEvent(message))
	return nil
}

// TeardownFramework removes a framework, as the operator's TEARDOWN does.
func (s *Sim) TeardownFramework(frameworkID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fw := s.frameworks[frameworkID]
	if fw == nil {
		return fmt.Errorf("%w: framework %q", ErrNotFound, frameworkID)
	}
	s.removeFrameworkLocked(fw)
	return nil
}
