package resolvers

import (
	"context"
	"fmt"
	"regexp"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/user"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
)

// viewer returns the authenticated caller or UNAUTHENTICATED, also for a
// caller whose token or memberships changed since it was looked up (an
// operation on a socket that outlived them).
func viewer(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return nil, apierr.New(apierr.Unauthenticated, "sign in with an API token")
	}
	if err := v.Err(); err != nil {
		return nil, &apierr.Error{Code: apierr.Unauthenticated, Message: err.Error(), Err: err}
	}
	return v, nil
}

// require answers FORBIDDEN, naming the action, unless the caller may
// perform it on the project.
func require(ctx context.Context, action auth.Action, projectID gid.ID) error {
	v, err := viewer(ctx)
	if err != nil {
		return err
	}
	if !v.Can(action, projectID) {
		return apierr.Denied(string(action))
	}
	return nil
}

// ownProfile reports whether the caller may read u's private fields
// (email, admin, disabled): u themselves and platform admins. Anyone who
// manages members can make anyone a co-member with addMember, so
// co-membership must not open them; others read null and false.
func ownProfile(ctx context.Context, u *ent.User) bool {
	v := auth.FromContext(ctx)
	return v != nil && v.Err() == nil && (v.Admin || v.UserID == u.ID)
}

var userNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func validateUserName(name string) error {
	if !userNamePattern.MatchString(name) {
		return apierr.Invalid("userName", "user names are 1 to 64 lowercase letters, digits, dots, dashes or underscores")
	}
	return nil
}

func validateTokenName(name string) error {
	if len(name) == 0 || len(name) > 64 {
		return apierr.Invalid("name", "token names are 1 to 64 characters")
	}
	return nil
}

// ensureUser returns the named user, creating the account on first mention
// (users come from the identity provider; BCS keeps a row to hang roles on).
func ensureUser(ctx context.Context, tx *ent.Tx, name string) (*ent.User, error) {
	u, err := tx.User.Query().Where(user.Name(name)).Only(ctx)
	if ent.IsNotFound(err) {
		return tx.User.Create().SetName(name).Save(ctx)
	}
	return u, err
}

// memberToChange loads a membership the caller may manage: one whose role
// is not above the caller's own, to become newRole (nil: to be removed),
// which may not be above it either. Unless the member stays an owner, it
// refuses to touch a project's last owner.
func memberToChange(ctx context.Context, tx *ent.Tx, id gid.ID, newRole *member.Role) (*ent.Member, error) {
	cur, err := tx.Member.Get(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "member", id)
	}
	if err := require(ctx, auth.MemberManage, cur.ProjectID); err != nil {
		return nil, err
	}
	if err := mayHandle(ctx, tx, cur.ProjectID, cur.Role); err != nil {
		return nil, err
	}
	if newRole != nil {
		if err := mayHandle(ctx, tx, cur.ProjectID, *newRole); err != nil {
			return nil, err
		}
	}
	staysOwner := newRole != nil && *newRole == member.RoleOWNER
	if cur.Role == member.RoleOWNER && !staysOwner {
		if err := keepAnOwner(ctx, tx, cur.ProjectID); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// mayHandle refuses, with FORBIDDEN naming the action, to let the caller
// grant, change or remove a role above their own in the project. Platform
// admins may; an owner may make another owner (handing over ownership).
// The caller's own role is read in tx, not from their viewer, which may
// be a few seconds old.
func mayHandle(ctx context.Context, tx *ent.Tx, projectID gid.ID, role member.Role) error {
	v, err := viewer(ctx)
	if err != nil {
		return err
	}
	if v.Admin {
		return nil
	}
	var own member.Role
	m, err := tx.Member.Query().Where(member.ProjectID(projectID), member.UserID(v.UserID)).Only(auth.System(ctx))
	switch {
	case err == nil:
		own = m.Role
	case !ent.IsNotFound(err):
		return err
	}
	if own == "" {
		return apierr.Denied(string(auth.MemberManage))
	}
	if auth.RoleRank(role) <= auth.RoleRank(own) {
		return nil
	}
	e := apierr.Denied(string(auth.MemberManage))
	e.Message = fmt.Sprintf("permission denied: %s: you may not grant, change or remove the role %s, which is above your own (%s)", auth.MemberManage, role, own)
	e.Extra["reason"] = "ROLE_ABOVE_OWN"
	return e
}

// keepAnOwner refuses to demote or remove a project's last owner.
func keepAnOwner(ctx context.Context, tx *ent.Tx, projectID gid.ID) error {
	n, err := tx.Member.Query().Where(member.ProjectID(projectID), member.RoleEQ(member.RoleOWNER)).Count(ctx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return apierr.New(apierr.Conflict, "a project must keep at least one owner")
	}
	return nil
}
