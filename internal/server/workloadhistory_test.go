package server

import (
	"slices"
	"testing"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

const historyQuery = `query($id: ID!, $first: Int) { node(id: $id) { ... on Workload {
	events(first: $first) { name object } revisions { name object } } } }`

// TestWorkloadEventsAndRevisions: the workload page's events and revision
// history come from the change log (Events and ReplicaSets have no table):
// the latest state of each, only the workload's own, deleted ones gone.
func TestWorkloadEventsAndRevisions(t *testing.T) {
	env := sqliteEnv(t, nil)
	a, b := env.newTenant(t, "alpha"), env.newTenant(t, "beta")
	cl := gid.ID(a.objects[1])
	submit := func(kind, name string, typ changelog.Type, obj map[string]any) {
		t.Helper()
		ev := changelog.Event{ClusterID: cl, Kind: kind, Namespace: "ns", Name: name, Type: typ, Object: obj}
		if err := env.server.writer.Submit(system(), ev); err != nil {
			t.Fatal(err)
		}
	}
	event := func(name, reason, involved string) {
		submit("Event", name, changelog.Added, map[string]any{"name": name, "type": "Normal", "reason": reason, "involved": involved, "count": 1})
	}
	rs := func(name, revision, owner string) {
		submit("ReplicaSet", name, changelog.Added, map[string]any{"name": name, "revision": revision, "owner": owner, "replicas": 1, "ready": 1})
	}
	event("web.1", "ScalingReplicaSet", "Deployment/web")
	event("web-aaa-x1.1", "Pulled", "Pod/web-aaa-x1")
	event("web-aaa-x1.1", "Started", "Pod/web-aaa-x1") // the same Event, later: one entry, its latest state
	event("other.1", "ScalingReplicaSet", "Deployment/other")
	event("webapp.1", "ScalingReplicaSet", "Deployment/webapp")
	event("web-gone.1", "Killing", "Pod/web-gone")
	submit("Event", "web-gone.1", changelog.Deleted, nil)
	rs("web-aaa", "1", "Deployment/web")
	rs("web-ccc", "10", "Deployment/web")
	rs("web-bbb", "2", "Deployment/web")
	rs("web-ddd", "11", "Deployment/web")
	submit("ReplicaSet", "web-ddd", changelog.Deleted, nil)
	rs("web-x-1", "1", "Deployment/web-x") // a prefix match owned by another Deployment
	if err := env.server.writer.Flush(system()); err != nil {
		t.Fatal(err)
	}

	wl := a.objects[3]
	type entry struct {
		Name   string
		Object map[string]any
	}
	var got struct {
		Events, Revisions []entry
	}
	env.as(a.tokens[member.RoleVIEWER]).do(t, historyQuery, map[string]any{"id": wl}).field(t, "node", &got)
	var names, reasons, revs []string
	for _, e := range got.Events {
		names = append(names, e.Name)
		reasons = append(reasons, e.Object["reason"].(string))
	}
	if !slices.Equal(names, []string{"web-aaa-x1.1", "web.1"}) || !slices.Equal(reasons, []string{"Started", "ScalingReplicaSet"}) {
		t.Errorf("events: %v %v; want the workload's own, latest state, newest first", names, reasons)
	}
	for _, r := range got.Revisions {
		revs = append(revs, r.Name+"@"+r.Object["revision"].(string))
	}
	if !slices.Equal(revs, []string{"web-ccc@10", "web-bbb@2", "web-aaa@1"}) {
		t.Errorf("revisions: %v; want the Deployment's live ReplicaSets, newest revision first", revs)
	}
	var one struct{ Events []entry }
	env.as(a.tokens[member.RoleVIEWER]).do(t, historyQuery, map[string]any{"id": wl, "first": 1}).field(t, "node", &one)
	if len(one.Events) != 1 || one.Events[0].Name != "web-aaa-x1.1" {
		t.Errorf("first: 1 answered %+v", one.Events)
	}
	for _, first := range []int{0, 501} {
		if res := env.as(a.tokens[member.RoleVIEWER]).do(t, historyQuery, map[string]any{"id": wl, "first": first}); res.code() != "BAD_USER_INPUT" {
			t.Errorf("first: %d answered %s", first, res.raw)
		}
	}

	// Outside the project the workload is not there at all.
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	env.as(a.tokens[member.RoleVIEWER]).do(t, `mutation { createToken(input: {name: "gone"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	env.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": created.Token.ID})
	for name, tok := range map[string]string{"outsider": "", "revoked": created.Secret} {
		if res := env.as(tok).do(t, historyQuery, map[string]any{"id": wl}); res.code() != "UNAUTHENTICATED" {
			t.Errorf("%s: %s", name, res.raw)
		}
	}
	res := env.as(b.tokens[member.RoleOWNER]).do(t, historyQuery, map[string]any{"id": wl})
	if string(res.Data["node"]) != "null" {
		t.Errorf("another project's owner: %s", res.raw)
	}
}
