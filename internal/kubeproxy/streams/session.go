package streams

import (
	"context"
	"time"
)

// Kind is the pod subresource a session opened.
type Kind string

// The subresources served here.
const (
	Exec        Kind = "exec"
	Attach      Kind = "attach"
	PortForward Kind = "portforward"
)

// Session is one stream through the proxy. The handler fills it; a Store
// keeps it.
type Session struct {
	ID        string // set by Store.Start
	Kind      Kind
	Protocol  string // the negotiated websocket subprotocol, or the SPDY upgrade
	User      string
	ProjectID string
	ClusterID string
	Namespace string
	Pod       string
	Container string
	Command   []string
	TTY       bool
	Stdin     bool
	Started   time.Time
	Ended     time.Time
	// Status says how the session ended: "exit 0", "exit 3", "idle timeout",
	// "time limit", "refused: 403 Forbidden", "closed" (a passthrough) …
	Status   string
	ExitCode *int
	// Recordable is set by the handler (a relayed exec or attach); Record by
	// the Store when the project records sessions too.
	Recordable bool
	Record     bool
	Recording  []byte // asciicast v2
	Truncated  bool
	// Refused marks a session the API server or the client never opened;
	// Denied one it refused for authorization (401, 403).
	Refused bool
	Denied  bool
}

// Store keeps sessions. Start runs before the upstream is dialled and
// Finish once everything is closed; both must not block for long.
type Store interface {
	Start(ctx context.Context, s *Session) error
	Finish(ctx context.Context, s *Session) error
}
