package auth

import (
	"context"
	"slices"
	"time"

	"github.com/bcs-io/bcs/ent/token"
)

// prefetchChunk bounds the ids of one IN list.
const prefetchChunk = 500

// prefetch looks the tokens of many viewers up in batches — one query per
// 500 tokens, with their users, and one for the memberships of the users
// not cached — and caches the valid ones, so that a sweep over 10,000
// sockets with their own tokens costs a few dozen queries, not 10,000.
// Tokens that no longer hold are left out: Recheck then looks each up
// alone and ends its viewers with the reason. Errors are left to Recheck
// too.
func (a *Authenticator) prefetch(ctx context.Context, vs []*Viewer) {
	ctx = System(ctx)
	ttl := a.ttl()
	now := time.Now()
	var hashes [][]byte
	seen := map[string]bool{}
	a.mu.Lock()
	for _, v := range vs {
		if v.hash == "" || seen[v.hash] {
			continue
		}
		seen[v.hash] = true
		if c, ok := a.cache[v.hash]; ok && now.Before(c.expires) && c.viewer.Err() == nil {
			continue
		}
		hashes = append(hashes, []byte(v.hash))
	}
	a.mu.Unlock()
	for chunk := range slices.Chunk(hashes, prefetchChunk) {
		if ctx.Err() != nil {
			return
		}
		ts, err := a.Client.Token.Query().Where(token.HashIn(chunk...)).WithUser().All(ctx)
		if err != nil {
			return
		}
		valid := ts[:0]
		var users []ID
		for _, t := range ts {
			if t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt)) && t.Edges.User != nil && !t.Edges.User.Disabled {
				valid = append(valid, t)
				users = append(users, t.Edges.User.ID)
			}
		}
		roles, err := a.rolesOfMany(ctx, users, now, ttl)
		if err != nil {
			return
		}
		fresh := make([]cached, 0, len(valid))
		for _, t := range valid {
			r := roles[t.Edges.User.ID]
			until := r.expires
			if t.ExpiresAt != nil && t.ExpiresAt.Before(until) {
				until = *t.ExpiresAt
			}
			fresh = append(fresh, cached{viewer: a.viewerOf(t, r.roles, now), expires: until})
		}
		a.mu.Lock()
		if a.cache == nil {
			a.cache = map[string]cached{}
		}
		for _, c := range fresh {
			if len(a.cache) >= maxCached {
				break // the rest are looked up one by one
			}
			a.cache[c.viewer.hash] = c
		}
		a.mu.Unlock()
	}
}
