package sim

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

const maxBody = 64 << 20

// serveScheduler is POST /api/v1/scheduler, checking a request in the order
// Master::Http::scheduler does: leadership, method, content type, parse,
// validation; then, for calls other than SUBSCRIBE, the framework, its
// subscription and the stream id.
func (s *Sim) serveScheduler(w http.ResponseWriter, r *http.Request) {
	if s.redirect(w, r) {
		return
	}
	call := &scheduler.Call{}
	if err := s.readCall(w, r, call); err != nil {
		writeError(w, err)
		return
	}
	if err := validateSchedulerCall(call); err != nil {
		writeError(w, errorf(http.StatusBadRequest, "Failed to validate scheduler::Call: %v", err))
		return
	}
	if call.Type == scheduler.Call_SUBSCRIBE {
		s.serveSubscribe(w, r, call)
		return
	}
	resp, status, err := s.handleCall(r, call)
	if err != nil {
		writeError(w, err)
		return
	}
	if resp == nil {
		w.WriteHeader(status)
		return
	}
	writeMessage(w, r, resp)
}

// readCall checks the method and Content-Type and decodes the body.
func (s *Sim) readCall(w http.ResponseWriter, r *http.Request, into encoding.Unmarshaler) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return errorf(http.StatusMethodNotAllowed, "Expecting 'POST', received '%s'", r.Method)
	}
	c, err := requestCodec(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return errorf(http.StatusBadRequest, "Failed to read body: %v", err)
	}
	if err := c.decode(body, into); err != nil {
		return errorf(http.StatusBadRequest, "Failed to parse body into Call protobuf: %v", err)
	}
	return nil
}

