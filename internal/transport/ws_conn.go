package transport

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
)

// closeGrace is how long the server waits for the client's close frame after
// sending its own, so unread client data cannot turn the close into a reset.
const closeGrace = time.Second

// wsConn is one websocket connection. Its own goroutine reads (the HTTP
// handler returns after the upgrade, releasing net/http's buffers); a writer
// goroutine runs only while frames are queued (ws_writer.go); each operation
// runs in its own goroutine, unless it shares an execution (ws_share.go).
type wsConn struct {
	// Context is the connection's own context (base): cancelled when the
	// connection ends. wsConn is a context so that InitFunc's context can be
	// seen to descend from it (Value(connKey{})) without another layer.
	context.Context
	t  WebSocket
	ws *websocket.Conn
	// req is the upgrade request, kept for InitFunc only: it is released
	// once connection_init is handled, as idle sockets would otherwise hold
	// its headers, URL and copies for their whole life.
	req     *http.Request
	remote  string // req.RemoteAddr, for logs
	exec    graphql.GraphExecutor
	dialect *dialect

	// base is c itself; session (set once by connection_init, read-loop
	// only) is the parent of every operation.
	base    context.Context
	cancel  context.CancelFunc
	session context.Context

	closing    chan struct{} // closed once the connection is ending
	closeOnce  sync.Once
	closeCode  int // 0: end without a close frame; set before closing is closed
	closeText  string
	closeFlush bool          // write what is queued before the close frame
	writerDone chan struct{} // closed when the last writer has finished

	wmu            sync.Mutex // guards the fields below and orders close with the writer
	queue          []outFrame
	writing        bool        // a writer goroutine runs
	overflow       *time.Timer // armed while the queue is over SendBuffer
	keepAliveTimer *time.Timer

	initTimer    *time.Timer // read loop only; nil once connection_init is handled
	stopShutdown func() bool // ends the watch on WebSocket.Context

	initReceived atomic.Bool // read by the init timer
	acked        atomic.Bool // written by the reader, read by the writer

	mu  sync.Mutex
	ops map[string]*operation
	wg  sync.WaitGroup // running operations
}

func newWSConn(t WebSocket, ws *websocket.Conn, r *http.Request, exec graphql.GraphExecutor) *wsConn {
	// The request's context ends when the handler returns, right after
	// the upgrade; the connection keeps its values, not its lifetime.
	base, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := &wsConn{
		Context: base,
		t:       t, ws: ws, req: r, remote: r.RemoteAddr, exec: exec,
		cancel:     cancel,
		closing:    make(chan struct{}),
		writerDone: make(chan struct{}),
		ops:        map[string]*operation{},
	}
	c.base, c.session = c, c
	switch ws.Subprotocol() {
	case subprotocolTransportWS:
		c.dialect = &transportWS
	case subprotocolLegacy:
		c.dialect = &legacyWS
	}
	return c
}

// connKey is answered by a connection's own context with the connection.
type connKey struct{}

// Value answers connKey with c; every other key is base's.
func (c *wsConn) Value(key any) any {
	if key == (connKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// serve runs the connection to its end and releases everything it started.
// It and readLoop keep small frames (the work is in open, dispatch and
// shutdown, not inlined): an idle reader spends its life parked below them
// in gorilla's NextReader, and the runtime shrinks a stack only while less
// than a quarter of it is used (counting 800 bytes for nosplit functions).
// With their frames at 0.6 KiB instead of 0.05 the reader's stack stayed
// at 8 KiB; now it shrinks to 4.
func (c *wsConn) serve() {
	c.open()
	err := c.readLoop()
	c.shutdown(err)
}

// open arms the connection's deadlines and timers.
//
//go:noinline
func (c *wsConn) open() {
	c.ws.SetReadLimit(c.t.ReadLimit)
	c.ws.SetPongHandler(func(string) error { c.refreshReadDeadline(); return nil })
	c.refreshReadDeadline()
	if c.t.KeepAlive > 0 {
		c.wmu.Lock()
		c.keepAliveTimer = time.AfterFunc(c.t.KeepAlive, c.tickKeepAlive)
		c.wmu.Unlock()
	}
	// A hijacked connection outlives the HTTP server's Shutdown: when the
	// server's lifetime ends, say so, and clients retry.
	if c.t.Context != nil {
		c.stopShutdown = context.AfterFunc(c.t.Context, func() {
			c.close(websocket.CloseGoingAway, "server shutting down", true)
		})
	}
	if c.dialect == nil {
		c.close(CloseSubprotocolNotAcceptable, "Subprotocol not acceptable", true)
	} else {
		c.initTimer = time.AfterFunc(c.t.InitTimeout, func() {
			if !c.initReceived.Load() {
				c.close(CloseInitTimeout, "Connection initialisation timeout", true)
			}
		})
	}
}

// shutdown waits for what the connection started and releases it.
//
//go:noinline
func (c *wsConn) shutdown(err error) {
	c.close(0, "", false) // no-op when a close frame is already on its way
	<-c.writerDone
	c.stopInitTimer()
	if c.stopShutdown != nil {
		c.stopShutdown()
	}
	c.leaveShared()
	c.wg.Wait()
	_ = c.ws.Close()
	// Built here rather than as a logger per connection (Logger.With),
	// which every idle socket would hold.
	c.t.Logger.DebugContext(c.base, "websocket closed", "subprotocol", c.ws.Subprotocol(), "remote", c.remote,
		"code", c.closeCode, "reason", c.closeText, "err", err)
}

// stopInitTimer drops the init timer once it has no more to do (read loop
// only), so an idle socket does not hold it.
func (c *wsConn) stopInitTimer() {
	if c.initTimer != nil {
		c.initTimer.Stop()
		c.initTimer = nil
	}
}

// readLoop dispatches client messages until the socket fails or closes.
func (c *wsConn) readLoop() error {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return c.readFailed(err)
		}
		c.dispatch(data)
	}
}

