package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Handler serves the scheduler API (/api/v1/scheduler), the operator API
// (/api/v1), GET /health and the simulator's control API (/sim/…).
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/scheduler", s.serveScheduler)
	mux.HandleFunc("/api/v1", s.serveOperator)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

	mux.HandleFunc("GET /sim/state", s.ctlState)
	mux.HandleFunc("POST /sim/agents", s.ctlAddAgents)
	mux.HandleFunc("POST /sim/agents/{id}/lose", s.ctlAgent(s.LoseAgent))
	mux.HandleFunc("POST /sim/agents/{id}/gone", s.ctlAgent(s.MarkAgentGone))
	mux.HandleFunc("POST /sim/tasks/{id}/end", s.ctlEndTask)
	mux.HandleFunc("POST /sim/frameworks/{id}/disconnect", s.ctlFramework(s.DisconnectFramework))
	mux.HandleFunc("POST /sim/frameworks/{id}/teardown", s.ctlFramework(s.TeardownFramework))
	mux.HandleFunc("POST /sim/frameworks/{id}/error", s.ctlError)
	mux.HandleFunc("POST /sim/config", s.ctlConfig)
	mux.HandleFunc("POST /sim/leadership", s.ctlLeadership)
	return mux
}

// StateSummary is GET /sim/state: counts for scripts and process tests.
type StateSummary struct {
	Mode       Mode           `json:"mode"`
	MasterID   string         `json:"master_id"`
	Agents     []string       `json:"agents"`
	Frameworks []string       `json:"frameworks"`
	Tasks      map[string]int `json:"tasks"` // by latest state
	Offers     int            `json:"offers"`
}

// Summary returns the StateSummary.
func (s *Sim) Summary() StateSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := StateSummary{Mode: s.mode, MasterID: s.masterID, Tasks: map[string]int{}, Offers: len(s.offers),
		Agents: []string{}, Frameworks: []string{}}
	for _, a := range s.agentOrder {
		out.Agents = append(out.Agents, a.id)
	}
	for _, fw := range s.fwOrder {
		out.Frameworks = append(out.Frameworks, fw.id)
		for _, t := range fw.tasks {
			out.Tasks[t.state.String()]++
		}
		for _, t := range fw.unreach {
			out.Tasks[t.state.String()]++
		}
	}
	sort.Strings(out.Frameworks)
	return out
}

func (s *Sim) ctlState(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Summary())
}

func (s *Sim) ctlAddAgents(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Count      int                 `json:"count"`
		CPUs       float64             `json:"cpus"`
		Mem        float64             `json:"mem"`
		Disk       float64             `json:"disk"`
		Ports      string              `json:"ports"`
		Attributes map[string][]string `json:"attributes"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	spec := s.cfg.Agent
	if req.CPUs > 0 || req.Mem > 0 {
		spec = AgentSpec{CPUs: req.CPUs, MemMB: req.Mem, DiskMB: req.Disk, Attributes: req.Attributes}
		if req.Ports != "" {
			ports, err := ParsePorts(req.Ports)
			if err != nil {
				writeJSONError(w, http.StatusBadRequest, err)
				return
			}
			spec.Ports = ports
		}
	}
	if req.Count <= 0 {
		req.Count = 1
	}
	writeJSON(w, http.StatusOK, map[string][]string{"agent_ids": s.AddAgents(req.Count, spec)})
}

func (s *Sim) ctlAgent(f func(string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeResult(w, f(r.PathValue("id")))
	}
}

func (s *Sim) ctlFramework(f func(string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeResult(w, f(r.PathValue("id")))
	}
}

func (s *Sim) ctlError(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Message string `json:"message"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	writeResult(w, s.SendError(r.PathValue("id"), req.Message))
}

func (s *Sim) ctlEndTask(w http.ResponseWriter, r *http.Request) {
	var req struct {
		FrameworkID string `json:"framework_id"`
		State       string `json:"state"`
		Message     string `json:"message"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	state, ok := mesos.TaskState_value[req.State]
	if !ok {
		writeJSONError(w, http.StatusBadRequest, fmt.Errorf("unknown task state %q", req.State))
		return
	}
	writeResult(w, s.FailTask(req.FrameworkID, r.PathValue("id"), mesos.TaskState(state), req.Message))
}

func (s *Sim) ctlConfig(w http.ResponseWriter, r *http.Request) {
	var req struct {
		LaunchFailureRate *float64 `json:"launch_failure_rate"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.LaunchFailureRate != nil {
		s.SetLaunchFailureRate(*req.LaunchFailureRate)
	}
	writeResult(w, nil)
}

func (s *Sim) ctlLeadership(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Mode   Mode   `json:"mode"`
		Leader string `json:"leader"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	switch req.Mode {
	case ModeLeader, ModeFollower, ModeRecovering:
		s.SetMode(req.Mode, req.Leader)
		writeResult(w, nil)
	default:
		writeJSONError(w, http.StatusBadRequest, fmt.Errorf("unknown mode %q", req.Mode))
	}
}

func readJSON(w http.ResponseWriter, r *http.Request, into any) bool {
	if r.ContentLength == 0 {
		return true
	}
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(into)
	if err != nil && !errors.Is(err, io.EOF) {
		writeJSONError(w, http.StatusBadRequest, fmt.Errorf("bad request body: %w", err))
		return false
	}
	return true
}

func writeResult(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case errors.Is(err, ErrNotFound):
		writeJSONError(w, http.StatusNotFound, err)
	default:
		writeJSONError(w, http.StatusBadRequest, err)
	}
}

func writeJSONError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
