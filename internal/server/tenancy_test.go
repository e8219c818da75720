package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/ent/change"
	"github.com/bcs-io/bcs/ent/chartrepository"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/workload"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/redact"
)

// tenant is one project with a user in each role and some of everything.
type tenant struct {
	project string
	tokens  map[member.Role]string
	members map[member.Role]string // member IDs
	objects []string               // global IDs of the project's rows
}

func (e *testEnv) as(token string) *testEnv {
	c := *e
	c.token = token
	return &c
}

func (e *testEnv) newTenant(t *testing.T, code string) *tenant {
	t.Helper()
	ctx := system()
	p := e.createProject(t, "Project "+code, code)
	tn := &tenant{project: p.ID, tokens: map[member.Role]string{}, members: map[member.Role]string{}}
	for _, role := range []member.Role{member.RoleOWNER, member.RoleMAINTAINER, member.RoleDEVELOPER, member.RoleVIEWER} {
		name := strings.ToLower(fmt.Sprintf("%s-%s", code, role))
		var m struct{ ID string }
		e.do(t, `mutation($p: ID!, $u: String!, $r: MemberRole!) { addMember(projectID: $p, userName: $u, role: $r) { id } }`,
			map[string]any{"p": p.ID, "u": name, "r": role}).field(t, "addMember", &m)
		tok, err := auth.Bootstrap(ctx, e.db.Client, name, false, "t", 0)
		if err != nil {
			t.Fatal(err)
		}
		tn.tokens[role], tn.members[role] = tok, m.ID
	}
	c := e.db.Client
	pid := ID(p.ID)
	cl := c.Cluster.Create().SetName("c-" + code).SetKind(cluster.KindK8S).SetProjectID(pid).SaveX(ctx)
	ns := c.Namespace.Create().SetName("ns").SetClusterID(cl.ID).SetProjectID(pid).SaveX(ctx)
	wl := c.Workload.Create().SetName("web").SetNamespace("ns").SetKind(workload.KindDEPLOYMENT).SetClusterID(cl.ID).SetProjectID(pid).SaveX(ctx)
	pod := c.Pod.Create().SetName("web-1").SetNamespace("ns").SetClusterID(cl.ID).SetProjectID(pid).SetWorkloadID(wl.ID).SaveX(ctx)
	node := c.ClusterNode.Create().SetName("n1").SetClusterID(cl.ID).SetProjectID(pid).SaveX(ctx)
	rev := int64(c.Change.Query().CountX(ctx) + 1)
	chg := c.Change.Create().SetRevision(rev).SetClusterID(cl.ID).SetProjectID(pid).SetKind("Deployment").SetName("web").SetType(change.TypeADDED).SaveX(ctx)
	tpl := c.Template.Create().SetName("t").SetKind("K8S").SetProjectID(pid).SaveX(ctx)
	tv := c.TemplateVersion.Create().SetLabel("v1").SetContent("x").SetDigest("d").SetCreatedAt(time.Now()).SetTemplateID(tpl.ID).SaveX(ctx)
	vr := c.Variable.Create().SetKey("k").SetProjectID(pid).SaveX(ctx)
	in := c.Instance.Create().SetNamespace("ns").SetClusterID(cl.ID).SetProjectID(pid).SetVersionID(tv.ID).SaveX(ctx)
	op := c.Operation.Create().SetAction("SCALE").SetProjectID(pid).SetClusterID(cl.ID).SaveX(ctx)
	crp := c.ChartRepository.Create().SetName("repo").SetURL("oci://charts.example.com/c").SetKind(chartrepository.KindOCI).SetProjectID(pid).SaveX(ctx)
	xs := recordedSession(t, e, p.ID, string(cl.ID))
	tn.objects = []string{p.ID, string(cl.ID), string(ns.ID), string(wl.ID), string(pod.ID), string(node.ID), string(chg.ID),
		string(tpl.ID), string(tv.ID), string(vr.ID), string(in.ID), string(op.ID), xs, string(crp.ID)}
	return tn
}