// dispatch handles one client message.
//
//go:noinline
func (c *wsConn) dispatch(data []byte) {
	if c.isClosing() {
		return // a close is under way: wait for the client's close frame
	}
	c.refreshReadDeadline()
	m, err := parseInbound(data)
	if err != nil {
		err = closeWith(CloseBadRequest, "%s", err.Error())
	} else {
		err = c.handle(m)
	}
	if err != nil {
		c.fail(err)
	}
}

// handle runs the dialect's handler; a panic (in InitFunc, say) closes
// the connection with 4500 instead of leaving it half-served.
func (c *wsConn) handle(m inbound) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.t.Logger.ErrorContext(c.base, "websocket message handler panicked", "type", m.Type, "panic", r, "stack", string(debug.Stack()))
			err = closeWith(CloseInternalError, "Internal server error")
		}
	}()
	return c.dialect.handle(c, m)
}

// readFailed classifies why reading stopped; a silent client past its
// keep-alive window is told why before the socket goes.
//
//go:noinline
func (c *wsConn) readFailed(err error) error {
	var netErr interface{ Timeout() bool }
	if !c.isClosing() && errors.As(err, &netErr) && netErr.Timeout() {
		c.close(websocket.CloseGoingAway, "keep-alive timeout", false)
	}
	if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
		return nil
	}
	return err
}

// fail closes the connection for a message-handling error.
func (c *wsConn) fail(err error) {
	var ce *closeError
	if !errors.As(err, &ce) {
		c.t.Logger.ErrorContext(c.base, "websocket message failed", "err", err)
		ce = &closeError{code: CloseInternalError, reason: "Internal server error"}
	}
	// A rejected init has already sent its own connection_error.
	if c.dialect != nil && c.dialect.connectionError && ce.code != CloseForbidden {
		c.sendConnectionError(ce.reason)
	}
	c.close(ce.code, ce.reason, true)
}

// refreshReadDeadline gives the client two keep-alive intervals to show it
// is alive (any message or pong frame) while the connection is open.
func (c *wsConn) refreshReadDeadline() {
	if c.t.KeepAlive <= 0 || c.isClosing() {
		return
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(2*c.t.KeepAlive + c.t.WriteTimeout))
}

func (c *wsConn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// close starts the end of the connection. The first call wins; code 0 ends
// it without a close frame (the socket is already gone). Operations are
// cancelled at once; the writer sends the close frame.
func (c *wsConn) close(code int, reason string, flush bool) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.closeLocked(code, reason, flush)
}

// closeLocked is close with c.wmu held.
func (c *wsConn) closeLocked(code int, reason string, flush bool) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText, c.closeFlush = code, truncateReason(reason), flush
		close(c.closing)
		c.cancel()
		if c.keepAliveTimer != nil {
			c.keepAliveTimer.Stop()
		}
		if c.overflow != nil {
			c.overflow.Stop()
		}
		c.startWriter() // it writes the close frame, or just signals the end
	})
}
