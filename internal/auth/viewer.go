package auth

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// Why a viewer ended. Each is also ErrInvalidToken or ErrScopeChanged
// (errors.Is), and their text is safe to show to the caller.
var (
	// ErrScopeChanged ends a viewer whose memberships changed: what it was
	// allowed when it was looked up is no longer what it is allowed.
	ErrScopeChanged = errors.New("your project memberships changed: reconnect")
	// ErrRevoked, ErrExpired and ErrDisabled end a viewer whose token can
	// no longer be used.
	ErrRevoked  = &invalid{"API token revoked"}
	ErrExpired  = &invalid{"API token expired"}
	ErrDisabled = &invalid{"user disabled"}
)

type invalid struct{ msg string }

func (e *invalid) Error() string        { return e.msg }
func (e *invalid) Is(target error) bool { return target == ErrInvalidToken }

// Viewer is the authenticated caller of a request.
type Viewer struct {
	UserID   ID
	UserName string
	Admin    bool
	TokenID  ID
	// ExpiresAt is when the token stops working; nil: never.
	ExpiresAt *time.Time
	// Roles holds the viewer's role in each project they belong to.
	Roles map[ID]member.Role
	// Cluster, when set, is the one cluster whose Kubernetes proxy the
	// token opens (a kubeconfig's token); it opens nothing else.
	Cluster ID

	hash string // the token's, to look it up again (Authenticator.Recheck)
	life *life  // nil: a viewer made by hand, which never ends
}

// life is what makes one looked-up viewer end when its identity changes:
// sockets and subscriptions hold a viewer far longer than a request does,
// and every check they make asks it whether it still holds.
type life struct {
	ended atomic.Pointer[error]

	mu    sync.Mutex
	hooks map[*func(error)]struct{}

	// actedAs is the wider viewer an open socket went on to act as
	// (Recheck), which the viewer is held to from then on.
	actedAs atomic.Pointer[Viewer]
}

// held is what v must still grant: v, or the wider viewer it acted as.
func (v *Viewer) held() *Viewer {
	if v.life != nil {
		if w := v.life.actedAs.Load(); w != nil {
			return w
		}
	}
	return v
}

// Err is nil while the viewer may still act: its token is not revoked or
// expired, its user not disabled, its memberships unchanged. Long-lived
// work (subscriptions, shared polls, operations on an open socket) checks
// it before each delivery; it costs an atomic load, and a clock read for
// tokens with an expiry.
func (v *Viewer) Err() error {
	if v == nil {
		return nil
	}
	if v.life != nil {
		if err := v.life.ended.Load(); err != nil {
			return *err
		}
	}
	if v.ExpiresAt != nil && !time.Now().Before(*v.ExpiresAt) {
		return ErrExpired
	}
	return nil
}

// end marks the viewer ended (the first reason wins) and runs its hooks.
func (v *Viewer) end(err error) {
	l := v.life
	if l == nil || !l.ended.CompareAndSwap(nil, &err) {
		return
	}
	l.mu.Lock()
	hooks := l.hooks
	l.hooks = nil
	l.mu.Unlock()
	for h := range hooks {
		(*h)(err)
	}
}

// onEnd runs fn once when the viewer ends (at once if it has); the
// returned function unregisters it.
func (v *Viewer) onEnd(fn func(error)) (stop func()) {
	l := v.life
	if l == nil {
		return func() {}
	}
	h := &fn
	l.mu.Lock()
	if l.ended.Load() == nil {
		if l.hooks == nil {
			l.hooks = map[*func(error)]struct{}{}
		}
		l.hooks[h] = struct{}{}
		l.mu.Unlock()
		return func() {
			l.mu.Lock()
			delete(l.hooks, h)
			l.mu.Unlock()
		}
	}
	l.mu.Unlock()
	fn(*l.ended.Load())
	return func() {}
}

// covers reports whether v grants at least everything old granted.
func (v *Viewer) covers(old *Viewer) bool {
	if old.Admin && !v.Admin {
		return false
	}
	for p, r := range old.Roles {
		cur, ok := v.Roles[p]
		if !ok || RoleRank(cur) < RoleRank(r) {
			return false
		}
	}
	return true
}

type viewerKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer of ctx, or nil for an anonymous caller.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// Can reports whether the viewer may perform action on the project. An
// ended viewer may do nothing.
func (v *Viewer) Can(action Action, projectID gid.ID) bool {
	if v == nil || v.Err() != nil {
		return false
	}
	if v.Admin {
		return true
	}
	role, ok := v.Roles[projectID]
	return ok && RoleAllows(role, action)
}

// ProjectIDs lists the projects the viewer belongs to, sorted.
func (v *Viewer) ProjectIDs() []gid.ID {
	if v == nil {
		return nil
	}
	ids := make([]gid.ID, 0, len(v.Roles))
	for id := range v.Roles {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// ID is a global object ID.
type ID = gid.ID

// Detached is a copy of v that nothing ends: no token to revoke, no expiry,
// no life to end. A shared execution serves many members who are entitled
// to the same results (transport.Sharing's key says so); it runs as the
// detached copy of the first member, so that member leaving — or being
// revoked — does not end it for the rest, while each member's own viewer
// is checked before every delivery to it.
func (v *Viewer) Detached() *Viewer {
	if v == nil {
		return nil
	}
	return &Viewer{UserID: v.UserID, UserName: v.UserName, Admin: v.Admin, Roles: v.Roles}
}
