package transport

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// operation is one subscribe/start on a connection.
type operation struct {
	id     string
	idJSON []byte
	cancel context.CancelFunc
	// stopped is set when the client completes the operation; from then on
	// nothing more is written for it, even frames already queued.
	stopped atomic.Bool
	// group is the shared execution the operation is a member of, if any;
	// set by Sharing.join.
	group *sharedExec
	// guard is a shared member's Sharing.Guard.
	guard Guard
}

// start validates and runs an operation. Request errors (parse, validation,
// coercion) answer with an error message and no complete, as both protocols
// ask; the executor's DispatchError runs them through the error presenter.
// It runs on the read loop, so an id is checked and registered before the
// next client message is looked at.
// operationRequest reads a subscribe (or legacy start) message: a
// malformed one closes with 4400, one before the ack with 4401.
func (c *wsConn) operationRequest(m inbound) (string, *graphql.RawParams, error) {
	id, err := m.ID()
	if err != nil {
		return "", nil, closeWith(CloseBadRequest, "%s", err.Error())
	}
	params, err := m.OperationParams()
	if err != nil {
		return "", nil, closeWith(CloseBadRequest, "%s", err.Error())
	}
	if !c.acked.Load() {
		return "", nil, closeWith(CloseUnauthorized, "Unauthorized")
	}
	return id, params, nil
}

func (c *wsConn) start(id string, params *graphql.RawParams, received time.Time) error {
	c.mu.Lock()
	_, dup := c.ops[id]
	c.mu.Unlock()
	if dup {
		return closeWith(CloseSubscriberExists, "Subscriber for %s already exists", id)
	}
	idJSON, err := json.Marshal(id)
	if err != nil {
		return closeWith(CloseBadRequest, "operation id is not encodable")
	}
	op := &operation{id: id, idJSON: idJSON}

	ctx := graphql.StartOperationTrace(c.session)
	if c.t.Admit != nil {
		c.mu.Lock()
		running := len(c.ops)
		c.mu.Unlock()
		var err error
		if ctx, err = c.t.Admit(withRunning(ctx, running)); err != nil {
			if ce := (*closeError)(nil); errors.As(err, &ce) {
				return ce
			}
			gqlErr := (*gqlerror.Error)(nil)
			if !errors.As(err, &gqlErr) {
				gqlErr = &gqlerror.Error{Message: err.Error()}
			}
			c.sendErrors(op, gqlerror.List{gqlErr})
			return nil
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: received, End: graphql.Now()}
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		c.sendErrors(op, resp.Errors)
		return nil
	}

	ctx = graphql.WithOperationContext(ctx, rc)
	if sh := c.t.Share; sh != nil && sh.Key != nil {
		if key := sh.Key(ctx, rc); key != "" {
			op.cancel = func() { sh.leave(op) }
			c.mu.Lock()
			c.ops[id] = op
			c.mu.Unlock()
			sh.join(c, op, ctx, rc, key)
			return nil
		}
	}
	ctx, op.cancel = context.WithCancel(ctx)
	c.mu.Lock()
	c.ops[id] = op
	c.mu.Unlock()
	c.wg.Add(1)
	go c.run(ctx, op, rc)
	return nil
}

// run drives the executor's response handler until it ends or the
// operation's context is cancelled (client complete, socket closed).
func (c *wsConn) run(ctx context.Context, op *operation, rc *graphql.OperationContext) {
	defer c.wg.Done()
	defer op.cancel()
	defer func() {
		if r := recover(); r != nil {
			c.end(op, gqlerror.List{presentPanic(ctx, rc, r)})
		}
	}()

	responses, ctx := c.exec.DispatchOperation(ctx, rc)
	for {
		resp := responses(ctx)
		if resp == nil {
			break
		}
		data, err := nextFrame(c.dialect.next, op.idJSON, resp)
		if err != nil {
			c.t.Logger.ErrorContext(ctx, "websocket operation result", "id", op.id, "err", err)
			c.end(op, gqlerror.List{{Message: "internal server error: the result could not be encoded"}})
			return
		}
		if !c.send(op, data) {
			break
		}
	}
	c.end(op, nil)
}

// presentPanic turns a panic in the response handler into a GraphQL error
// through the server's recover func.
func presentPanic(ctx context.Context, rc *graphql.OperationContext, r any) *gqlerror.Error {
	err := rc.Recover(ctx, r)
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) {
		return gqlErr
	}
	gqlErr = &gqlerror.Error{Message: "internal server error"}
	if err != nil {
		gqlErr.Message = err.Error()
	}
	return gqlErr
}

// end retires an operation and tells the client: complete, or error when
// errs is set. It is silent when the client completed the operation or the
// connection is closing (the close code then tells the story). The id is
// released before the message is queued, so a client may reuse it as soon
// as it sees the completion.
func (c *wsConn) end(op *operation, errs gqlerror.List) {
	c.mu.Lock()
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	c.mu.Unlock()
	if op.stopped.Load() || c.base.Err() != nil || c.sessionClosing() {
		return
	}
	if errs != nil {
		c.sendErrors(op, errs)
		return
	}
	c.send(op, frame(msgComplete, op.idJSON, nil))
}

// sessionClosing reports a session ended by a Close cause (its identity
// was revoked): the connection is about to close with that code, and an
// operation that ended with the session must not look completed first.
func (c *wsConn) sessionClosing() bool {
	ce := (*closeError)(nil)
	return c.session.Err() != nil && errors.As(context.Cause(c.session), &ce)
}

// stop handles a client complete/stop: the operation is cancelled and
// nothing more is sent for it. Unknown ids are ignored, as the protocol
// allows.
func (c *wsConn) stop(id string) {
	c.mu.Lock()
	op := c.ops[id]
	if op != nil {
		op.stopped.Store(true) // before the lock is released: end() then sees it
		delete(c.ops, id)
	}
	c.mu.Unlock()
	if op != nil {
		op.cancel()
	}
}

func (c *wsConn) sendErrors(op *operation, errs gqlerror.List) {
	payload, err := marshalPayload(errs)
	if err != nil {
		c.t.Logger.ErrorContext(c.base, "websocket operation errors", "id", op.id, "err", err)
		payload = []byte(`[{"message":"internal server error"}]`)
	}
	c.send(op, frame(msgError, op.idJSON, payload))
}
