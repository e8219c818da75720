package auth

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Identity events travel between replicas as "auth:<kind>:<id>" (see
// Authenticator.Broadcast and Apply).
const (
	EventPrefix = "auth:"

	eventRevoked = "token"   // a token was revoked: its viewers end
	eventScope   = "scope"   // a user's memberships changed: their viewers end
	eventGrant   = "grant"   // a user gained a membership: cached viewers are dropped
	eventUser    = "status"  // a user was disabled: their viewers end
	eventSession = "session" // a console session was signed out: its sockets close
)

// TokenRevoked ends every viewer of the token, here and (through
// Broadcast) on the other replicas.
func (a *Authenticator) TokenRevoked(ctx context.Context, tokenID ID) {
	a.publish(ctx, eventRevoked, tokenID)
}

// MembershipChanged ends every viewer of the user: a role changed or a
// membership was removed, so what they were allowed no longer holds.
// Sockets then close with 4403 and the client reconnects with its new scope.
func (a *Authenticator) MembershipChanged(ctx context.Context, userID ID) {
	a.publish(ctx, eventScope, userID)
}

// MembershipAdded drops the user's cached viewers so their next request
// sees the new project; an open socket acts with the wider scope from its
// next operation on (Recheck), a running operation keeps the narrower one.
func (a *Authenticator) MembershipAdded(ctx context.Context, userID ID) {
	a.publish(ctx, eventGrant, userID)
}

// UserDisabled ends every viewer of the user.
func (a *Authenticator) UserDisabled(ctx context.Context, userID ID) {
	a.publish(ctx, eventUser, userID)
}

func (a *Authenticator) publish(ctx context.Context, kind string, id ID) {
	event := EventPrefix + kind + ":" + string(id)
	a.Apply(event)
	if a.Broadcast != nil {
		a.Broadcast(ctx, event)
	}
}

// Apply acts on an identity event in this process: one heard from another
// replica, or published here. Unknown events are ignored.
func (a *Authenticator) Apply(event string) {
	rest, ok := strings.CutPrefix(event, EventPrefix)
	if !ok {
		return
	}
	kind, id, ok := strings.Cut(rest, ":")
	if !ok || id == "" {
		return
	}
	switch kind {
	case eventScope, eventUser, eventGrant:
		a.mu.Lock()
		a.forgetRoles(ID(id))
		a.mu.Unlock()
	}
	switch kind {
	case eventRevoked:
		a.endWhere(func(v *Viewer) bool { return v.TokenID == ID(id) }, ErrRevoked, true)
	case eventScope:
		a.endWhere(func(v *Viewer) bool { return v.UserID == ID(id) }, ErrScopeChanged, true)
	case eventUser:
		a.endWhere(func(v *Viewer) bool { return v.UserID == ID(id) }, ErrDisabled, true)
	case eventGrant:
		a.endWhere(func(v *Viewer) bool { return v.UserID == ID(id) }, nil, false)
	case eventSession:
		if s := a.sessionStore(); s != nil {
			s.ended(ID(id))
		}
	}
}

// endWhere drops the matching cached viewers and, when end is set, ends
// them and the matching viewers held by sockets.
func (a *Authenticator) endWhere(match func(*Viewer) bool, err error, end bool) {
	var ending []*Viewer
	a.mu.Lock()
	for k, c := range a.cache {
		if match(c.viewer) {
			delete(a.cache, k)
			ending = append(ending, c.viewer)
		}
	}
	for v := range a.watched {
		if match(v) {
			ending = append(ending, v)
		}
	}
	a.mu.Unlock()
	if !end {
		return
	}
	for _, v := range ending {
		v.end(err)
	}
}

// Watch calls onEnd (once, from another goroutine than the caller's
// events) when v ends — revoked, expired, disabled, memberships changed,
// here or on another replica — unless ctx ends first. Sockets and event
// streams use it to close themselves.
func (a *Authenticator) Watch(ctx context.Context, v *Viewer, onEnd func(error)) {
	if v == nil || v.life == nil {
		return
	}
	a.mu.Lock()
	if a.watched == nil {
		a.watched = map[*Viewer]int{}
	}
	a.watched[v]++
	a.mu.Unlock()
	stopHook := v.onEnd(onEnd)
	var timer *time.Timer
	if v.ExpiresAt != nil {
		timer = time.AfterFunc(time.Until(*v.ExpiresAt), func() { v.end(ErrExpired) })
	}
	context.AfterFunc(ctx, func() {
		stopHook()
		if timer != nil {
			timer.Stop()
		}
		a.mu.Lock()
		if a.watched[v]--; a.watched[v] <= 0 {
			delete(a.watched, v)
		}
		a.mu.Unlock()
	})
}

// Recheck answers whether v still holds, as the token and memberships
// stand now (cached for at most the TTL): the viewer to act as — v, or a
// fresher one when v's scope has only grown — or why it no longer holds,
// in which case v ends too. Other errors are storage trouble.
func (a *Authenticator) Recheck(ctx context.Context, v *Viewer) (*Viewer, error) {
	if err := v.Err(); err != nil {
		return nil, err
	}
	if v == nil || v.hash == "" {
		return v, nil
	}
	cur, err := a.byHash(ctx, v.hash)
	if errors.Is(err, ErrInvalidToken) {
		// As if the event had been heard: every viewer of the token ends,
		// not only this one (a shared execution may run on another).
		a.endWhere(func(o *Viewer) bool { return o.TokenID == v.TokenID }, err, true)
		v.end(err)
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	held := v.held()
	if cur == held {
		return cur, nil
	}
	// Against what v went on to act as, not v alone: a grant taken back
	// with no event would otherwise leave the socket acting in the lost
	// project, its narrower viewer still covered.
	if !cur.covers(held) {
		a.endWhere(func(o *Viewer) bool { return o.UserID == v.UserID && o != cur }, ErrScopeChanged, true)
		v.end(ErrScopeChanged)
		return nil, ErrScopeChanged
	}
	if cur != v && v.life != nil {
		v.life.actedAs.Store(cur)
	}
	return cur, nil
}

// Sweep rechecks every viewer held by a socket or stream, ending those
// that no longer hold: the safety net for events that never arrived (a
// replica's notification lost, a user disabled in the database).
func (a *Authenticator) Sweep(ctx context.Context) {
	a.mu.Lock()
	vs := make([]*Viewer, 0, len(a.watched))
	for v := range a.watched {
		vs = append(vs, v)
	}
	a.mu.Unlock()
	a.prefetch(ctx, vs) // a few queries for all, instead of one per viewer
	for _, v := range vs {
		if ctx.Err() != nil {
			return
		}
		_, _ = a.Recheck(ctx, v)
	}
	if s := a.sessionStore(); s != nil {
		s.sweep(ctx)
	}
}

func (a *Authenticator) sessionStore() *Sessions {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions
}

// Run sweeps every interval until ctx ends.
func (a *Authenticator) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			a.Sweep(ctx)
		}
	}
}
