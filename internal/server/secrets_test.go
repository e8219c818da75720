package server

import (
	"context"
	"strings"
	"testing"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/member"
)

// The values a Secret carries in these tests; none may come back to a
// reader who did not send it.
var secretValues = []string{"hunter2", "aHVudGVyMg==", "var-s3cret", "m4sterpw"}

const secretManifest = `apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: hunter2}
data: {token: aHVudGVyMg==}
`

func leaksSecret(t *testing.T, where, raw string) {
	t.Helper()
	for _, v := range secretValues {
		if strings.Contains(raw, v) {
			t.Errorf("%s shows the Secret value %q: %s", where, v, raw)
		}
	}
}

// usableTenant is a tenant whose cluster takes operations.
func (e *testEnv) usableTenant(t *testing.T, code string) (*tenant, string) {
	t.Helper()
	tn := e.newTenant(t, code)
	cid := tn.objects[1]
	e.db.Client.Cluster.UpdateOneID(ID(cid)).SetStatus(cluster.StatusNORMAL).ExecX(system())
	return tn, cid
}

// TestViewersReadNoSecretInOperations: applyManifest's operation keeps what
// was applied (kinds, names, a digest), never the manifest, so a viewer
// reading it, or the list, finds no Secret value.
func TestViewersReadNoSecretInOperations(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn, cid := env.usableTenant(t, "ops")
	var op struct{ ID string }
	env.as(tn.tokens[member.RoleDEVELOPER]).do(t, `mutation($c: ID!, $m: String!) { applyManifest(input: {clusterID: $c, namespace: "ns", manifest: $m}) { id } }`,
		map[string]any{"c": cid, "m": secretManifest}).field(t, "applyManifest", &op)

	viewer := env.as(tn.tokens[member.RoleVIEWER])
	viewer.waitOperation(t, op.ID) // the outcome (the cluster has no credentials) lands too
	res := viewer.do(t, `query($id: ID!) { operation(id: $id) { status request result reason message } }`, map[string]any{"id": op.ID})
	if len(res.Errors) > 0 {
		t.Fatalf("a viewer cannot read the operation: %s", res.raw)
	}
	leaksSecret(t, "operation(id:)", res.raw)
	for _, want := range []string{`"kind":"Secret"`, `"name":"db"`, `"digest":"`, `"namespace":"ns"`} {
		if !strings.Contains(res.raw, want) {
			t.Errorf("the request does not say what was applied (%s): %s", want, res.raw)
		}
	}
	leaksSecret(t, "operations", viewer.do(t, `{ operations { edges { node { request result message } } } }`, nil).raw)
}

// TestAuditLogHoldsNoSecrets: every mutation argument that carries a secret
// or a document is redacted or summarised in the audit log an owner reads.
func TestAuditLogHoldsNoSecrets(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn, cid := env.usableTenant(t, "aud")
	owner := env.as(tn.tokens[member.RoleOWNER])
	vars := map[string]any{"p": tn.project, "c": cid, "m": secretManifest, "t": tn.objects[7],
		"doc": `{"templates": [{"name": "x", "kind": "K8S", "draft": "` + strings.ReplaceAll(secretManifest, "\n", `\n`) + `"}]}`}
	for _, m := range []string{
		`mutation($c: ID!, $m: String!) { applyManifest(input: {clusterID: $c, manifest: $m}) { id } }`,
		`mutation($p: ID!, $m: String!) { createTemplate(input: {projectID: $p, name: "db", kind: K8S, draft: $m}) { id } }`,
		`mutation($t: ID!, $m: String!) { updateTemplateDraft(id: $t, draft: $m) { id } }`,
		`mutation($p: ID!) { setVariable(input: {projectID: $p, key: "db_password", value: "var-s3cret"}) { id } }`,
		`mutation($p: ID!, $doc: String!) { importTemplates(projectID: $p, document: $doc) { id } }`,
		`mutation($p: ID!) { registerMesosCluster(input: {projectID: $p, name: "m", masters: "http://ops:m4sterpw@127.0.0.1:1"}) { id } }`,
	} {
		owner.do(t, m, vars)
	}
	res := owner.do(t, `{ auditLog(first: 100) { edges { node { action arguments } } } }`, nil)
	for _, action := range []string{"applyManifest", "createTemplate", "updateTemplateDraft", "setVariable", "importTemplates", "registerMesosCluster"} {
		if !strings.Contains(res.raw, `"action":"`+action+`"`) {
			t.Errorf("the audit log lacks %s: %s", action, res.raw)
		}
	}
	leaksSecret(t, "auditLog", res.raw)
	if !strings.Contains(res.raw, `"kind":"Secret"`) || !strings.Contains(res.raw, `"digest":"`) {
		t.Errorf("the audit log does not say which manifest was applied: %s", res.raw)
	}
}

