package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/privacy"
	"github.com/bcs-io/bcs/ent/token"
)

// ErrInvalidToken covers unknown, expired and revoked tokens and disabled
// users alike: a caller learns nothing about which.
var ErrInvalidToken = errors.New("invalid, expired or revoked API token")

// Authenticator resolves tokens to viewers. Results are cached briefly so a
// busy client costs one lookup per TTL, not one per request; revocations
// and membership changes made through this process invalidate at once, and
// other replicas notice within the TTL.
type Authenticator struct {
	Client *ent.Client
	TTL    time.Duration // default 5s

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	viewer  *Viewer
	expires time.Time
}

// System returns ctx with privacy checks bypassed, for BCS's own work
// (authentication, datawatch, audit writes, CLI bootstrap).
func System(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// Authenticate returns the viewer for a token secret.
func (a *Authenticator) Authenticate(ctx context.Context, secret string) (*Viewer, error) {
	if err := CheckToken(secret); err != nil {
		return nil, ErrInvalidToken
	}
	key := string(HashToken(secret))
	now := time.Now()
	a.mu.Lock()
	if c, ok := a.cache[key]; ok && now.Before(c.expires) {
		a.mu.Unlock()
		return c.viewer, nil
	}
	a.mu.Unlock()

	v, expiresAt, err := a.lookup(ctx, []byte(key), now)
	if err != nil {
		return nil, err
	}
	ttl := a.TTL
	if ttl <= 0 {
		ttl = 5 * time.Second
	}
	until := now.Add(ttl)
	if expiresAt != nil && expiresAt.Before(until) {
		until = *expiresAt
	}
	a.mu.Lock()
	if a.cache == nil {
		a.cache = map[string]cached{}
	}
	if len(a.cache) > 10000 { // bound memory against token spraying
		clear(a.cache)
	}
	a.cache[key] = cached{viewer: v, expires: until}
	a.mu.Unlock()
	return v, nil
}

func (a *Authenticator) lookup(ctx context.Context, hash []byte, now time.Time) (*Viewer, *time.Time, error) {
	ctx = System(ctx)
	t, err := a.Client.Token.Query().Where(token.Hash(hash)).WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, ErrInvalidToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("look up token: %w", err)
	}
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) || t.Edges.User == nil || t.Edges.User.Disabled {
		return nil, nil, ErrInvalidToken
	}
	u := t.Edges.User
	members, err := a.Client.Member.Query().Where(member.UserID(u.ID)).All(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load memberships: %w", err)
	}
	v := &Viewer{UserID: u.ID, UserName: u.Name, Admin: u.Admin, TokenID: t.ID, Roles: map[ID]member.Role{}}
	for _, m := range members {
		v.Roles[m.ProjectID] = m.Role
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		// Best effort, throttled: last-used is informational.
		_ = a.Client.Token.UpdateOneID(t.ID).SetLastUsedAt(now).Exec(ctx)
	}
	return v, t.ExpiresAt, nil
}

// Invalidate forgets every cached viewer, after a revocation or a change of
// membership.
func (a *Authenticator) Invalidate() {
	a.mu.Lock()
	clear(a.cache)
	a.mu.Unlock()
}
