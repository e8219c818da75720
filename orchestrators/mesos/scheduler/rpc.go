package scheduler

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// Forwarding: only the leader holds the state, so a standby (another
// `bcs serve` replica) sends API calls to it, as Marathon's followers proxy
// to their leader. The leader's address is in its election node.

const maxRPCBody = 2 << 20

// wireError carries an error across, keeping what callers test for.
type wireError struct {
	Kind       string                `json:"kind"` // validation, not_found, exists, conflict, not_leader, internal
	Message    string                `json:"message"`
	Validation *spec.ValidationError `json:"validation,omitempty"`
}

func toWire(err error) (int, wireError) {
	var ve *spec.ValidationError
	switch {
	case errors.As(err, &ve):
		return http.StatusBadRequest, wireError{Kind: "validation", Message: err.Error(), Validation: ve}
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, wireError{Kind: "not_found", Message: err.Error()}
	case errors.Is(err, ErrExists):
		return http.StatusConflict, wireError{Kind: "exists", Message: err.Error()}
	case errors.Is(err, ErrConflict):
		return http.StatusConflict, wireError{Kind: "conflict", Message: err.Error()}
	case errors.Is(err, ErrNotLeader):
		return http.StatusServiceUnavailable, wireError{Kind: "not_leader", Message: err.Error()}
	}
	return http.StatusInternalServerError, wireError{Kind: "internal", Message: err.Error()}
}

// remoteError is an error the leader returned; it unwraps to the sentinel
// its kind stands for.
type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }

func (w wireError) err() error {
	switch w.Kind {
	case "validation":
		if w.Validation != nil {
			return w.Validation
		}
	case "not_found":
		return &remoteError{w.Message, ErrNotFound}
	case "exists":
		return &remoteError{w.Message, ErrExists}
	case "conflict":
		return &remoteError{w.Message, ErrConflict}
	case "not_leader":
		return &remoteError{w.Message, ErrNotLeader}
	}
	return errors.New("leader: " + w.Message)
}

// RPCPath is where Handler must be mounted on this instance's HTTP server
// (at Instance.Address:Port) for standbys to reach it.
func (s *Service) RPCPath() string { return s.cfg.Instance.RPCPath }

// Handler serves forwarded API calls at RPCPath()/<operation> while this
// instance leads (503 otherwise; calls are never forwarded twice). It
// refuses everything unless Instance.RPCKey is set and the call is signed
// with it, fresh and not seen before.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRPCBody+1))
		if err != nil || len(body) > maxRPCBody {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := s.rpcAuth.Verify(r, s.cfg.Instance.RPCKey, body); err != nil {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		op := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, s.cfg.Instance.RPCPath), "/")
		if _, ok := operations[op]; !ok {
			http.Error(w, "unknown operation", http.StatusNotFound)
			return
		}
		var req request
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		e := s.engine.Load()
		if e == nil {
			code, we := toWire(ErrNotLeader)
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(we)
			return
		}
		resp, err := s.execLocal(r.Context(), e, op, &req)
		if err != nil {
			code, we := toWire(err)
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(we)
			return
		}
		_ = json.NewEncoder(w).Encode(resp)
	})
}

var rpcClient = &http.Client{Timeout: 60 * time.Second}

// rpcClientFor is the client a standby forwards with: the shared one, or
// one of its own that verifies the leader's certificate.
func rpcClientFor(peerTLS *tls.Config) *http.Client {
	if peerTLS == nil {
		return rpcClient
	}
	return &http.Client{Timeout: rpcClient.Timeout, Transport: &http.Transport{TLSClientConfig: peerTLS}}
}

// forward sends an operation to the leading instance.
func (s *Service) forward(ctx context.Context, op string, req *request) (*response, error) {
	in := s.cfg.Instance
	if len(in.RPCKey) == 0 {
		return nil, ErrNotLeader
	}
	leader, err := s.LeaderInstance()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotLeader, err)
	}
	base, reachable := leader.BaseURL()
	if leader.ID == in.ID || !reachable {
		return nil, ErrNotLeader // ourselves between terms, or not reachable
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("forward %s: %w", op, err)
	}
	url := base + in.RPCPath + "/" + op
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("forward %s: %w", op, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	SignRPC(hreq, in.RPCKey, body, time.Now())
	hresp, err := s.rpc.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("%w: leader %s unreachable: %w", ErrNotLeader, leader.ID, err)
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the leader's answer: %w", ErrNotLeader, err)
	}
	if hresp.StatusCode != http.StatusOK {
		var we wireError
		if json.Unmarshal(data, &we) != nil || we.Kind == "" {
			return nil, fmt.Errorf("leader %s answered %d: %s", leader.ID, hresp.StatusCode, bytes.TrimSpace(data))
		}
		return nil, we.err()
	}
	var resp response
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("leader %s: bad answer: %w", leader.ID, err)
	}
	return &resp, nil
}
