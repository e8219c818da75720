package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/token"
)

// lookups coalesces token lookups that miss the cache: while one batch is
// read, the tokens asked for meanwhile wait and are read together in the
// next (up to prefetchChunk a query). A storm of dashboards connecting
// with their own tokens costs a few queries per batch instead of three per
// connection, and a lone lookup waits for nobody.
type lookups struct {
	mu      sync.Mutex
	running bool
	queue   []*pendingLookup
}

type pendingLookup struct {
	hash  []byte
	done  chan struct{}
	v     *Viewer
	until time.Time
	err   error
}

// lookupCoalesced reads a token and its user's memberships, in a batch
// with whatever other lookups are waiting; until is when the viewer must
// be looked up again.
func (a *Authenticator) lookupCoalesced(ctx context.Context, hash []byte) (*Viewer, time.Time, error) {
	p := &pendingLookup{hash: hash, done: make(chan struct{})}
	l := &a.lookups
	l.mu.Lock()
	l.queue = append(l.queue, p)
	if !l.running {
		l.running = true
		// Detached: the batch serves other callers too.
		go a.runLookups(context.WithoutCancel(ctx))
	}
	l.mu.Unlock()
	select {
	case <-p.done:
		return p.v, p.until, p.err
	case <-ctx.Done():
		return nil, time.Time{}, ctx.Err()
	}
}

// runLookups reads batches until nobody waits.
func (a *Authenticator) runLookups(ctx context.Context) {
	l := &a.lookups
	for {
		l.mu.Lock()
		n := min(len(l.queue), prefetchChunk)
		if n == 0 {
			l.running = false
			l.mu.Unlock()
			return
		}
		batch := l.queue[:n:n]
		l.queue = l.queue[n:]
		l.mu.Unlock()
		a.lookupBatch(ctx, batch)
	}
}

// lookupBatch answers every pending lookup of batch: two queries for the
// tokens and their users, one for the memberships of users not cached.
func (a *Authenticator) lookupBatch(ctx context.Context, batch []*pendingLookup) {
	ctx = System(ctx)
	now := time.Now()
	defer func() {
		for _, p := range batch {
			close(p.done)
		}
	}()
	fail := func(err error) {
		for _, p := range batch {
			p.err = err
		}
	}
	hashes := make([][]byte, 0, len(batch))
	seen := make(map[string]bool, len(batch))
	for _, p := range batch {
		if !seen[string(p.hash)] {
			seen[string(p.hash)] = true
			hashes = append(hashes, p.hash)
		}
	}
	ts, err := a.Client.Token.Query().Where(token.HashIn(hashes...)).WithUser().All(ctx)
	if err != nil {
		fail(fmt.Errorf("look up token: %w", err))
		return
	}
	byHash := make(map[string]*ent.Token, len(ts))
	var users []ID
	for _, t := range ts {
		byHash[string(t.Hash)] = t
		if t.Edges.User != nil {
			users = append(users, t.Edges.User.ID)
		}
	}
	roles, err := a.rolesOfMany(ctx, users, now, a.ttl())
	if err != nil {
		fail(fmt.Errorf("load memberships: %w", err))
		return
	}
	viewers := make(map[string]*Viewer, len(ts)) // one per token, however many asked
	for _, p := range batch {
		t := byHash[string(p.hash)]
		switch {
		case t == nil:
			p.err = ErrInvalidToken
		case t.RevokedAt != nil:
			p.err = ErrRevoked
		case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
			p.err = ErrExpired
		case t.Edges.User == nil || t.Edges.User.Disabled:
			p.err = ErrDisabled
		default:
			r := roles[t.Edges.User.ID]
			v := viewers[string(p.hash)]
			if v == nil {
				v = a.viewerOf(t, r.roles, now)
				viewers[string(p.hash)] = v
			}
			p.v, p.until = v, r.expires
		}
	}
}
