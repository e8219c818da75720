package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/bcs-io/bcs/ent/member"
)

// userRoles is one user's memberships as looked up, shared by the viewers
// of all the user's tokens (read-only: nobody writes a Viewer's Roles).
type userRoles struct {
	roles   map[ID]member.Role
	expires time.Time
}

// rolesOf returns the user's role in each project, cached for the TTL: a
// user whose dashboards connect with many tokens costs one lookup and one
// map, not one per token. It also answers until when the answer may be
// trusted, which bounds the viewer built from it. Identity events about
// the user drop the entry (forgetRoles), and an answer read while such an
// event passed is not kept.
func (a *Authenticator) rolesOf(ctx context.Context, user ID, now time.Time, ttl time.Duration) (map[ID]member.Role, time.Time, error) {
	a.mu.Lock()
	if r, ok := a.roles[user]; ok && now.Before(r.expires) {
		a.mu.Unlock()
		return r.roles, r.expires, nil
	}
	gen := a.rolesGen
	a.mu.Unlock()

	members, err := a.Client.Member.Query().Where(member.UserID(user)).All(ctx)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("load memberships: %w", err)
	}
	roles := make(map[ID]member.Role, len(members))
	for _, m := range members {
		roles[m.ProjectID] = m.Role
	}
	expires := now.Add(ttl)
	a.mu.Lock()
	if a.rolesGen == gen {
		if a.roles == nil || len(a.roles) > maxCached { // bounded, as the viewer cache
			a.roles = map[ID]userRoles{}
		}
		a.roles[user] = userRoles{roles: roles, expires: expires}
	}
	a.mu.Unlock()
	return roles, expires, nil
}

// forgetRoles drops cached memberships (of one user, or all for ""); a.mu
// is held.
func (a *Authenticator) forgetRoles(user ID) {
	a.rolesGen++
	if user == "" {
		clear(a.roles)
		return
	}
	delete(a.roles, user)
}
