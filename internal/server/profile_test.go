package server

import (
	"strings"
	"testing"

	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/user"
	"github.com/bcs-io/bcs/internal/auth"
)

// addMember lets anyone who manages a project make anyone a co-member, and
// co-members could read each other's email and admin flag, directly or a
// guess at a time through filters. Now those fields are the user's own
// (and platform admins'), and adding an existing user answers exactly as
// adding a new one.
func TestAddMemberRevealsNothingAboutTheUser(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	ctx := system()
	victim, err := auth.Bootstrap(ctx, env.db.Client, "victim", true, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	env.db.Client.User.Update().Where(user.Name("victim")).SetEmail("victim@corp.example").ExecX(ctx)
	attacker, err := auth.Bootstrap(ctx, env.db.Client, "attacker", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	as := env.as(attacker)
	var p project
	as.do(t, createProject, map[string]any{"in": map[string]any{"name": "Trap", "code": "trap"}}).field(t, "createProject", &p)

	// Read back as any co-member would, then through addMember's own answer.
	as.do(t, `mutation($p: ID!) { addMember(projectID: $p, userName: "victim", role: VIEWER) { id } }`, map[string]any{"p": p.ID})
	members := as.do(t, `query($p: ID!) { project(id: $p) { members { edges { node { user { name email admin } } } } } }`, map[string]any{"p": p.ID})
	for _, leak := range []string{"corp.example", `"admin":true`} {
		if strings.Contains(members.raw, leak) {
			t.Errorf("a co-member reads %s: %s", leak, members.raw)
		}
	}
	add := `mutation($p: ID!, $u: String!) { addMember(projectID: $p, userName: $u, role: VIEWER) { role user { name email admin disabled memberships { role } } } }`
	as.do(t, `mutation($p: ID!) { removeMember(id: $p) { deletedID } }`, map[string]any{"p": memberOf(t, env, p.ID, "victim")})
	existing := as.do(t, add, map[string]any{"p": p.ID, "u": "victim"})
	fresh := as.do(t, add, map[string]any{"p": p.ID, "u": "nobody-yet"})
	if len(existing.Errors) > 0 || len(fresh.Errors) > 0 {
		t.Fatalf("addMember: %s / %s", existing.raw, fresh.raw)
	}
	if got, want := strings.ReplaceAll(existing.raw, "victim", "X"), strings.ReplaceAll(fresh.raw, "nobody-yet", "X"); got != want {
		t.Errorf("adding an existing user answers differently from adding a new one:\n%s\n%s", existing.raw, fresh.raw)
	}
	for _, q := range []string{
		`{ users(where: {name: "victim", admin: true}) { totalCount } }`,
		`{ users(where: {emailHasPrefix: "v"}) { totalCount } }`,
		`{ users(where: {not: {disabled: false}}) { totalCount } }`,
		`{ projects(where: {hasMembersWith: [{hasUserWith: [{emailContains: "corp"}]}]}) { totalCount } }`,
		`query($p: ID!) { project(id: $p) { members(where: {hasUserWith: [{admin: true}]}) { totalCount } } }`,
	} {
		// The where inputs have no such fields (ent/schema/user.go), so
		// validation refuses them before anything is read.
		res := as.do(t, q, map[string]any{"p": p.ID})
		if res.code() != "BAD_USER_INPUT" || !strings.Contains(res.raw, "is not defined by type") {
			t.Errorf("a filter on private fields answered: %s\n%s", res.raw, q)
		}
	}
	// The user themself, and platform admins, still read them.
	for _, tok := range []string{victim, env.token} {
		var u struct {
			Email string
			Admin bool
		}
		env.as(tok).do(t, `{ users(where: {name: "victim"}) { edges { node { email admin } } } }`, nil)
		env.as(victim).do(t, `{ me { email admin } }`, nil).field(t, "me", &u)
		if u.Email != "victim@corp.example" || !u.Admin {
			t.Errorf("the user cannot read their own profile: %+v", u)
		}
	}
}

func memberOf(t *testing.T, env *testEnv, projectID, userName string) string {
	t.Helper()
	return env.db.Client.Member.Query().Where(member.ProjectID(ID(projectID)), member.HasUserWith(user.Name(userName))).OnlyIDX(system()).String()
}
