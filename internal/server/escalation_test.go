package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/internal/auth"
)

var rolesByRank = []member.Role{member.RoleVIEWER, member.RoleDEVELOPER, member.RoleMAINTAINER, member.RoleOWNER}

// The reproduction: a MAINTAINER promoted their own membership to OWNER and
// then removed the real owner.
func TestMaintainerCannotMakeThemselvesOwner(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "escalate")
	m := env.as(tn.tokens[member.RoleMAINTAINER])
	res := m.do(t, `mutation($id: ID!) { updateMemberRole(id: $id, role: OWNER) { role } }`, map[string]any{"id": tn.members[member.RoleMAINTAINER]})
	if res.code() != "FORBIDDEN" || res.Errors[0].Extensions["action"] != "project_member_manage" {
		t.Fatalf("a maintainer made themselves owner: %s", res.raw)
	}
	res = m.do(t, `mutation($id: ID!) { removeMember(id: $id) { deletedID } }`, map[string]any{"id": tn.members[member.RoleOWNER]})
	if res.code() != "FORBIDDEN" {
		t.Fatalf("a maintainer removed the owner: %s", res.raw)
	}
	owners := env.db.Client.Member.Query().Where(member.ProjectID(ID(tn.project)), member.RoleEQ(member.RoleOWNER)).CountX(system())
	if owners != 2 {
		t.Fatalf("%d owners left", owners)
	}
}

// Each role × (grant, change, remove) × (target role above, equal, below,
// the caller's own membership). Nobody may grant, change or remove a role
// above their own; an owner may make another owner; a project keeps an
// owner (the admin who created each project owns it too).
func TestMemberRoleMatrix(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	ctx := system()
	n := 0
	for rank, role := range rolesByRank {
		manages := auth.RoleAllows(role, auth.MemberManage)
		for _, op := range []string{"grant", "change", "remove"} {
			for _, target := range []string{"above", "equal", "below", "self"} {
				var targetRole member.Role
				switch target {
				case "above":
					if rank == len(rolesByRank)-1 {
						continue // nothing is above an owner
					}
					targetRole = rolesByRank[rank+1]
				case "equal", "self":
					targetRole = role
				case "below":
					if rank == 0 {
						continue // nothing is below a viewer
					}
					targetRole = rolesByRank[rank-1]
				}
				n++
				name := fmt.Sprintf("%s/%s/%s", role, op, target)
				code := fmt.Sprintf("m%d", n)
				p := env.createProject(t, "Matrix "+code, code)
				caller := code + "-caller"
				add := func(user string, r member.Role) string {
					var m struct{ ID string }
					env.do(t, `mutation($p: ID!, $u: String!, $r: MemberRole!) { addMember(projectID: $p, userName: $u, role: $r) { id } }`,
						map[string]any{"p": p.ID, "u": user, "r": r}).field(t, "addMember", &m)
					return m.ID
				}
				callerMember := add(caller, role)
				tok, err := auth.Bootstrap(ctx, env.db.Client, caller, false, "t", 0)
				if err != nil {
					t.Fatal(err)
				}
				targetMember := callerMember
				if target != "self" {
					targetMember = add(code+"-target", targetRole)
				}

				// What the caller tries, and what should come of it.
				var query string
				vars := map[string]any{"p": p.ID, "id": targetMember}
				want := "FORBIDDEN"
				switch op {
				case "grant":
					user, grant := code+"-new", targetRole
					if target == "self" {
						user = caller
						if rank < len(rolesByRank)-1 {
							grant = rolesByRank[rank+1] // the escalation
						}
					}
					query = `mutation($p: ID!, $u: String!, $r: MemberRole!) { addMember(projectID: $p, userName: $u, role: $r) { id } }`
					vars["u"], vars["r"] = user, grant
					switch {
					case !manages || auth.RoleRank(grant) > auth.RoleRank(role):
					case target == "self":
						want = "CONFLICT" // already a member
					default:
						want = ""
					}
				case "change":
					// Above and equal are demoted to below the caller (or
					// the caller's level), below is promoted to the
					// caller's level, and the caller's own membership is
					// raised one step (an owner steps down instead).
					to := role
					switch target {
					case "equal":
						to = rolesByRank[0]
					case "self":
						if rank < len(rolesByRank)-1 {
							to = rolesByRank[rank+1]
						} else {
							to = member.RoleMAINTAINER
						}
					}
					query = `mutation($id: ID!, $r: MemberRole!) { updateMemberRole(id: $id, role: $r) { role } }`
					vars["r"] = to
					if manages && target != "above" && auth.RoleRank(to) <= auth.RoleRank(role) {
						want = ""
					}
				case "remove":
					query = `mutation($id: ID!) { removeMember(id: $id) { deletedID } }`
					if manages && target != "above" {
						want = ""
					}
				}
				before := env.db.Client.Member.Query().Where(member.ProjectID(ID(p.ID))).AllX(ctx)
				res := env.as(tok).do(t, query, vars)
				if res.code() != want {
					t.Errorf("%s: answered %q, want %q: %s", name, res.code(), want, res.raw)
					continue
				}
				if want == "FORBIDDEN" {
					if res.Errors[0].Extensions["action"] != "project_member_manage" {
						t.Errorf("%s: FORBIDDEN without the action: %s", name, res.raw)
					}
					after := env.db.Client.Member.Query().Where(member.ProjectID(ID(p.ID))).AllX(ctx)
					if fmt.Sprint(roleList(before)) != fmt.Sprint(roleList(after)) {
						t.Errorf("%s: refused, yet memberships changed: %v -> %v", name, roleList(before), roleList(after))
					}
				}
			}
		}
	}
	if n != 42 {
		t.Fatalf("the matrix has %d cells, want 42", n)
	}
}