// TestPreviewsHideSecretsFromViewers: a preview renders variables into a
// Secret; a caller without templateset_update sees its keys, not its
// values, while one who may edit the template sees what would be sent.
func TestPreviewsHideSecretsFromViewers(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "prv")
	dev := env.as(tn.tokens[member.RoleDEVELOPER])
	draft := "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: \"{{ db_password }}\"\ndata: {token: aHVudGVyMg==}\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {mode: fast}\n"
	var tpl struct{ ID string }
	dev.do(t, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "db", kind: K8S, draft: $d}) { id } }`,
		map[string]any{"p": tn.project, "d": draft}).field(t, "createTemplate", &tpl)
	dev.do(t, `mutation($p: ID!) { setVariable(input: {projectID: $p, key: "db_password", value: "var-s3cret"}) { id } }`,
		map[string]any{"p": tn.project}).field(t, "setVariable", &struct{ ID string }{})

	preview := `query($t: ID!, $c: ID!) { previewTemplate(templateID: $t, clusterID: $c, namespace: "ns") { content objects { kind name } variables } }`
	vars := map[string]any{"t": tpl.ID, "c": tn.objects[1]}
	for _, role := range []member.Role{member.RoleVIEWER} {
		res := env.as(tn.tokens[role]).do(t, preview, vars)
		if len(res.Errors) > 0 {
			t.Fatalf("%s cannot preview: %s", role, res.raw)
		}
		leaksSecret(t, string(role)+"'s preview", res.raw)
		for _, want := range []string{"password", "token", "mode: fast", `"name":"cfg"`, "db_password"} {
			if !strings.Contains(res.raw, want) {
				t.Errorf("%s's preview lost %q: %s", role, want, res.raw)
			}
		}
	}
	for _, role := range []member.Role{member.RoleDEVELOPER, member.RoleOWNER} {
		res := env.as(tn.tokens[role]).do(t, preview, vars)
		if !strings.Contains(res.raw, "var-s3cret") {
			t.Errorf("%s, who may edit the template, does not see what would be sent: %s", role, res.raw)
		}
	}
}

// TestViewersReadNoSecretInChanges: were a source to report a Secret, the
// change log would hold and serve its keys, never its values.
func TestViewersReadNoSecretInChanges(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "chg")
	ctx := context.Background()
	ev := changelog.Event{ClusterID: ID(tn.objects[1]), Kind: "Secret", Namespace: "ns", Name: "db", Type: changelog.Added,
		Object: map[string]any{"metadata": map[string]any{"name": "db"}, "stringData": map[string]any{"password": "hunter2"}, "data": map[string]any{"token": "aHVudGVyMg=="}}}
	if err := env.server.writer.Submit(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if err := env.server.writer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	res := env.as(tn.tokens[member.RoleVIEWER]).do(t, `{ changes(since: 0, filter: {kinds: ["Secret"]}) { changes { name object } } }`, nil)
	if !strings.Contains(res.raw, `"name":"db"`) || !strings.Contains(res.raw, `"password"`) {
		t.Fatalf("the viewer does not see the change: %s", res.raw)
	}
	leaksSecret(t, "changes", res.raw)
}
