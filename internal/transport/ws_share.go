package transport

import (
	"bytes"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Sharing multiplexes identical live subscriptions, as Hasura and Apollo
// Router do: the first subscriber of a group starts one execution, later
// ones join it, and every response is encoded once and fanned out to each
// member's connection with the member's own operation id. A thousand
// dashboards following one namespace cost one resolver, one change-log
// subscription and one encoding per change instead of a thousand, and a
// member holds no goroutine of its own.
//
// Only operations whose responses do not depend on when a member joined may
// share: a live tail does, a subscription that starts with a snapshot or
// replays from a revision does not. Key decides. One Sharing serves one
// executor (one handler).
type Sharing struct {
	// Key names the group an operation may join, or "" to run it alone.
	// Operations with one key must produce the same responses for every
	// member, so it covers the document, the variables and whatever of
	// the viewer the results depend on.
	Key func(ctx context.Context, rc *graphql.OperationContext) string
	// Exec, if set, turns the context of the member that starts a group
	// into the context the group's execution runs under. Members may hold
	// different identities with one key (the key says their results are
	// the same), so the execution must not end when the first member's
	// identity does: Exec swaps it for one that holds only what the key
	// covers.
	Exec func(ctx context.Context) context.Context
	// Guard, if set, names what holds a member's right to receive, read
	// from the member's own operation context when it joins (the member
	// keeps that, not its context). Before every response is queued to
	// the member, the guard's Err is asked: an error takes the member out
	// of the group and ends its operation with that error, the others
	// receive on. It runs once per member per response: keep it an atomic
	// load.
	Guard func(ctx context.Context) Guard

	mu     sync.Mutex
	groups map[string]*sharedExec
}

// Guard is what a member of a shared execution must still hold to receive
// (Sharing.Guard); nil holds forever.
type Guard interface{ Err() error }

// NewSharing returns a Sharing with the given key function.
func NewSharing(key func(ctx context.Context, rc *graphql.OperationContext) string) *Sharing {
	return &Sharing{Key: key, groups: map[string]*sharedExec{}}
}

// Groups is the number of running shared executions.
func (s *Sharing) Groups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.groups)
}

// Members is the number of operations served by shared executions.
func (s *Sharing) Members() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.groups {
		n += len(g.members)
	}
	return n
}

// sharedExec is one execution and its members; its fields are guarded by
// the Sharing's mu.
type sharedExec struct {
	key     string
	cancel  context.CancelFunc
	members map[*operation]*wsConn // nil once ended
	scratch []member               // the broadcast's snapshot, reused
}

type member struct {
	op *operation
	c  *wsConn
}

// join adds op to key's group, starting the group's execution from ctx and
// rc if there is none. The execution outlives the member that started it.
func (s *Sharing) join(c *wsConn, op *operation, ctx context.Context, rc *graphql.OperationContext, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Guard != nil {
		op.guard = s.Guard(ctx)
	}
	g := s.groups[key]
	if g == nil {
		gctx := context.WithoutCancel(ctx)
		if s.Exec != nil {
			gctx = s.Exec(gctx)
		}
		gctx, cancel := context.WithCancel(gctx)
		g = &sharedExec{key: key, cancel: cancel, members: map[*operation]*wsConn{}}
		s.groups[key] = g
		go s.run(g, gctx, c.exec, rc)
	}
	g.members[op] = c
	op.group = g
}

// leave removes op from its group; the last member out stops the
// execution.
func (s *Sharing) leave(op *operation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := op.group
	if g == nil || g.members[op] == nil {
		return
	}
	delete(g.members, op)
	if len(g.members) == 0 {
		s.endLocked(g)
	}
}

// endLocked retires g: nobody joins it any more.
func (s *Sharing) endLocked(g *sharedExec) map[*operation]*wsConn {
	if s.groups[g.key] == g {
		delete(s.groups, g.key)
	}
	members := g.members
	g.members = nil
	g.cancel()
	return members
}

// run drives the group's execution and fans each response out; when the
// stream ends, every member is completed (or gets the error).
func (s *Sharing) run(g *sharedExec, ctx context.Context, exec graphql.GraphExecutor, rc *graphql.OperationContext) {
	var errs gqlerror.List
	defer func() {
		if r := recover(); r != nil {
			errs = gqlerror.List{presentPanic(ctx, rc, r)}
		}
		s.mu.Lock()
		members := s.endLocked(g)
		s.mu.Unlock()
		for op, c := range members {
			c.end(op, errs)
		}
	}()
	responses, ctx := exec.DispatchOperation(ctx, rc)
	for {
		resp := responses(ctx)
		if resp == nil {
			return
		}
		payload, err := appendResponse(nil, resp)
		if err != nil {
			errs = gqlerror.List{{Message: "internal server error: the result could not be encoded"}}
			return
		}
		s.broadcast(g, payload)
	}
}

// broadcast queues payload for every member without blocking; a member
// whose connection is ending leaves.
func (s *Sharing) broadcast(g *sharedExec, payload []byte) {
	s.mu.Lock()
	ms := g.scratch[:0]
	for op, c := range g.members {
		ms = append(ms, member{op, c})
	}
	g.scratch = ms
	s.mu.Unlock()
	// Members of one dialect under one operation id (most of them: clients
	// number their first operation alike) get the same frame, built once;
	// a queued frame is only ever read.
	var frames [4]struct {
		typ       string
		id, frame []byte
	}
	built := 0
	frameFor := func(typ string, id []byte) []byte {
		for _, f := range frames[:built] {
			if f.typ == typ && bytes.Equal(f.id, id) {
				return f.frame
			}
		}
		data := frame(typ, id, payload)
		if built < len(frames) {
			frames[built].typ, frames[built].id, frames[built].frame = typ, id, data
			built++
		}
		return data
	}
	for i, m := range ms {
		ms[i] = member{}
		if m.op.guard != nil {
			if err := m.op.guard.Err(); err != nil {
				s.leave(m.op)
				m.c.end(m.op, gqlerror.List{gqlerror.WrapIfUnwrapped(err)})
				continue
			}
		}
		if !m.c.send(m.op, frameFor(m.c.dialect.next, m.op.idJSON)) {
			s.leave(m.op)
		}
	}
}

// leaveShared takes the connection's operations out of their groups.
func (c *wsConn) leaveShared() {
	if c.t.Share == nil {
		return
	}
	c.mu.Lock()
	var shared []*operation
	for _, op := range c.ops {
		if op.group != nil {
			shared = append(shared, op)
		}
	}
	c.mu.Unlock()
	for _, op := range shared {
		c.t.Share.leave(op)
	}
}