// rootQueries reads every root field of a type; the test fails when the
// schema has a root field this map does not cover.
var rootQueries = map[string]string{
	"node":            `query($id: ID!) { node(id: $id) { id } }`,
	"nodes":           `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
	"clusters":        `{ clusters { edges { node { id project { id } } } } }`,
	"projects":        `{ projects { edges { node { id clusters { edges { node { id namespaces { edges { node { id } } } workloads { edges { node { id pods { edges { node { id } } } } } } nodes { edges { node { id } } } } } } templates { edges { node { id versions { edges { node { id instances { edges { node { id } } } } } } } } } members { edges { node { id user { id } } } } } } } }`,
	"users":           `{ users { edges { node { id memberships { id project { id } } } } } }`,
	"workloads":       `{ workloads { edges { node { id cluster { id } } } } }`,
	"project":         `query($pid: ID!) { project(id: $pid) { id } }`,
	"me":              `{ me { id memberships { project { id } } } }`,
	"tokens":          `{ tokens { id user { id } } }`,
	"auditLog":        `{ auditLog { edges { node { id projectID targetID } } } }`,
	"_service":        `{ _service { sdl } }`,
	"cluster":         `query($cid: ID!) { cluster(id: $cid) { id } }`,
	"operation":       `query($oid: ID!) { operation(id: $oid) { id } }`,
	"operations":      `{ operations { edges { node { id projectID } } } }`,
	"changes":         `{ changes(since: 0) { changes { id projectID } } }`,
	"changesHead":     `query($pid: ID!) { changesHead(projectID: $pid) }`,
	"replicas":        `{ replicas { id address } }`,
	"template":        `query($tid: ID!) { template(id: $tid) { id } }`,
	"variables":       `query($pid: ID!) { variables(projectID: $pid) { id } }`,
	"previewTemplate": `query($tid: ID!, $cid: ID!) { previewTemplate(templateID: $tid, clusterID: $cid, namespace: "ns") { content } }`,
	"exportTemplates": `query($pid: ID!) { exportTemplates(projectID: $pid) }`,
	"execSessions":    `query($pid: ID!) { execSessions(projectID: $pid) { edges { node { id projectID recording } } } }`,
	"execSession":     `query($xid: ID!) { execSession(id: $xid) { id recording } }`,
	"kubeconfig":      `query($cid: ID!) { kubeconfig(clusterID: $cid) }`,
	"_entities":       `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Project { id } ... on Cluster { id } ... on Workload { id } ... on Namespace { id } } }`,
}

// rootMutations aim every mutation at the other tenant.
var rootMutations = map[string]string{
	"createKubeconfig":      `mutation($cid: ID!) { createKubeconfig(clusterID: $cid) }`,
	"createProject":         ``, // creates the caller's own project: nothing to cross
	"createToken":           ``, // the caller's own token
	"updateProject":         `mutation($pid: ID!) { updateProject(id: $pid, input: {name: "pwned"}) { id } }`,
	"deleteProject":         `mutation($pid: ID!) { deleteProject(id: $pid) { deletedID } }`,
	"revokeToken":           `mutation($tok: ID!) { revokeToken(id: $tok) { id } }`,
	"addMember":             `mutation($pid: ID!) { addMember(projectID: $pid, userName: "intruder", role: OWNER) { id } }`,
	"updateMemberRole":      `mutation($mid: ID!) { updateMemberRole(id: $mid, role: VIEWER) { id } }`,
	"removeMember":          `mutation($mid: ID!) { removeMember(id: $mid) { deletedID } }`,
	"registerCluster":       `mutation($pid: ID!) { registerCluster(input: {projectID: $pid, name: "intruder", kubeconfig: "x"}) { id } }`,
	"createTemplate":        `mutation($pid: ID!) { createTemplate(input: {projectID: $pid, name: "evil", kind: K8S, draft: "x: 1"}) { id } }`,
	"updateTemplateDraft":   `mutation($tid: ID!) { updateTemplateDraft(id: $tid, draft: "x: 2") { id } }`,
	"copyTemplate":          `mutation($tid: ID!) { copyTemplate(id: $tid, name: "stolen") { id } }`,
	"deleteTemplate":        `mutation($tid: ID!) { deleteTemplate(id: $tid) { deletedID } }`,
	"createTemplateVersion": `mutation($tid: ID!) { createTemplateVersion(templateID: $tid, label: "evil") { id } }`,
	"setVariable":           `mutation($pid: ID!) { setVariable(input: {projectID: $pid, key: "k", value: "evil", secret: true}) { id } }`,
	"deleteVariable":        `mutation($vid: ID!) { deleteVariable(id: $vid) { deletedID } }`,
	"instantiateTemplate":   `mutation($tvid: ID!, $cid: ID!) { instantiateTemplate(input: {versionID: $tvid, targets: [{clusterID: $cid, namespace: "ns"}]}) { id } }`,
	"upgradeInstance":       `mutation($iid: ID!, $tvid: ID!) { upgradeInstance(id: $iid, versionID: $tvid) { id } }`,
	"rollbackInstance":      `mutation($iid: ID!) { rollbackInstance(id: $iid) { id } }`,
	"retryInstance":         `mutation($iid: ID!) { retryInstance(id: $iid, force: true) { id } }`,
	"deleteInstance":        `mutation($iid: ID!) { deleteInstance(id: $iid) { deletedID } }`,
	"importTemplates":       `mutation($pid: ID!) { importTemplates(projectID: $pid, document: "{}") { id } }`,
	"registerMesosCluster":  `mutation($pid: ID!) { registerMesosCluster(input: {projectID: $pid, name: "intruder", masters: "http://127.0.0.1:1"}) { id } }`,
	"createRegisterToken":   `mutation($pid: ID!) { createRegisterToken(projectID: $pid, clusterName: "intruder") { token } }`,
	"removeCluster":         `mutation($cid: ID!) { removeCluster(id: $cid) { id } }`,
	"applyManifest":         `mutation($cid: ID!) { applyManifest(input: {clusterID: $cid, manifest: "kind: ConfigMap", force: true}) { id } }`,
	"scaleWorkload":         `mutation($cid: ID!) { scaleWorkload(input: {clusterID: $cid, namespace: "ns", kind: "Deployment", name: "web", replicas: 0}) { id } }`,
	"restartWorkload":       `mutation($cid: ID!) { restartWorkload(input: {clusterID: $cid, namespace: "ns", kind: "Deployment", name: "web"}) { id } }`,
	"rollbackWorkload":      `mutation($cid: ID!) { rollbackWorkload(input: {clusterID: $cid, namespace: "ns", name: "web"}) { id } }`,
	"deleteObject":          `mutation($cid: ID!) { deleteObject(input: {clusterID: $cid, namespace: "ns", kind: "Deployment", name: "web"}) { id } }`,
	"applyNamespace":        `mutation($cid: ID!) { applyNamespace(input: {clusterID: $cid, name: "evil"}) { id } }`,
	"deleteNamespace":       `mutation($cid: ID!) { deleteNamespace(clusterID: $cid, name: "ns") { id } }`,
	"cordonNode":            `mutation($cid: ID!) { cordonNode(clusterID: $cid, name: "n1") { id } }`,
	"uncordonNode":          `mutation($cid: ID!) { uncordonNode(clusterID: $cid, name: "n1") { id } }`,
	"setNodeLabels":         `mutation($cid: ID!) { setNodeLabels(clusterID: $cid, name: "n1", labels: {a: "b"}) { id } }`,
	"setNodeTaints":         `mutation($cid: ID!) { setNodeTaints(clusterID: $cid, name: "n1", taints: [{key: "a", effect: "NoSchedule"}]) { id } }`,
	"drainNode":             `mutation($cid: ID!) { drainNode(clusterID: $cid, name: "n1") { id } }`,
	"setExecRecording":      `mutation($pid: ID!) { setExecRecording(projectID: $pid, enabled: true) { id } }`,
	"syncClusterRBAC":       `mutation($cid: ID!) { syncClusterRBAC(clusterID: $cid) { id } }`,
	"setKubectlSettings":    `mutation($pid: ID!) { setKubectlSettings(projectID: $pid, input: {execMinRole: VIEWER}) { id } }`,
}

func rootFields(t *testing.T, env *testEnv, typ string) []string {
	var ty struct{ Fields []struct{ Name string } }
	res := env.do(t, `query($n: String!) { __type(name: $n) { fields { name } } }`, map[string]any{"n": typ})
	if string(res.Data["__type"]) == "null" {
		return nil
	}
	res.field(t, "__type", &ty)
	var names []string
	for _, f := range ty.Fields {
		names = append(names, f.Name)
	}
	return names
}

func TestIsolationMatrix(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	a, b := env.newTenant(t, "alpha"), env.newTenant(t, "beta")
	ctx := system()
	otherToken := env.db.Client.Token.Query().FirstIDX(ctx) // the admin's: nobody else's business
	outsider, err := auth.Bootstrap(ctx, env.db.Client, "outsider", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range rootFields(t, env, "Query") {
		if _, ok := rootQueries[name]; !ok {
			t.Errorf("root query field %q is not covered by the isolation matrix", name)
		}
	}
	for _, name := range rootFields(t, env, "Mutation") {
		if _, ok := rootMutations[name]; !ok {
			t.Errorf("root mutation field %q is not covered by the isolation matrix", name)
		}
	}
	for _, name := range rootFields(t, env, "Subscription") {
		if !map[string]bool{"changes": true, "operation": true, "clusterStatus": true, "workload": true, "instance": true}[name] {
			t.Errorf("subscription %q is not covered by TestSubscriptionsStayInsideTheProject", name)
		}
	}

	type caller struct {
		name  string
		token string
	}
	for _, pair := range []struct{ mine, theirs *tenant }{{a, b}, {b, a}} {
		callers := []caller{{"outsider", outsider}}
		for role, tok := range pair.mine.tokens {
			callers = append(callers, caller{string(role), tok})
		}
		reps := []map[string]any{}
		for _, id := range pair.theirs.objects[:4] {
			typ := map[string]string{"prj": "Project", "cls": "Cluster", "nsp": "Namespace", "wkl": "Workload"}[id[:3]]
			reps = append(reps, map[string]any{"__typename": typ, "id": id})
		}
		vars := map[string]any{"pid": pair.theirs.project, "ids": pair.theirs.objects, "reps": reps,
			"mid": pair.theirs.members[member.RoleOWNER], "tok": otherToken,
			"cid": pair.theirs.objects[1], "oid": pair.theirs.objects[11],
			"tid": pair.theirs.objects[7], "tvid": pair.theirs.objects[8], "vid": pair.theirs.objects[9], "iid": pair.theirs.objects[10],
			"xid": pair.theirs.objects[12], "rid": pair.theirs.objects[13]}
		for _, c := range callers {
			as := env.as(c.token)
			for name, q := range rootQueries {
				if name == "node" {
					for _, id := range pair.theirs.objects {
						res := as.do(t, q, map[string]any{"id": id})
						if string(res.Data["node"]) != "null" {
							t.Errorf("%s: node(%s) = %s", c.name, id, res.raw)
						}
					}
					continue
				}
				res := as.do(t, q, vars)
				for _, id := range pair.theirs.objects {
					if strings.Contains(string(mustJSON(res.Data)), id) {
						t.Errorf("%s: %s leaked %s: %s", c.name, name, id, res.raw)
					}
				}
				if code := res.code(); code != "" && code != "NOT_FOUND" && code != "FORBIDDEN" {
					t.Errorf("%s: %s answered %s: %s", c.name, name, code, res.raw)
				}
			}
			for name, q := range rootMutations {
				if q == "" {
					continue
				}
				res := as.do(t, q, vars)
				if code := res.code(); code != "FORBIDDEN" && code != "NOT_FOUND" {
					t.Errorf("%s: %s across the boundary answered %q: %s", c.name, name, code, res.raw)
				}
			}
		}
	}
	// Positive control: the same queries do show a tenant its own rows.
	res := env.as(a.tokens[member.RoleVIEWER]).do(t, rootQueries["projects"], nil)
	for _, id := range a.objects[:5] {
		if !strings.Contains(res.raw, id) {
			t.Errorf("a viewer does not see its own %s: %s", id, res.raw)
		}
	}
	// Nothing crossed: the other tenant is intact.
	for _, tn := range []*tenant{a, b} {
		p := env.db.Client.Project.GetX(ctx, ID(tn.project))
		owners := env.db.Client.Member.Query().Where(member.ProjectID(p.ID), member.RoleEQ(member.RoleOWNER)).CountX(ctx)
		if strings.Contains(p.Name, "pwned") || owners != 2 { // the admin who created it, and the owner user
			t.Errorf("project %s changed: %q, %d owners", p.Code, p.Name, owners)
		}
	}
}

func TestRolesWithinAProject(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "gamma")
	vars := map[string]any{"pid": tn.project}
	rename := `mutation($pid: ID!) { updateProject(id: $pid, input: {description: "x"}) { id } }`
	for role, want := range map[member.Role]string{
		member.RoleVIEWER: "FORBIDDEN", member.RoleDEVELOPER: "FORBIDDEN", member.RoleMAINTAINER: "", member.RoleOWNER: "",
	} {
		as := env.as(tn.tokens[role])
		var p project
		as.do(t, `query($pid: ID!) { project(id: $pid) { id name } }`, vars).field(t, "project", &p)
		if p.ID != tn.project {
			t.Errorf("%s cannot read its project", role)
		}
		res := as.do(t, rename, vars)
		if res.code() != want {
			t.Errorf("%s: updateProject answered %q: %s", role, res.code(), res.raw)
		}
		if want == "FORBIDDEN" && res.Errors[0].Extensions["action"] != "project_edit" {
			t.Errorf("FORBIDDEN does not name the action: %s", res.raw)
		}
	}
	res := env.as(tn.tokens[member.RoleMAINTAINER]).do(t, `mutation($pid: ID!) { deleteProject(id: $pid) { deletedID } }`, vars)
	if res.code() != "FORBIDDEN" {
		t.Errorf("maintainer deleted the project: %s", res.raw)
	}
	// The last owner stays: demoting the only non-admin owner is fine (the
	// admin creator also owns it), demoting both is not.
	owners := env.db.Client.Member.Query().Where(member.ProjectID(ID(tn.project)), member.RoleEQ(member.RoleOWNER)).IDsX(system())
	for i, id := range owners {
		res := env.do(t, `mutation($id: ID!) { updateMemberRole(id: $id, role: VIEWER) { id } }`, map[string]any{"id": id})
		if i == len(owners)-1 && res.code() != "CONFLICT" {
			t.Errorf("last owner demoted: %s", res.raw)
		}
	}
}

func TestTokensExpireAndRevoke(t *testing.T) {
	backends(t, func(t *testing.T, env *testEnv) {
		var created struct {
			Secret string
			Token  struct{ ID string }
		}
		env.do(t, `mutation { createToken(input: {name: "ci", expiresIn: "1h"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
		me := `{ me { name } }`
		if res := env.as(created.Secret).do(t, me, nil); len(res.Errors) > 0 {
			t.Fatalf("fresh token refused: %s", res.raw)
		}
		env.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, map[string]any{"id": created.Token.ID})
		if res := env.as(created.Secret).do(t, me, nil); res.status != http.StatusUnauthorized || res.code() != "UNAUTHENTICATED" {
			t.Fatalf("revoked token accepted: %d %s", res.status, res.raw)
		}

		ctx := system()
		secret, err := auth.Bootstrap(ctx, env.db.Client, "temp", false, "short", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tok := env.db.Client.Token.Query().Where(tokenNamed("short")).OnlyX(ctx)
		tok.Update().SetExpiresAt(time.Now().Add(-time.Second)).ExecX(ctx)
		if res := env.as(secret).do(t, me, nil); res.status != http.StatusUnauthorized {
			t.Fatalf("expired token accepted: %s", res.raw)
		}
		for _, header := range []string{"", "Bearer nope", "Basic abc", "Bearer bcs_" + strings.Repeat("A", 43)} {
			req, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/query", strings.NewReader(`{"query":"{ me { name } }"}`))
			req.Header.Set("Content-Type", "application/json")
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			res := env.send(t, req)
			if res.status != http.StatusUnauthorized || res.code() != "UNAUTHENTICATED" {
				t.Errorf("Authorization %q: %d %s", header, res.status, res.raw)
			}
		}
	})
}

