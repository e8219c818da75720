package auth

import (
	"context"
	"sort"

	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// Viewer is the authenticated caller of a request.
type Viewer struct {
	UserID   ID
	UserName string
	Admin    bool
	TokenID  ID
	// Roles holds the viewer's role in each project they belong to.
	Roles map[ID]member.Role
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

// Can reports whether the viewer may perform action on the project.
func (v *Viewer) Can(action Action, projectID gid.ID) bool {
	if v == nil {
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
