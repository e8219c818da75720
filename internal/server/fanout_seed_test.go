package server

import (
	"fmt"
	"testing"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/auth"
)

// seedFanoutUsers makes users real BCS users with real tokens, in bulk:
// user u is a member of project u % P (a viewer or a developer by
// u/100's parity), and every other pair of hundreds of users also a
// viewer of the next project, so the users following one namespace hold
// mixed roles and two different scopes. Subscriber i gets a token of its
// own for user i % users and follows a namespace of its user's (first)
// project, filtered to that project's cluster and, for every other
// hundred subscribers, to the project.
func seedFanoutUsers(b *testing.B, env *testEnv, n, users int, pids, cids []gid.ID) []fleetClient {
	b.Helper()
	ctx := system()
	c := env.db.Client
	projects := len(pids)
	const chunk = 500
	ids := make([]gid.ID, 0, users)
	for lo := 0; lo < users; lo += chunk {
		var us []*ent.UserCreate
		for u := lo; u < min(lo+chunk, users); u++ {
			us = append(us, c.User.Create().SetName(fmt.Sprintf("fan-user-%05d", u)))
		}
		for _, u := range c.User.CreateBulk(us...).SaveX(ctx) {
			ids = append(ids, u.ID)
		}
	}
	allowed := make([][]string, users)
	var ms []*ent.MemberCreate
	flush := func(force bool) {
		if len(ms) >= chunk || force && len(ms) > 0 {
			c.Member.CreateBulk(ms...).ExecX(ctx)
			ms = ms[:0]
		}
	}
	for u := range users {
		p := u % projects
		role := member.RoleVIEWER
		if (u/fanoutSpaces)%2 == 1 {
			role = member.RoleDEVELOPER
		}
		ms = append(ms, c.Member.Create().SetUserID(ids[u]).SetProjectID(pids[p]).SetRole(role))
		allowed[u] = []string{string(pids[p])}
		if q := (p + 1) % projects; (u/(2*fanoutSpaces))%2 == 1 && q != p {
			ms = append(ms, c.Member.Create().SetUserID(ids[u]).SetProjectID(pids[q]).SetRole(member.RoleVIEWER))
			allowed[u] = append(allowed[u], string(pids[q]))
		}
		flush(false)
	}
	flush(true)

	clients := make([]fleetClient, n)
	var ts []*ent.TokenCreate
	for i := range n {
		u := i % users
		p := u % projects
		secret, hash := auth.NewToken()
		ts = append(ts, c.Token.Create().SetUserID(ids[u]).SetName(fmt.Sprintf("fan-%d", i)).SetHash(hash))
		// Namespaces of project p are p, p+P, p+2P …; i/P walks them.
		ns := p + projects*((i/projects)%(fanoutSpaces/projects))
		fc := fleetClient{Token: secret, NS: ns, Cluster: string(cids[p]), Allowed: allowed[u]}
		if (i/fanoutSpaces)%2 == 0 {
			fc.Project = string(pids[p])
		}
		clients[i] = fc
		if len(ts) == chunk || i == n-1 {
			c.Token.CreateBulk(ts...).ExecX(ctx)
			ts = ts[:0]
		}
	}
	return clients
}