func roleList(ms []*ent.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.UserID) + "=" + string(m.Role)
	}
	return out
}

// An owner hands ownership over explicitly: makes another member owner,
// then steps down; the last owner still cannot leave.
func TestOwnerHandsOverOwnership(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	ctx := system()
	owner, err := auth.Bootstrap(ctx, env.db.Client, "first-owner", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	var p project
	env.as(owner).do(t, createProject, map[string]any{"in": map[string]any{"name": "Handover", "code": "handover"}}).field(t, "createProject", &p)
	var heir, self struct{ ID string }
	env.as(owner).do(t, `mutation($p: ID!) { addMember(projectID: $p, userName: "heir", role: MAINTAINER) { id } }`, map[string]any{"p": p.ID}).field(t, "addMember", &heir)
	self.ID = env.db.Client.Member.Query().Where(member.ProjectID(ID(p.ID)), member.RoleEQ(member.RoleOWNER)).OnlyIDX(ctx).String()
	if res := env.as(owner).do(t, `mutation($id: ID!) { updateMemberRole(id: $id, role: OWNER) { role } }`, map[string]any{"id": heir.ID}); len(res.Errors) > 0 {
		t.Fatalf("an owner could not hand over ownership: %s", res.raw)
	}
	if res := env.as(owner).do(t, `mutation($id: ID!) { updateMemberRole(id: $id, role: VIEWER) { role } }`, map[string]any{"id": self.ID}); len(res.Errors) > 0 {
		t.Fatalf("the old owner could not step down: %s", res.raw)
	}
	heirTok, err := auth.Bootstrap(ctx, env.db.Client, "heir", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	if res := env.as(heirTok).do(t, `mutation($id: ID!) { removeMember(id: $id) { deletedID } }`, map[string]any{"id": heir.ID}); res.code() != "CONFLICT" {
		t.Fatalf("the last owner left: %s", res.raw)
	}
}

// A token with an expiry cannot mint one that outlives it; an admin's can.
func TestTokensDoNotOutliveTheirCreator(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	ctx := system()
	short, err := auth.Bootstrap(ctx, env.db.Client, "mortal", false, "short", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	limit := env.db.Client.Token.Query().Where(tokenNamed("short")).OnlyX(ctx).ExpiresAt
	for _, expiresIn := range []string{"", "720h"} {
		in := map[string]any{"name": "minted" + expiresIn}
		if expiresIn != "" {
			in["expiresIn"] = expiresIn
		}
		var got struct {
			Token struct{ ExpiresAt *time.Time }
		}
		env.as(short).do(t, `mutation($in: CreateTokenInput!) { createToken(input: $in) { token { expiresAt } } }`, map[string]any{"in": in}).field(t, "createToken", &got)
		if got.Token.ExpiresAt == nil || got.Token.ExpiresAt.After(*limit) {
			t.Errorf("expiresIn %q: a one-hour token minted one expiring %v (its own: %v)", expiresIn, got.Token.ExpiresAt, limit)
		}
	}
	// Shorter than the creator's stays as asked.
	var got struct {
		Token struct{ ExpiresAt *time.Time }
	}
	env.as(short).do(t, `mutation { createToken(input: {name: "brief", expiresIn: "1m"}) { token { expiresAt } } }`, nil).field(t, "createToken", &got)
	if got.Token.ExpiresAt == nil || time.Until(*got.Token.ExpiresAt) > 2*time.Minute {
		t.Errorf("a one-minute token expires %v", got.Token.ExpiresAt)
	}
	admin, err := auth.Bootstrap(ctx, env.db.Client, "root", true, "admin-short", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	env.as(admin).do(t, `mutation { createToken(input: {name: "forever"}) { token { expiresAt } } }`, nil).field(t, "createToken", &got)
	if got.Token.ExpiresAt != nil {
		t.Errorf("an admin's token was capped: %v", got.Token.ExpiresAt)
	}
}
