package auth

import (
	"context"
	"time"

	"github.com/bcs-io/bcs/ent/member"
)

// userRoles is one user's memberships as looked up, shared by the viewers
// of all the user's tokens (read-only: nobody writes a Viewer's Roles).
type userRoles struct {
	roles   map[ID]member.Role
	expires time.Time
}

// rolesOfMany returns each user's role in each project, cached for the
// TTL: a user whose dashboards connect with many tokens costs one lookup
// and one map, not one per token; the users not cached are read in one
// query. Each entry also says until when it may be trusted, which bounds
// the viewers built from it. Identity events about a user drop its entry
// (forgetRoles), and answers read while such an event passed are not kept.
func (a *Authenticator) rolesOfMany(ctx context.Context, users []ID, now time.Time, ttl time.Duration) (map[ID]userRoles, error) {
	out := make(map[ID]userRoles, len(users))
	var missing []ID
	asked := map[ID]bool{}
	a.mu.Lock()
	for _, u := range users {
		if asked[u] {
			continue
		}
		asked[u] = true
		if r, ok := a.roles[u]; ok && now.Before(r.expires) {
			out[u] = r
		} else {
			missing = append(missing, u)
		}
	}
	gen := a.rolesGen
	a.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	ms, err := a.Client.Member.Query().Where(member.UserIDIn(missing...)).All(ctx)
	if err != nil {
		return nil, err
	}
	expires := now.Add(ttl)
	for _, u := range missing {
		out[u] = userRoles{roles: map[ID]member.Role{}, expires: expires}
	}
	for _, m := range ms {
		out[m.UserID].roles[m.ProjectID] = m.Role
	}
	a.mu.Lock()
	if a.rolesGen == gen {
		if a.roles == nil || len(a.roles)+len(missing) > maxCached {
			a.roles = map[ID]userRoles{}
		}
		for _, u := range missing {
			a.roles[u] = out[u]
		}
	}
	a.mu.Unlock()
	return out, nil
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
