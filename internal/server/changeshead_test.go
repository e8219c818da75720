package server

import (
	"strconv"
	"testing"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

const headQuery = `query($p: ID) { changesHead(projectID: $p) }`

// TestChangesHeadListThenFollowAfterCompaction: once the change log is
// compacted, changes(since: 0) is refused, so a client had no gap-free way
// to learn where to follow from. changesHead gives it the head: list, then
// subscribe with since = head, and the next change arrives exactly once.
func TestChangesHeadListThenFollowAfterCompaction(t *testing.T) {
	env := sqliteEnv(t, nil)
	a := env.newTenant(t, "alpha")
	// Three versions of one object: compaction keeps only the newest.
	for i, typ := range []changelog.Type{changelog.Added, changelog.Modified, changelog.Modified} {
		ev := changelog.Event{ClusterID: gid.ID(a.objects[1]), ProjectID: gid.ID(a.project), Kind: "ConfigMap",
			Namespace: "ns", Name: "cfg", Type: typ, Object: map[string]any{"v": i}}
		if err := env.server.writer.Submit(system(), ev); err != nil {
			t.Fatal(err)
		}
		if err := env.server.writer.Flush(system()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.server.log_.Compact(system(), 0, 1); err != nil {
		t.Fatal(err)
	}
	viewer := env.as(a.tokens[member.RoleVIEWER])
	vars := map[string]any{"p": a.project}
	if res := viewer.do(t, `query($p: ID) { changes(since: 0, filter: {projectID: $p}) { head } }`, vars); res.reason() != "REVISION_COMPACTED" {
		t.Fatalf("changes(since: 0) after compaction: %s", res.raw)
	}
	want, err := env.server.log_.Head(system())
	if err != nil {
		t.Fatal(err)
	}
	var head int
	viewer.do(t, headQuery, vars).field(t, "changesHead", &head)
	if int64(head) != want || head == 0 {
		t.Fatalf("changesHead = %d, want the log's head %d", head, want)
	}
	// Without a project the head is the same: revisions are the whole log's.
	var all int
	viewer.do(t, headQuery, nil).field(t, "changesHead", &all)
	if all != head {
		t.Fatalf("changesHead without a project = %d, want %d", all, head)
	}

	ws := env.dialGraphQL(t, a.tokens[member.RoleVIEWER])
	ws.subscribeWS("follow", `subscription($p: ID, $since: Int) { changes(filter: {projectID: $p}, since: $since) { `+changeFields+` } }`,
		map[string]any{"p": a.project, "since": head})
	env.submitChange(t, a, "four")
	if c := ws.nextChange("follow"); c.Name != "four" || c.Revision != head+1 {
		t.Fatalf("first change after following from head %d: %+v", head, c)
	}
}

// TestChangesHeadIsGuarded: an outsider, a revoked token and another
// project's member cannot read it through a project they may not view.
func TestChangesHeadIsGuarded(t *testing.T) {
	env := sqliteEnv(t, nil)
	a, b := env.newTenant(t, "alpha"), env.newTenant(t, "beta")
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	owner := env.as(a.tokens[member.RoleOWNER])
	owner.do(t, `mutation { createToken(input: {name: "gone"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	env.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": created.Token.ID})

	vars := map[string]any{"p": a.project}
	for name, tc := range map[string]struct {
		token string
		vars  map[string]any
		code  string
	}{
		"outsider":             {"", nil, "UNAUTHENTICATED"},
		"outsider, project":    {"", vars, "UNAUTHENTICATED"},
		"revoked":              {created.Secret, nil, "UNAUTHENTICATED"},
		"revoked, project":     {created.Secret, vars, "UNAUTHENTICATED"},
		"other project viewer": {b.tokens[member.RoleVIEWER], vars, "FORBIDDEN"},
		"other project owner":  {b.tokens[member.RoleOWNER], vars, "FORBIDDEN"},
		"malformed project":    {a.tokens[member.RoleVIEWER], map[string]any{"p": "prj_nope"}, "BAD_USER_INPUT"},
	} {
		res := env.as(tc.token).do(t, headQuery, tc.vars)
		if res.code() != tc.code || string(res.Data["changesHead"]) != "" && string(res.Data["changesHead"]) != "null" {
			t.Errorf("%s: %s; want %s and no head", name, res.raw, tc.code)
		}
	}
	res := env.as(a.tokens[member.RoleVIEWER]).do(t, headQuery, vars)
	if _, err := strconv.Atoi(string(res.Data["changesHead"])); err != nil || len(res.Errors) > 0 {
		t.Fatalf("a project's viewer: %s", res.raw)
	}
}
