package auth

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/privacy"
)

// ErrInvalidToken covers unknown, expired and revoked tokens and disabled
// users alike: a caller learns nothing about which.
var ErrInvalidToken = errors.New("invalid, expired or revoked API token")

// Authenticator resolves tokens to viewers. Results are cached briefly so a
// busy client costs one lookup per TTL, not one per request. A change of
// identity (a token revoked, memberships changed, a user disabled) ends the
// viewers it concerns at once in this process (see events.go) and, through
// Broadcast, in every other replica; Recheck catches anything else within
// the TTL.
type Authenticator struct {
	Client *ent.Client
	TTL    time.Duration // default 5s
	// Broadcast, if set, carries identity events to the other replicas
	// (PostgreSQL NOTIFY); they Apply them.
	Broadcast func(ctx context.Context, event string)

	mu       sync.Mutex
	cache    map[string]cached
	watched  map[*Viewer]int // viewers held by open sockets and streams
	sessions *Sessions       // console sessions (NewSessions), if any
	touched  touches         // last-used writes waiting for their batch
	lookups  lookups         // cache misses read together
	roles    map[ID]userRoles
	rolesGen uint64 // counts identity events: a lookup that overlapped one is not cached
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

// Authenticate returns the viewer for a token secret. A token scoped to
// one cluster's Kubernetes proxy (Viewer.Cluster) is refused like an
// unknown one: only AuthenticateCluster takes it.
func (a *Authenticator) Authenticate(ctx context.Context, secret string) (*Viewer, error) {
	if err := CheckToken(secret); err != nil {
		return nil, ErrInvalidToken
	}
	v, err := a.byHash(ctx, string(HashToken(secret)))
	if err == nil && v.Cluster != "" {
		return nil, ErrInvalidToken
	}
	return v, err
}

// AuthenticateCluster returns the viewer for a token secret presented to
// the Kubernetes proxy of cluster: an ordinary token, or one scoped to
// that very cluster.
func (a *Authenticator) AuthenticateCluster(ctx context.Context, secret string, cluster ID) (*Viewer, error) {
	if err := CheckToken(secret); err != nil {
		return nil, ErrInvalidToken
	}
	v, err := a.byHash(ctx, string(HashToken(secret)))
	if err == nil && v.Cluster != "" && v.Cluster != cluster {
		return nil, ErrInvalidToken
	}
	return v, err
}

// maxCached bounds the viewer and membership caches.
const maxCached = 10000

func (a *Authenticator) ttl() time.Duration {
	if a.TTL <= 0 {
		return 5 * time.Second
	}
	return a.TTL
}

func (a *Authenticator) byHash(ctx context.Context, key string) (*Viewer, error) {
	now := time.Now()
	a.mu.Lock()
	if c, ok := a.cache[key]; ok && now.Before(c.expires) && c.viewer.Err() == nil {
		a.mu.Unlock()
		return c.viewer, nil
	}
	a.mu.Unlock()

	v, until, err := a.lookupCoalesced(ctx, []byte(key))
	if err != nil {
		return nil, err
	}
	if v.ExpiresAt != nil && v.ExpiresAt.Before(until) {
		until = *v.ExpiresAt
	}
	a.mu.Lock()
	if a.cache == nil {
		a.cache = map[string]cached{}
	}
	if len(a.cache) > maxCached { // bound memory against token spraying
		clear(a.cache)
	}
	a.cache[key] = cached{viewer: v, expires: until}
	a.mu.Unlock()
	return v, nil
}

// viewerOf makes the viewer of a valid token (its user loaded) with the
// user's roles.
func (a *Authenticator) viewerOf(t *ent.Token, roles map[ID]member.Role, now time.Time) *Viewer {
	u := t.Edges.User
	v := &Viewer{UserID: u.ID, UserName: u.Name, Admin: u.Admin, TokenID: t.ID, ExpiresAt: t.ExpiresAt,
		Roles: roles, hash: string(t.Hash), life: &life{}}
	if t.ClusterID != nil {
		v.Cluster = *t.ClusterID
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		a.touch(t.ID, now) // throttled and batched: last-used is informational
	}
	return v
}

// Invalidate forgets every cached viewer. Prefer the events (TokenRevoked,
// MembershipChanged …), which also end the viewers open sockets hold.
func (a *Authenticator) Invalidate() {
	a.mu.Lock()
	clear(a.cache)
	a.forgetRoles("")
	a.mu.Unlock()
}
