package transport

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
)

// Defaults applied when a WebSocket field is left at its zero value.
const (
	DefaultInitTimeout  = 3 * time.Second
	DefaultKeepAlive    = 12 * time.Second
	DefaultReadLimit    = 1 << 20
	DefaultWriteTimeout = 10 * time.Second
	DefaultSendBuffer   = 64
	DefaultSendTimeout  = time.Second
)

// InitFunc authorises a connection from its connection_init payload and the
// upgrade request. The context it returns is the parent of every operation on
// the connection; the map, when not nil, is sent as the connection_ack
// payload. An error closes the socket with 4403 "Forbidden". The request is
// released once InitFunc has run (idle sockets would hold it otherwise):
// what operations need of it goes into the context, and their
// OperationContext.Headers is nil. A returned context that keeps ctx's
// values must keep its cancellation too (not context.WithoutCancel).
type InitFunc func(ctx context.Context, r *http.Request, payload map[string]any) (context.Context, map[string]any, error)

// WebSocket serves GraphQL over websockets: graphql-transport-ws (preferred)
// and the legacy Apollo graphql-ws subprotocol. The zero value is usable.
type WebSocket struct {
	// InitFunc runs on connection_init; nil accepts every connection.
	InitFunc InitFunc
	// CheckOrigin vets the upgrade request; nil allows same-origin requests
	// and requests without an Origin header (non-browser clients).
	CheckOrigin func(*http.Request) bool
	// InitTimeout is how long a client has to send connection_init before
	// the socket closes with 4408.
	InitTimeout time.Duration
	// KeepAlive is the interval of server pings (graphql-transport-ws "ping",
	// legacy "ka", plus a websocket ping frame). A client silent for two
	// intervals is dropped. Negative disables keep-alives.
	KeepAlive time.Duration
	// ReadLimit bounds one client message in bytes; above it the socket
	// closes with 1009.
	ReadLimit int64
	// WriteTimeout bounds one write to the socket.
	WriteTimeout time.Duration
	// SendBuffer is the number of outgoing messages a connection may have
	// queued; past it the client is falling behind (see SendTimeout), and
	// past 16 times it the connection closes at once.
	SendBuffer int
	// SendTimeout is how long a queue may stay longer than SendBuffer
	// before the connection is closed with CloseSlowConsumer (1013).
	SendTimeout time.Duration
	// Context is the server's lifetime: when it ends, every connection is
	// closed with 1001 Going Away, which clients retry elsewhere. Nil: a
	// connection ends only with its socket.
	Context context.Context
	// Share, if set, lets identical live subscriptions share one execution
	// (see Sharing).
	Share *Sharing
	// Admit, if set, runs for every operation a client starts on an
	// acknowledged connection, before the document is parsed: the socket
	// outlives the moment InitFunc vetted it, so identity, limits and caps
	// are checked again here. The context it returns is the operation's. An
	// error made with Close ends the connection with that code; any other
	// error answers the operation alone with an error message (a
	// *gqlerror.Error keeps its extensions).
	Admit func(ctx context.Context) (context.Context, error)
	// Logger receives connection-level events; nil means slog.Default().
	Logger *slog.Logger
}

var _ graphql.Transport = WebSocket{}

// Supports claims websocket upgrade requests.
func (WebSocket) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && websocket.IsWebSocketUpgrade(r)
}

// writeBuffers is shared by every connection so idle sockets hold no write
// buffer: most subscribers are silent most of the time.
var writeBuffers sync.Pool

// Do upgrades the request and serves the connection until it closes.
func (t WebSocket) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	t = t.withDefaults()
	up := websocket.Upgrader{
		CheckOrigin: t.CheckOrigin,
		// Client messages are few and small; larger ones are read in
		// pieces. gorilla needs 125 bytes (a control frame's payload).
		ReadBufferSize:  256,
		WriteBufferPool: &writeBuffers,
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			t.Logger.DebugContext(r.Context(), "websocket upgrade refused", "status", status, "err", reason)
			http.Error(w, http.StatusText(status), status)
		},
	}
	// gorilla would honour the client's order; the server's preference
	// decides here. No header means no subprotocol: the socket then closes
	// with 4406, as graphql-ws's reference server does.
	var header http.Header
	if p := selectSubprotocol(websocket.Subprotocols(r)); p != "" {
		header = http.Header{"Sec-Websocket-Protocol": {p}}
	}
	ws, err := up.Upgrade(w, r, header)
	if err != nil {
		return // the upgrader has already answered
	}
	// The connection runs on in its own goroutine: returning lets net/http
	// drop the buffers and stack of the request, which idle subscribers
	// would otherwise hold for their whole life.
	go newWSConn(t, ws, r, exec).serve()
}

// selectSubprotocol prefers graphql-transport-ws over the legacy protocol.
func selectSubprotocol(offered []string) string {
	for _, want := range []string{subprotocolTransportWS, subprotocolLegacy} {
		for _, p := range offered {
			if p == want {
				return p
			}
		}
	}
	return ""
}

func (t WebSocket) withDefaults() WebSocket {
	if t.CheckOrigin == nil {
		t.CheckOrigin = SameOrigin
	}
	if t.InitTimeout <= 0 {
		t.InitTimeout = DefaultInitTimeout
	}
	if t.KeepAlive == 0 {
		t.KeepAlive = DefaultKeepAlive
	}
	if t.ReadLimit <= 0 {
		t.ReadLimit = DefaultReadLimit
	}
	if t.WriteTimeout <= 0 {
		t.WriteTimeout = DefaultWriteTimeout
	}
	if t.SendBuffer <= 0 {
		t.SendBuffer = DefaultSendBuffer
	}
	if t.SendTimeout <= 0 {
		t.SendTimeout = DefaultSendTimeout
	}
	if t.Logger == nil {
		t.Logger = slog.Default()
	}
	return t
}

// SameOrigin accepts requests without an Origin header and those whose
// Origin host equals the request's Host, so a browser page from elsewhere
// cannot ride on a user's cookies.
func SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}
