package server

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/internal/auth"
)

// permissionFields maps each field of ProjectPermissions to its IAM action.
var permissionFields = map[string]auth.Action{
	"projectEdit": auth.ProjectEdit, "projectDelete": auth.ProjectDelete, "memberManage": auth.MemberManage,
	"auditView": auth.AuditView, "clusterCreate": auth.ClusterCreate, "clusterManage": auth.ClusterManage,
	"clusterDelete": auth.ClusterDelete, "clusterUse": auth.ClusterUse, "namespaceCreate": auth.NamespaceCreate,
	"namespaceUpdate": auth.NamespaceUpdate, "namespaceDelete": auth.NamespaceDelete, "namespaceUse": auth.NamespaceUse,
	"templateCreate": auth.TemplateCreate, "templateUpdate": auth.TemplateUpdate, "templateDelete": auth.TemplateDelete,
	"templateInstantiate": auth.TemplateInstantiate,
}

func viewerCanSelection() string {
	s := "role"
	for f := range permissionFields {
		s += " " + f
	}
	return s
}

// viewerCan answers each role's permissions as internal/auth decides them,
// everything for a platform admin (role null when not a member), nothing
// at all for an outsider or a revoked token.
func TestViewerCan(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "perm")
	q := `query($id: ID!) { project(id: $id) { viewerCan { ` + viewerCanSelection() + ` } } }`
	read := func(token string) (map[string]any, *gqlResponse) {
		res := env.as(token).do(t, q, map[string]any{"id": tn.project})
		var p struct{ ViewerCan map[string]any }
		if len(res.Errors) == 0 && string(res.Data["project"]) != "null" {
			_ = json.Unmarshal(res.Data["project"], &p)
		}
		return p.ViewerCan, res
	}
	for role, token := range tn.tokens {
		got, res := read(token)
		if got == nil {
			t.Fatalf("%s: %s", role, res.raw)
		}
		if got["role"] != string(role) {
			t.Errorf("%s: role %v", role, got["role"])
		}
		for field, action := range permissionFields {
			if want := auth.RoleAllows(role, action); got[field] != want {
				t.Errorf("%s: %s = %v, want %v", role, field, got[field], want)
			}
		}
	}
	// The viewer of a project may do nothing in it; the owner everything.
	viewer, _ := read(tn.tokens[member.RoleVIEWER])
	owner, _ := read(tn.tokens[member.RoleOWNER])
	for field := range permissionFields {
		if viewer[field] != false || owner[field] != true {
			t.Errorf("%s: viewer %v owner %v", field, viewer[field], owner[field])
		}
	}

	admin, err := auth.Bootstrap(system(), env.db.Client, "root2", true, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	got, res := read(admin)
	if got == nil || got["role"] != nil {
		t.Fatalf("platform admin without membership: %s", res.raw)
	}
	for field := range permissionFields {
		if got[field] != true {
			t.Errorf("admin: %s = %v", field, got[field])
		}
	}

	outsider, err := auth.Bootstrap(system(), env.db.Client, "stranger", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, res := read(outsider); got != nil || (res.code() != "NOT_FOUND" && res.code() != "FORBIDDEN" && string(res.Data["project"]) != "null") {
		t.Fatalf("an outsider read viewerCan: %s", res.raw)
	}

	secret, id := env.newToken(t, tn.tokens[member.RoleOWNER], "soon-revoked")
	env.as(secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": id})
	if got, res := read(secret); got != nil || res.code() != "UNAUTHENTICATED" {
		t.Fatalf("a revoked token read viewerCan: %s", res.raw)
	}
}

// viewerCan on a page of projects costs no query: it is answered from the
// memberships loaded with the token.
func TestViewerCanAddsNoQueries(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "np1")
	for i := range 8 {
		p := env.createProject(t, fmt.Sprintf("P%d", i), fmt.Sprintf("np-%d", i))
		env.do(t, `mutation($p: ID!) { addMember(projectID: $p, userName: "np1-owner", role: DEVELOPER) { id } }`, map[string]any{"p": p.ID})
	}
	dev := env.as(tn.tokens[member.RoleOWNER])
	dev.do(t, `{ me { name } }`, nil) // warm the token's viewer
	count := func(q string) int64 {
		env.queries.Store(0)
		res := dev.do(t, q, nil)
		if len(res.Errors) > 0 {
			t.Fatal(res.raw)
		}
		return env.queries.Load()
	}
	without := count(`{ projects(first: 20) { edges { node { id name } } } }`)
	with := count(`{ projects(first: 20) { edges { node { id name viewerCan { ` + viewerCanSelection() + ` } } } } }`)
	if with != without {
		t.Fatalf("viewerCan over 9 projects: %d queries, %d without it", with, without)
	}
}
