package streams

import (
	"context"
	"time"
	"unicode/utf8"
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

// maxRecordedCommand bounds the command kept in a session's row, audit
// entries and recording header: the URL may carry up to a megabyte of it.
// What runs is the request's own command, untouched.
const maxRecordedCommand = 4096

// recordedCommand is args cut to maxRecordedCommand bytes in all, the cut
// marked, so a session's records stay small whatever the request says.
func recordedCommand(args []string) []string {
	out := make([]string, 0, len(args))
	n := 0
	for _, a := range args {
		if n+len(a) > maxRecordedCommand {
			keep := max(maxRecordedCommand-n, 0)
			for keep > 0 && !utf8.RuneStart(a[keep]) {
				keep--
			}
			return append(out, a[:keep]+"…[truncated]")
		}
		out = append(out, a)
		n += len(a)
	}
	return out
}
