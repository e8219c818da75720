package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/graph"
	"github.com/bcs-io/bcs/internal/auth"
)

// addUser makes a user who is a member of each project with the role
// given, and issues a token for them; it returns the token and the
// membership ids by project.
func (e *testEnv) addUser(t *testing.T, name string, roles map[string]member.Role) (string, map[string]string) {
	t.Helper()
	ids := map[string]string{}
	for p, role := range roles {
		var m struct{ ID string }
		e.do(t, `mutation($p: ID!, $u: String!, $r: MemberRole!) { addMember(projectID: $p, userName: $u, role: $r) { id } }`,
			map[string]any{"p": p, "u": name, "r": role}).field(t, "addMember", &m)
		ids[p] = m.ID
	}
	tok, err := auth.Bootstrap(system(), e.db.Client, name, false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok, ids
}

// nextPayload reads the next `next` payload under id, raw, skipping
// keep-alives.
func (s *gqlSocket) nextPayload(id string) string {
	s.t.Helper()
	for {
		m := s.read()
		if m.Type == "ping" {
			continue
		}
		if m.Type != "next" || m.ID != id {
			s.t.Fatalf("got %s id=%s %s; want next for %s", m.Type, m.ID, m.Payload, id)
		}
		return string(m.Payload)
	}
}

// untilChange reads changes under id until the one named name and returns
// its payload; every change on the way must be of project.
func (s *gqlSocket) untilChange(id, project, name string) string {
	s.t.Helper()
	for {
		raw := s.nextPayload(id)
		var p struct {
			Data struct{ Changes changeView }
		}
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			s.t.Fatal(err)
		}
		if p.Data.Changes.ProjectID != project {
			s.t.Fatalf("%s: received a change of project %s: %s", id, p.Data.Changes.ProjectID, raw)
		}
		if p.Data.Changes.Name == name {
			return raw
		}
	}
}

// Live `changes` subscriptions share by what their filter can reach, not
// by token: different users — a viewer and an owner alike, since a
// Change reads the same for every role — share when they reach the same
// projects, and a user who reaches more does not join them. An outsider
// naming the project gets FORBIDDEN and joins nothing.
func TestSharingFollowsTheEffectiveScope(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	a, b := env.newTenant(t, "alpha"), env.newTenant(t, "beta")
	both, _ := env.addUser(t, "in-both", map[string]member.Role{a.project: member.RoleVIEWER, b.project: member.RoleDEVELOPER})

	live := `subscription { changes { ` + changeFields + ` object } }`
	inA := `subscription($p: ID) { changes(filter: {projectID: $p}) { ` + changeFields + ` object } }`
	pa := map[string]any{"p": a.project}
	type sub struct {
		s       *gqlSocket
		id      string
		project string
	}
	open := func(token, id, query string, vars map[string]any, project string) sub {
		s := env.dialGraphQL(t, token)
		s.subscribeWS(id, query, vars)
		return sub{s, id, project}
	}
	aViewer := open(a.tokens[member.RoleVIEWER], "av", live, nil, a.project)
	aOwner := open(a.tokens[member.RoleOWNER], "ao", live, nil, a.project)
	bothLive := open(both, "both", live, nil, "")
	bViewer := open(b.tokens[member.RoleVIEWER], "bv", live, nil, b.project)
	aDevInA := open(a.tokens[member.RoleDEVELOPER], "ad-a", inA, pa, a.project)
	bothInA := open(both, "both-a", inA, pa, a.project)

	outsider := env.dialGraphQL(t, b.tokens[member.RoleOWNER])
	outsider.subscribeWS("x", inA, pa)
	if m := outsider.result("x"); !strings.Contains(string(m.Payload), `"code":"FORBIDDEN"`) || strings.Contains(string(m.Payload), `"changes":{`) {
		t.Fatalf("an outsider naming the project: %s %s; want FORBIDDEN and no data", m.Type, m.Payload)
	}

	// {aViewer, aOwner}, {bothLive}, {bViewer}, {aDevInA, bothInA}.
	eventually(t, "6 subscriptions in 4 shared executions", func() bool {
		return env.server.share.Members() == 6 && env.server.share.Groups() == 4 && env.server.hub.Subscribers() == 4
	})

	ctx := system()
	secret := changelog.Event{ClusterID: gid.ID(a.objects[1]), ProjectID: gid.ID(a.project), Kind: "Secret", Namespace: "ns",
		Name: "db", Type: changelog.Added, Object: map[string]any{"metadata": map[string]any{"name": "db"}, "data": map[string]any{"password": "aHVudGVyMg=="}}}
	if err := env.server.writer.Submit(ctx, secret); err != nil {
		t.Fatal(err)
	}
	env.submitChange(t, b, "beta-1")
	env.submitChange(t, a, "alpha-1")

	got := map[string]string{}
	for _, s := range []sub{aViewer, aOwner, aDevInA, bothInA} {
		got[s.id] = s.s.untilChange(s.id, s.project, "db")
		if strings.Contains(got[s.id], "aHVudGVyMg") {
			t.Fatalf("%s received the Secret's data: %s", s.id, got[s.id])
		}
		s.s.untilChange(s.id, s.project, "alpha-1")
	}
	if got["av"] != got["ao"] {
		t.Fatalf("a viewer and an owner sharing an execution read different payloads:\n%s\n%s", got["av"], got["ao"])
	}
	bViewer.s.untilChange("bv", b.project, "beta-1")
	// The user of both projects sees both, in revision order.
	for _, name := range []string{"db", "beta-1", "alpha-1"} {
		for {
			var p struct{ Data struct{ Changes changeView } }
			_ = json.Unmarshal([]byte(bothLive.s.nextPayload("both")), &p)
			if p.Data.Changes.ProjectID != a.project && p.Data.Changes.ProjectID != b.project {
				t.Fatalf("in-both received a change of project %s", p.Data.Changes.ProjectID)
			}
			if p.Data.Changes.Name == name {
				break
			}
		}
	}
}