func TestAuditLogRecordsMutationsAndDenials(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "delta")
	env.as(tn.tokens[member.RoleVIEWER]).do(t, `mutation($pid: ID!) { updateProject(id: $pid, input: {name: "nope"}) { id } }`, map[string]any{"pid": tn.project})
	var created struct{ Secret string }
	env.do(t, `mutation { createToken(input: {name: "audited"}) { secret } }`, nil).field(t, "createToken", &created)

	var log struct {
		Edges []struct {
			Node struct {
				Action, Actor, Result, ProjectID string
				Arguments                        map[string]any
			}
		}
	}
	env.as(tn.tokens[member.RoleOWNER]).do(t, `{ auditLog(first: 100) { edges { node { action actor result projectID arguments } } } }`, nil).field(t, "auditLog", &log)
	var sawDenied, sawAdd bool
	for _, e := range log.Edges {
		if e.Node.ProjectID != tn.project {
			t.Errorf("owner sees another project's entry: %+v", e.Node)
		}
		sawDenied = sawDenied || (e.Node.Action == "updateProject" && e.Node.Result == "DENIED" && e.Node.Actor == "delta-viewer")
		sawAdd = sawAdd || (e.Node.Action == "addMember" && e.Node.Result == "SUCCESS")
	}
	if !sawDenied || !sawAdd {
		t.Fatalf("audit log lacks entries (denied %v, addMember %v): %+v", sawDenied, sawAdd, log)
	}
	res := env.as(tn.tokens[member.RoleVIEWER]).do(t, `{ auditLog { edges { node { id } } } }`, nil)
	if strings.Contains(res.raw, "aud_") {
		t.Fatalf("a viewer reads the audit log: %s", res.raw)
	}
	all := env.db.Client.AuditEntry.Query().AllX(system())
	for _, e := range all {
		if strings.Contains(string(mustJSON(e.Arguments)), created.Secret) {
			t.Fatalf("a token secret reached the audit log: %+v", e)
		}
	}
}