// writeMessage writes a singleton response with an explicit Content-Length:
// mesos-go tells a singleton from a RecordIO stream by its presence.
func writeMessage(w http.ResponseWriter, r *http.Request, m encoding.Marshaler) {
	c, err := acceptCodec(r)
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := c.encode(m)
	if err != nil {
		writeError(w, fmt.Errorf("encode response: %w", err))
		return
	}
	w.Header().Set("Content-Type", c.contentType())
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// validateSchedulerCall mirrors validation::scheduler::call::validate,
// including the required fields that protobuf parsing would enforce but
// JSON decoding does not.
func validateSchedulerCall(c *scheduler.Call) error {
	if c.Type == scheduler.Call_SUBSCRIBE {
		if c.Subscribe == nil || c.Subscribe.FrameworkInfo == nil {
			return errors.New("Expecting 'subscribe' to be present")
		}
		fi := c.Subscribe.FrameworkInfo
		if fi.User == "" || fi.Name == "" {
			return errors.New("Not initialized: subscribe.framework_info.user, subscribe.framework_info.name are required")
		}
		if fi.GetID().GetValue() != c.GetFrameworkID().GetValue() {
			return errors.New("'framework_id' differs from 'subscribe.framework_info.id'")
		}
		return nil
	}
	if c.FrameworkID == nil || c.FrameworkID.Value == "" {
		return errors.New("Expecting 'framework_id' to be present")
	}
	missing := func(name string) error { return fmt.Errorf("Expecting '%s' to be present", name) }
	switch c.Type {
	case scheduler.Call_ACCEPT:
		if c.Accept == nil {
			return missing("accept")
		}
	case scheduler.Call_DECLINE:
		if c.Decline == nil {
			return missing("decline")
		}
	case scheduler.Call_ACCEPT_INVERSE_OFFERS:
		if c.AcceptInverseOffers == nil {
			return missing("accept_inverse_offers")
		}
	case scheduler.Call_DECLINE_INVERSE_OFFERS:
		if c.DeclineInverseOffers == nil {
			return missing("decline_inverse_offers")
		}
	case scheduler.Call_KILL:
		if c.Kill == nil || c.Kill.TaskID.Value == "" {
			return missing("kill")
		}
	case scheduler.Call_SHUTDOWN:
		if c.Shutdown == nil {
			return missing("shutdown")
		}
	case scheduler.Call_ACKNOWLEDGE:
		if c.Acknowledge == nil {
			return missing("acknowledge")
		}
		if _, err := uuid.FromBytes(c.Acknowledge.UUID); err != nil {
			return fmt.Errorf("'acknowledge.uuid' is not a valid UUID: %w", err)
		}
	case scheduler.Call_ACKNOWLEDGE_OPERATION_STATUS:
		if c.AcknowledgeOperationStatus == nil {
			return missing("acknowledge_operation_status")
		}
	case scheduler.Call_RECONCILE:
		if c.Reconcile == nil {
			return missing("reconcile")
		}
	case scheduler.Call_RECONCILE_OPERATIONS:
		if c.ReconcileOperations == nil {
			return missing("reconcile_operations")
		}
	case scheduler.Call_MESSAGE:
		if c.Message == nil {
			return missing("message")
		}
	case scheduler.Call_REQUEST:
		if c.Request == nil {
			return missing("request")
		}
	case scheduler.Call_UPDATE_FRAMEWORK:
		if c.UpdateFramework == nil {
			return missing("update_framework")
		}
	}
	return nil
}

func (s *Sim) serveSubscribe(w http.ResponseWriter, r *http.Request, call *scheduler.Call) {
	c, err := acceptCodec(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if r.Header.Get("Mesos-Stream-Id") != "" {
		writeError(w, errorf(http.StatusBadRequest, "Subscribe calls should not include the 'Mesos-Stream-Id' header"))
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeError(w, errorf(http.StatusServiceUnavailable, "Master is shutting down"))
		return
	}
	sub := s.subscribeLocked(call.Subscribe, c)
	s.mu.Unlock()

	streamID := sub.streamID
	if streamID == "" {
		streamID = uuid.NewString() // the master sends one even on a stream that only carries ERROR
	}
	w.Header().Set("Content-Type", c.contentType())
	w.Header().Set("Mesos-Stream-Id", streamID)
	w.Header().Set("Cache-Control", "no-cache")
	sub.stream.serve(r.Context(), w, s.cfg.HeartbeatInterval)
	s.streamEnded(sub)
}

// handleCall runs a non-SUBSCRIBE call. It returns either a response
// message (200) or a bare status (202 for the asynchronous calls).
func (s *Sim) handleCall(r *http.Request, call *scheduler.Call) (encoding.Marshaler, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fw := s.frameworks[call.FrameworkID.Value]
	if fw == nil {
		return nil, 0, errorf(http.StatusBadRequest, "Framework cannot be found")
	}
	if !fw.connected {
		return nil, 0, errorf(http.StatusForbidden, "Framework is not subscribed")
	}
	sid := r.Header.Get("Mesos-Stream-Id")
	if sid == "" {
		return nil, 0, errorf(http.StatusBadRequest, "All non-subscribe calls should include the 'Mesos-Stream-Id' header")
	}
	if sid != fw.streamID {
		return nil, 0, errorf(http.StatusBadRequest,
			"The stream ID '%s' included in this request didn't match the stream ID currently associated with framework ID %s", sid, fw.id)
	}

	switch call.Type {
	case scheduler.Call_TEARDOWN:
		s.removeFrameworkLocked(fw)
	case scheduler.Call_ACCEPT:
		s.acceptLocked(fw, call.Accept.OfferIDs, call.Accept.Operations, call.Accept.Filters)
	case scheduler.Call_DECLINE:
		s.acceptLocked(fw, call.Decline.OfferIDs, nil, call.Decline.Filters)
	case scheduler.Call_REVIVE:
		s.reviveLocked(fw, call.Revive.GetRoles())
	case scheduler.Call_SUPPRESS:
		s.suppressLocked(fw, call.Suppress.GetRoles())
	case scheduler.Call_KILL:
		s.killLocked(fw, call.Kill.TaskID, call.Kill.AgentID)
	case scheduler.Call_SHUTDOWN:
		s.shutdownExecutorLocked(fw, call.Shutdown.AgentID.Value, call.Shutdown.ExecutorID.Value)
	case scheduler.Call_ACKNOWLEDGE:
		a := call.Acknowledge
		s.ackLocked(fw, a.AgentID.Value, a.TaskID.Value, a.UUID)
	case scheduler.Call_RECONCILE:
		s.reconcileLocked(fw, call.Reconcile)
	case scheduler.Call_RECONCILE_OPERATIONS:
		// No operation the simulator runs has an id, so there is nothing
		// to report; the call still answers 200 with a Response.
		if _, err := acceptCodec(r); err != nil {
			return nil, 0, err
		}
		return &scheduler.Response{
			Type:                scheduler.Response_RECONCILE_OPERATIONS,
			ReconcileOperations: &scheduler.Response_ReconcileOperations{OperationStatuses: []mesos.OperationStatus{}},
		}, http.StatusOK, nil
	case scheduler.Call_UPDATE_FRAMEWORK:
		if err := s.updateFrameworkLocked(fw, call.UpdateFramework); err != nil {
			return nil, 0, err
		}
		return nil, http.StatusOK, nil
	case scheduler.Call_ACCEPT_INVERSE_OFFERS, scheduler.Call_DECLINE_INVERSE_OFFERS,
		scheduler.Call_ACKNOWLEDGE_OPERATION_STATUS, scheduler.Call_MESSAGE, scheduler.Call_REQUEST:
		// No inverse offers or operation statuses are ever sent; MESSAGE
		// is unreliable and REQUEST ignored by the default allocator.
	default:
		return nil, 0, errorf(http.StatusNotImplemented, "Call type %v is not implemented", call.Type)
	}
	return nil, http.StatusAccepted, nil
}

// shutdownExecutorLocked is SHUTDOWN: the executor's tasks are killed.
func (s *Sim) shutdownExecutorLocked(fw *framework, agentID, executorID string) {
	a := s.agents[agentID]
	if a == nil {
		return
	}
	ex := a.executors[executorKey{fw.id, executorID}]
	if ex == nil {
		return
	}
	for t := range ex.tasks {
		s.killTaskLocked(t)
	}
}

// redirect answers for a master that is not the leader: 307 to the leader,
// or 503 while there is none or the master is recovering or closed.
func (s *Sim) redirect(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	mode, leader, closed := s.mode, s.leaderAddr, s.closed
	s.mu.Unlock()
	switch {
	case closed:
		writeError(w, errorf(http.StatusServiceUnavailable, "Master is shutting down"))
	case mode == ModeRecovering:
		writeError(w, errorf(http.StatusServiceUnavailable, "Master has not finished recovery"))
	case mode == ModeFollower && leader == "":
		writeError(w, errorf(http.StatusServiceUnavailable, "No leader elected"))
	case mode == ModeFollower:
		w.Header().Set("Location", "//"+leader+r.URL.Path)
		w.WriteHeader(http.StatusTemporaryRedirect)
	default:
		return false
	}
	return true
}