// A member of a shared execution whose token is revoked, or who is
// removed from the project, stops receiving at once and its socket
// closes; the other members — other users sharing the same scope — keep
// receiving, even when the one who leaves started the execution.
func TestSharedMemberRevokedOrRemovedLeavesAlone(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	a := env.newTenant(t, "alpha")
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	env.as(a.tokens[member.RoleVIEWER]).do(t, `mutation { createToken(input: {name: "ws"}) { secret token { id } } }`, nil).
		field(t, "createToken", &created)
	extra, memberships := env.addUser(t, "extra", map[string]member.Role{a.project: member.RoleVIEWER})

	query := `subscription($p: ID) { changes(filter: {projectID: $p}) { ` + changeFields + ` } }`
	vars := map[string]any{"p": a.project}
	first := env.dialGraphQL(t, created.Secret)
	first.subscribeWS("1", query, vars)
	eventually(t, "the first member's execution", func() bool { return env.server.share.Members() == 1 })
	dev := env.dialGraphQL(t, a.tokens[member.RoleDEVELOPER])
	dev.subscribeWS("2", query, vars)
	removed := env.dialGraphQL(t, extra)
	removed.subscribeWS("3", query, vars)
	eventually(t, "three users in one shared execution", func() bool {
		return env.server.share.Members() == 3 && env.server.share.Groups() == 1 && env.server.hub.Subscribers() == 1
	})
	env.submitChange(t, a, "before")
	for i, s := range []*gqlSocket{first, dev, removed} {
		s.untilChange(string(rune('1'+i)), a.project, "before")
	}

	// The member who started the execution is revoked.
	env.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": created.Token.ID})
	env.submitChange(t, a, "after-revoke")
	code, reason, seen := first.untilClosed()
	noChangeNamed(t, seen, "after-revoke")
	if code != 4403 || !strings.Contains(reason, "revoked") {
		t.Fatalf("the revoked member's socket closed with %d %q; want 4403", code, reason)
	}
	dev.untilChange("2", a.project, "after-revoke")
	removed.untilChange("3", a.project, "after-revoke")

	// Another member is removed from the project.
	if res := env.do(t, `mutation($id: ID!) { removeMember(id: $id) { deletedID } }`, map[string]any{"id": memberships[a.project]}); len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	env.submitChange(t, a, "after-removal")
	code, _, seen = removed.untilClosed()
	noChangeNamed(t, seen, "after-removal")
	if code != 4403 {
		t.Fatalf("the removed member's socket closed with %d; want 4403", code)
	}
	dev.untilChange("2", a.project, "after-removal")
	eventually(t, "one member left in the execution", func() bool {
		return env.server.share.Members() == 1 && env.server.share.Groups() == 1 && env.server.hub.Subscribers() == 1
	})
}

// Every field of Change is classified for sharing: a field added to the
// type shares across viewers only once someone has decided that it reads
// the same for every viewer who may see the change (changeFieldsShared);
// until then a selection of it keys by token. This test names the
// decision to make.
func TestChangeFieldsAreClassifiedForSharing(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	change := schema.Types["Change"]
	if change == nil {
		t.Fatal("no Change type in the schema")
	}
	for _, f := range change.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		if !changeFieldsShared[f.Name] && !changeFieldsByToken[f.Name] {
			t.Errorf("Change.%s is new: add it to changeFieldsShared if it reads the same for every viewer who may see the change (no resolver reading the viewer, no redaction by role), else to changeFieldsByToken", f.Name)
		}
		if len(f.Arguments) > 0 && changeFieldsShared[f.Name] {
			t.Errorf("Change.%s takes arguments; the key covers them through the document, check that it still reads the same for every viewer", f.Name)
		}
	}
}

// changeFieldsByToken are fields of Change known to depend on the viewer;
// selecting one keys a subscription by token (none today).
var changeFieldsByToken = map[string]bool{}