func TestRedactHidesSecretLikeKeys(t *testing.T) {
	got := Redact(redact.KeyedBy(testBox(t)), map[string]any{
		"input": map[string]any{"name": "c1", "kubeconfig": "apiVersion: v1", "nested": map[string]any{"clientSecret": "s", "password": "p"}},
		"token": "bcs_x", "projectID": "prj_1",
		"apply":    map[string]any{"Manifest": "kind: Secret\nmetadata: {name: db}\nstringData: {password: m1}\n"},
		"draft":    "stringData: {password: m2}",
		"document": "m3",
		"variable": struct{ Key, Value string }{"db", "m4"},
		"masters":  "http://u:m5@master:5050",
	})
	s := string(mustJSON(got))
	for _, leak := range []string{"apiVersion: v1", `"s"`, `"p"`, "bcs_x", "m1", "m2", "m3", "m4", "m5"} {
		if strings.Contains(s, leak) {
			t.Errorf("redacted args still hold %s: %s", leak, s)
		}
	}
	if !strings.Contains(s, "prj_1") || !strings.Contains(s, "c1") || !strings.Contains(s, `"name":"db"`) || !strings.Contains(s, `"Key":"db"`) {
		t.Errorf("redaction removed ordinary values: %s", s)
	}
}

// whereRoot is a field that takes a where input: Owner.Field(where: Where).
type whereRoot struct{ Owner, Field, Where string }

