package sim

import (
	"errors"
	"net/http"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/master"
)

// serveOperator is the master's operator API, POST /api/v1. Synchronous
// calls answer 200 with a Response; calls without a response answer 200
// with an empty body (what mesos-go's httpmaster expects of them).
func (s *Sim) serveOperator(w http.ResponseWriter, r *http.Request) {
	if s.redirect(w, r) {
		return
	}
	call := &master.Call{}
	if err := s.readCall(w, r, call); err != nil {
		writeError(w, err)
		return
	}
	if call.Type == master.Call_SUBSCRIBE {
		s.serveOperatorSubscribe(w, r)
		return
	}
	if _, err := acceptCodec(r); err != nil {
		writeError(w, err)
		return
	}
	resp, err := s.operatorCall(call)
	switch {
	case err != nil:
		writeError(w, err)
	case resp == nil:
		w.WriteHeader(http.StatusOK)
	default:
		writeMessage(w, r, resp)
	}
}

func (s *Sim) operatorCall(call *master.Call) (*master.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &master.Response{}
	switch call.Type {
	case master.Call_GET_HEALTH:
		resp.Type, resp.GetHealth = master.Response_GET_HEALTH, &master.Response_GetHealth{Healthy: true}
	case master.Call_GET_VERSION:
		resp.Type = master.Response_GET_VERSION
		resp.GetVersion = &master.Response_GetVersion{VersionInfo: mesos.VersionInfo{Version: Version}}
	case master.Call_GET_MASTER:
		info := s.info
		resp.Type = master.Response_GET_MASTER
		resp.GetMaster = &master.Response_GetMaster{MasterInfo: &info, StartTime: timestamp(s.started), ElectedTime: timestamp(s.elected)}
	case master.Call_GET_STATE:
		resp.Type, resp.GetState = master.Response_GET_STATE, s.getStateLocked()
	case master.Call_GET_AGENTS:
		resp.Type, resp.GetAgents = master.Response_GET_AGENTS, s.getAgentsLocked()
	case master.Call_GET_FRAMEWORKS:
		resp.Type, resp.GetFrameworks = master.Response_GET_FRAMEWORKS, s.getFrameworksLocked()
	case master.Call_GET_TASKS:
		resp.Type, resp.GetTasks = master.Response_GET_TASKS, s.getTasksLocked()
	case master.Call_GET_EXECUTORS:
		resp.Type, resp.GetExecutors = master.Response_GET_EXECUTORS, s.getExecutorsLocked()
	case master.Call_GET_ROLES:
		resp.Type, resp.GetRoles = master.Response_GET_ROLES, s.getRolesLocked()
	case master.Call_TEARDOWN:
		if call.Teardown == nil {
			return nil, errorf(http.StatusBadRequest, "Failed to validate master::Call: Expecting 'teardown' to be present")
		}
		fw := s.frameworks[call.Teardown.FrameworkID.Value]
		if fw == nil {
			return nil, errorf(http.StatusBadRequest, "No framework found with specified ID")
		}
		s.removeFrameworkLocked(fw)
		return nil, nil
	case master.Call_MARK_AGENT_GONE:
		if call.MarkAgentGone == nil {
			return nil, errorf(http.StatusBadRequest, "Failed to validate master::Call: Expecting 'mark_agent_gone' to be present")
		}
		a := s.agents[call.MarkAgentGone.AgentID.Value]
		if a == nil {
			return nil, errorf(http.StatusNotFound, "Agent '%s' not found", call.MarkAgentGone.AgentID.Value)
		}
		s.removeAgentLocked(a, true)
		return nil, nil
	case master.Call_UNKNOWN:
		return nil, errorf(http.StatusBadRequest, "Failed to validate master::Call: Expecting 'type' to be present")
	default:
		return nil, errorf(http.StatusNotImplemented, "%v is not simulated", call.Type)
	}
	return resp, nil
}

// serveOperatorSubscribe streams SUBSCRIBED{get_state} and then the events
// that change it. Unlike the scheduler stream it has no stream id.
func (s *Sim) serveOperatorSubscribe(w http.ResponseWriter, r *http.Request) {
	c, err := acceptCodec(r)
	if err != nil {
		writeError(w, err)
		return
	}
	st := newStream(c, operatorHeartbeat)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeError(w, errors.New("master is shutting down"))
		return
	}
	hb := s.cfg.HeartbeatInterval.Seconds()
	st.send(&master.Event{
		Type:       master.Event_SUBSCRIBED,
		Subscribed: &master.Event_Subscribed{GetState: s.getStateLocked(), HeartbeatIntervalSeconds: &hb},
	})
	s.operators[st] = struct{}{}
	s.mu.Unlock()

	w.Header().Set("Content-Type", c.contentType())
	w.Header().Set("Cache-Control", "no-cache")
	st.serve(r.Context(), w, s.cfg.HeartbeatInterval)

	s.mu.Lock()
	delete(s.operators, st)
	s.mu.Unlock()
}
