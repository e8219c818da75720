package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/bcs-io/bcs/internal/clusters"
)

// agentReport takes `bcs agent` reports. Agents authenticate with their
// register token or agent key, not with a user's API token.
func (s *Server) agentReport(w http.ResponseWriter, r *http.Request) {
	var rep clusters.Report
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&rep); err != nil {
		writeError(w, http.StatusBadRequest, "BAD_USER_INPUT", "the report is not valid JSON")
		return
	}
	ack, err := s.registry.Report(r.Context(), rep)
	switch {
	case errors.Is(err, clusters.ErrUnknownAgent):
		s.unauthenticated(w, err.Error())
		return
	case err != nil:
		s.log.WarnContext(r.Context(), "agent report refused", "request_id", RequestID(r.Context()), "err", err)
		writeError(w, http.StatusBadRequest, "BAD_USER_INPUT", "the report was refused; see the BCS log (request id "+RequestID(r.Context())+")")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ack)
}