func (r whereRoot) String() string { return r.Owner + "." + r.Field }

// whereRoots lists every field of every object type with a where argument.
func whereRoots(types map[string]introType) []whereRoot {
	var out []whereRoot
	for name, ty := range types {
		if ty.Kind != "OBJECT" || strings.HasPrefix(name, "__") {
			continue
		}
		for _, f := range ty.Fields {
			for _, a := range f.Args {
				if a.Name == "where" {
					out = append(out, whereRoot{Owner: name, Field: f.Name, Where: a.Type.named()})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// storedIDs lists the global IDs of every row a where input can name.
func storedIDs(t *testing.T, env *testEnv) []gid.ID {
	ctx, c := system(), env.db.Client
	var out []gid.ID
	for _, ids := range [][]gid.ID{
		c.Project.Query().IDsX(ctx), c.Member.Query().IDsX(ctx), c.User.Query().IDsX(ctx),
		c.Cluster.Query().IDsX(ctx), c.ClusterNode.Query().IDsX(ctx), c.Namespace.Query().IDsX(ctx),
		c.Workload.Query().IDsX(ctx), c.Pod.Query().IDsX(ctx), c.Template.Query().IDsX(ctx),
		c.TemplateVersion.Query().IDsX(ctx), c.Instance.Query().IDsX(ctx), c.Variable.Query().IDsX(ctx),
		c.Operation.Query().IDsX(ctx), c.AuditEntry.Query().IDsX(ctx), c.Change.Query().IDsX(ctx),
	} {
		out = append(out, ids...)
	}
	return out
}

// totalCount finds the one totalCount in an answer.
func totalCount(t *testing.T, res *gqlResponse) int {
	t.Helper()
	var walk func(v any) (int, bool)
	walk = func(v any) (int, bool) {
		switch v := v.(type) {
		case map[string]any:
			if n, ok := v["totalCount"].(float64); ok {
				return int(n), true
			}
			for _, c := range v {
				if n, ok := walk(c); ok {
					return n, true
				}
			}
		}
		return 0, false
	}
	var data any
	_ = json.Unmarshal(mustJSON(res.Data), &data)
	n, ok := walk(data)
	if !ok || len(res.Errors) > 0 {
		t.Fatalf("no count in %s", res.raw)
	}
	return n
}

// TestIsolationMatrixCoversEveryFilter extends the matrix to every where
// argument. The attacker's project holds a member of the victim's (the
// blind-read set-up). For every field that takes a where input, and every
// edge predicate reachable from it through other edge predicates, each role
// of the attacker filters on rows it cannot see (named by ID): the count must
// be 0, while the same filter on rows it can see counts them (the filter
// does filter). Edge by edge is enough: the outer rows are visible, so if no
// edge leads from a visible row to an invisible one, no chain of them does.
func TestIsolationMatrixCoversEveryFilter(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	a := env.newTenant(t, "alpha")
	env.newTenant(t, "beta")
	env.as(a.tokens[member.RoleOWNER]).do(t, `mutation($p: ID!) { addMember(projectID: $p, userName: "beta-owner", role: VIEWER) { id } }`,
		map[string]any{"p": a.project}).field(t, "addMember", &struct{ ID string }{})
	types := schemaTypes(t, env)
	roots := whereRoots(types)
	edges := map[string][]whereEdge{}
	for _, e := range edgePredicates(types) {
		edges[e.In] = append(edges[e.In], e)
	}

	// Filter arguments other than where inputs, aimed at the victim.
	victim := map[string]any{"pid": env.db.Client.Cluster.Query().Where(cluster.Name("c-beta")).OnlyX(system()).ProjectID,
		"cid": env.db.Client.Cluster.Query().Where(cluster.Name("c-beta")).OnlyIDX(system())}
	filterArgs := map[string][]string{
		"Query.changes": {
			`query($cid: ID!) { changes(since: 0, filter: {clusterIDs: [$cid]}) { changes { id projectID } } }`,
			`query($pid: ID!, $cid: ID!) { changes(since: 0, filter: {projectID: $pid, clusterIDs: [$cid]}) { changes { id projectID } } }`,
		},
		"Subscription.changes": nil, // TestSubscriptionsStayInsideTheProject
	}
	for name, ty := range types {
		for _, f := range ty.Fields {
			for _, arg := range f.Args {
				if _, ok := filterArgs[name+"."+f.Name]; arg.Name == "filter" && !ok && !strings.HasPrefix(name, "__") {
					t.Errorf("%s.%s(filter:) is not covered by the isolation matrix", name, f.Name)
				}
			}
		}
	}
	for _, role := range []member.Role{member.RoleVIEWER, member.RoleOWNER} {
		for _, q := range filterArgs["Query.changes"] {
			res := env.as(a.tokens[role]).do(t, q, victim)
			if strings.Contains(res.raw, string(victim["pid"].(gid.ID))) || (res.code() != "" && res.code() != "FORBIDDEN") {
				t.Errorf("%s: %s answered %s", role, q, res.raw)
			}
		}
	}

	typeOf := map[gid.ID]string{}
	for _, id := range storedIDs(t, env) {
		var n struct {
			Typename string `json:"__typename"`
		}
		env.do(t, `query($id: ID!) { node(id: $id) { __typename } }`, map[string]any{"id": id}).field(t, "node", &n)
		typeOf[id] = n.Typename
	}

	outsider, err := auth.Bootstrap(system(), env.db.Client, "outsider", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	callers := map[string]string{"outsider": outsider}
	for _, role := range []member.Role{member.RoleVIEWER, member.RoleDEVELOPER, member.RoleMAINTAINER, member.RoleOWNER} {
		callers[string(role)] = a.tokens[role]
	}
	for role, tok := range callers {
		// The outsider sees no row to start a nested filter from, nor any to
		// count: it filters from the root fields, on hidden rows only.
		member := role != "outsider"
		as := env.as(tok)
		visible := map[gid.ID]bool{}
		for id := range typeOf {
			visible[id] = string(as.do(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).Data["node"]) != "null"
		}
		idsOf := func(typ string, seen bool) []string {
			out := []string{}
			for id, ty := range typeOf {
				if ty == typ && visible[id] == seen {
					out = append(out, string(id))
				}
			}
			sort.Strings(out)
			return out
		}
		count := func(r whereRoot, where map[string]any) int {
			if r.Owner == "Query" {
				return totalCount(t, as.do(t, fmt.Sprintf(`query($w: %s) { %s(where: $w) { totalCount } }`, r.Where, r.Field), map[string]any{"w": where}))
			}
			parents := idsOf(r.Owner, true)
			if len(parents) == 0 {
				t.Fatalf("%s: the fixture has no %s the caller sees", r, r.Owner)
			}
			q := fmt.Sprintf(`query($w: %s, $p: ID!) { node(id: $p) { ... on %s { %s(where: $w) { totalCount } } } }`, r.Where, r.Owner, r.Field)
			return totalCount(t, as.do(t, q, map[string]any{"w": where, "p": parents[0]}))
		}
		for _, r := range roots {
			if !member && r.Owner != "Query" {
				continue
			}
			typ := strings.TrimSuffix(r.Where, "WhereInput")
			if hidden := idsOf(typ, false); len(hidden) == 0 {
				t.Errorf("%s: the fixture has no %s hidden from %s", r, typ, role)
			} else if n := count(r, map[string]any{"idIn": hidden}); n != 0 {
				t.Errorf("%s: %s(where: {idIn: <hidden>}) counts %d", role, r, n)
			}
			// Breadth first through edge predicates: chain holds the path
			// from the root's where input to each where input reached.
			type step struct {
				where string
				chain []string
			}
			queue, reached := []step{{r.Where, nil}}, map[string]bool{r.Where: true}
			for len(queue) > 0 {
				s := queue[0]
				queue = queue[1:]
				for _, e := range edges[s.where] {
					to := strings.TrimSuffix(e.To, "WhereInput")
					wrap := func(ids []string) map[string]any {
						w := map[string]any{e.Field: []any{map[string]any{"idIn": ids}}}
						for i := len(s.chain) - 1; i >= 0; i-- {
							w = map[string]any{s.chain[i]: []any{w}}
						}
						return w
					}
					path := strings.Join(append(append([]string{r.String()}, s.chain...), e.Field), ".")
					if hidden := idsOf(to, false); len(hidden) == 0 {
						t.Errorf("%s: the fixture has no %s hidden from %s", path, to, role)
					} else if n := count(r, wrap(hidden)); n != 0 {
						t.Errorf("%s: %s on hidden %s counts %d: a blind read", role, path, to, n)
					}
					if member {
						if n := count(r, wrap(idsOf(to, true))); n == 0 {
							t.Errorf("%s: %s on visible %s counts nothing: the matrix does not reach it", role, path, to)
						}
					}
					if !reached[e.To] {
						reached[e.To] = true
						queue = append(queue, step{e.To, append(append([]string{}, s.chain...), e.Field)})
					}
				}
			}
		}
	}
}
