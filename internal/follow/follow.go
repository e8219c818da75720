// Package follow feeds subscriptions that follow one stored object
// (an operation's progress, a workload, a config instance) from storage
// polls shared by every follower of the same object.
//
// Polling storage, not listening in memory, keeps such a subscription
// correct whichever replica changed the object. Sharing the poll keeps its
// cost per followed object instead of per subscriber: a thousand dashboards
// on one rollout read it twice a second, not two thousand times.
//
// The poll reads as BCS itself (privacy off), so each delivery re-checks
// its follower instead: a follower whose viewer ended (token revoked or
// expired, memberships changed) is dropped before it is given anything.
//
// Followers see states, not events: one that reads slowly gets the newest
// state, skipping those it had no time for, as with any polling.
package follow

import (
	"context"
	"sync"
	"time"

	"github.com/bcs-io/bcs/internal/auth"
)

// Registry shares polls by key. The zero value is not usable; use New.
type Registry struct {
	every time.Duration
	base  context.Context // the polls' context: their reads bypass no check the caller made

	mu    sync.Mutex
	polls map[string]any // *poll[T], T fixed by the key's kind
}

// New returns a Registry polling every interval with ctx as the parent of
// its polls (ctx carries the identity the reads run as).
func New(ctx context.Context, every time.Duration) *Registry {
	return &Registry{every: every, base: ctx, polls: map[string]any{}}
}

// Polls is the number of running polls.
func (r *Registry) Polls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.polls)
}

// Object describes how to follow one kind of object.
type Object[T any] struct {
	// Get reads the object; an error (it was deleted, say) ends every
	// follower.
	Get func(context.Context) (T, error)
	// Version changes whenever a follower should hear about the object.
	Version func(T) string
	// Done reports a final state: followers get it, then their stream ends.
	Done func(T) bool
}

type poll[T any] struct {
	obj     Object[T]
	cancel  context.CancelFunc
	members map[*member[T]]struct{}
}

type member[T any] struct {
	out    chan T // capacity 1: holds the newest state not yet read
	last   string
	viewer *auth.Viewer // whose permission was checked for first
}

// Follow sends first (read by the caller, with the caller's permissions
// checked), then each newer version of the object key names, until the
// object is done, a read fails, or ctx ends. All followers of key share
// one poll, run with obj's functions of the first of them.
func Follow[T any](ctx context.Context, r *Registry, key string, first T, obj Object[T]) <-chan T {
	m := &member[T]{out: make(chan T, 1), last: obj.Version(first), viewer: auth.FromContext(ctx)}
	m.out <- first
	if obj.Done(first) {
		close(m.out)
		return m.out
	}
	r.mu.Lock()
	p, _ := r.polls[key].(*poll[T])
	if p == nil {
		pctx, cancel := context.WithCancel(r.base)
		p = &poll[T]{obj: obj, cancel: cancel, members: map[*member[T]]struct{}{}}
		r.polls[key] = p
		go run(pctx, r, key, p)
	}
	p.members[m] = struct{}{}
	r.mu.Unlock()
	context.AfterFunc(ctx, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, ok := p.members[m]; !ok {
			return // already ended by the poll
		}
		delete(p.members, m)
		close(m.out)
		if len(p.members) == 0 {
			r.endLocked(key, p)
		}
	})
	return m.out
}

func run[T any](ctx context.Context, r *Registry, key string, p *poll[T]) {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur, err := p.obj.Get(ctx)
		r.mu.Lock()
		if ctx.Err() != nil { // the last follower left while we read
			r.mu.Unlock()
			return
		}
		if err != nil {
			finishLocked(r, key, p)
			r.mu.Unlock()
			return
		}
		v := p.obj.Version(cur)
		for m := range p.members {
			if m.viewer.Err() != nil {
				close(m.out)
				delete(p.members, m)
				continue
			}
			if m.last != v {
				m.last = v
				deliver(m.out, cur)
			}
		}
		if p.obj.Done(cur) || len(p.members) == 0 {
			finishLocked(r, key, p)
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
	}
}

// deliver replaces the unread state, if any, with v. Only the poll sends
// on out, under the registry's lock, so the send never blocks.
func deliver[T any](out chan T, v T) {
	select {
	case <-out:
	default:
	}
	out <- v
}

// finishLocked ends every follower of p; r.mu is held.
func finishLocked[T any](r *Registry, key string, p *poll[T]) {
	for m := range p.members {
		close(m.out)
		delete(p.members, m)
	}
	r.endLocked(key, p)
}

// endLocked retires p: later followers of key start a new poll.
func (r *Registry) endLocked(key string, p interface{ stop() }) {
	if r.polls[key] == p {
		delete(r.polls, key)
	}
	p.stop()
}

func (p *poll[T]) stop() { p.cancel() }
