package transport

import (
	"context"
	"errors"
	"fmt"
)

// dialect is what differs between the two subprotocols.
type dialect struct {
	next      string // type of a result message: "next" or legacy "data"
	keepAlive []byte // periodic server message
	// connectionError: the legacy protocol announces a fatal problem with a
	// connection_error message before the socket closes.
	connectionError bool
	handle          func(c *wsConn, m inbound) error
}

// Message types shared by both subprotocols.
const (
	msgConnectionInit = "connection_init"
	msgConnectionAck  = "connection_ack"
	msgError          = "error"
	msgComplete       = "complete"
)

// initialise handles the first connection_init: InitFunc decides, and the
// context it returns becomes the parent of the connection's operations.
func (c *wsConn) initialise(m inbound) error {
	payload, err := m.ObjectPayload()
	if err != nil {
		return closeWith(CloseBadRequest, "%s", err.Error())
	}
	c.stopInitTimer()
	if c.initReceived.Swap(true) {
		return closeWith(CloseTooManyInitRequests, "Too many initialisation requests")
	}
	ctx := context.Context(c.base)
	var ack map[string]any
	if c.t.InitFunc != nil {
		r := c.req
		c.req = nil // only InitFunc reads the request; see wsConn.req
		initCtx, ackPayload, err := c.t.InitFunc(c.base, r, payload)
		if err != nil {
			c.t.Logger.InfoContext(c.base, "websocket connection_init rejected", "remote", c.remote, "err", err)
			if c.dialect.connectionError {
				c.sendConnectionError(err.Error())
			}
			if ce := (*closeError)(nil); errors.As(err, &ce) {
				return ce // a refusal with its own code, e.g. a cap to retry later
			}
			return closeWith(CloseForbidden, "Forbidden")
		}
		if initCtx != nil {
			ctx = initCtx
		}
		ack = ackPayload
	}
	c.req = nil
	// The session must end with the connection even when InitFunc returned
	// a context that does not descend from it; one that does (the usual
	// case) is the session as it is, saving a context and an after-func
	// per socket.
	c.session = ctx
	if ctx.Value(connKey{}) != c {
		session, cancel := context.WithCancel(ctx)
		context.AfterFunc(c.base, cancel)
		c.session = session
	}
	// InitFunc's context ending with a Close cause (the identity behind it
	// was revoked, say) ends the connection with that code. One that ends
	// only with the connection (same Done) needs no watch.
	if ctx.Done() != c.Done() {
		context.AfterFunc(ctx, func() {
			if ce := (*closeError)(nil); errors.As(context.Cause(ctx), &ce) {
				c.close(ce.code, ce.reason, true)
			}
		})
	}

	var ackJSON []byte
	if ack != nil {
		if ackJSON, err = marshalPayload(ack); err != nil {
			return fmt.Errorf("connection_ack payload: %w", err)
		}
	}
	c.acked.Store(true)
	c.send(nil, frame(msgConnectionAck, nil, ackJSON))
	return nil
}

// sendConnectionError queues a legacy connection_error message.
func (c *wsConn) sendConnectionError(msg string) {
	payload, err := marshalPayload(map[string]string{"message": msg})
	if err != nil {
		return
	}
	c.send(nil, frame(msgConnectionError, nil, payload))
}

// CloseConnection ends the websocket connection ctx belongs to (a context
// derived from the one InitFunc was given) with code and reason, and
// reports whether there was one. It does what cancelling InitFunc's
// context with Close(code, reason) does, without a context per socket.
func CloseConnection(ctx context.Context, code int, reason string) bool {
	c, ok := ctx.Value(connKey{}).(*wsConn)
	if !ok {
		return false
	}
	c.close(code, reason, true)
	return true
}
