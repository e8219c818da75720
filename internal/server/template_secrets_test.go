package server

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/variable"
)

// secretDraft holds a Secret whose values are written in the template, and
// a ConfigMap that must come back as written.
const secretDraft = `apiVersion: v1
kind: Secret
metadata: {name: db}
stringData:
  password: hunter2 # the admin's
data: {token: aHVudGVyMg==}
---
# kept as written
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {mode: "{{ mode }}"}
`

// templateReads reads a template's text through every field that returns
// it: the template, its versions, node(id), the project's edges and the
// export.
const templateReads = `query($t: ID!, $v: ID!, $p: ID!) {
  template(id: $t) { draft versions { edges { node { content digest } } } }
  node(id: $v) { ... on TemplateVersion { content digest } }
  project(id: $p) { templates { edges { node { draft } } } }
  exportTemplates(projectID: $p)
}`

// TestTemplateTextHidesSecretsFromViewers: a reader without
// templateset_update reads a template's text with its Secret's values
// redacted everywhere the text is served, the rest as written; members who
// may edit it read it whole; outsiders and revoked tokens read nothing.
func TestTemplateTextHidesSecretsFromViewers(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "txt")
	dev := env.as(tn.tokens[member.RoleDEVELOPER])
	var tpl struct{ ID string }
	dev.do(t, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "db", kind: K8S, draft: $d}) { id } }`,
		map[string]any{"p": tn.project, "d": secretDraft}).field(t, "createTemplate", &tpl)
	var ver struct{ ID string }
	dev.do(t, `mutation($t: ID!) { createTemplateVersion(templateID: $t, label: "v1") { id } }`,
		map[string]any{"t": tpl.ID}).field(t, "createTemplateVersion", &ver)
	vars := map[string]any{"t": tpl.ID, "v": ver.ID, "p": tn.project}

	viewer := env.as(tn.tokens[member.RoleVIEWER])
	res := viewer.do(t, templateReads, vars)
	if len(res.Errors) > 0 {
		t.Fatalf("a viewer cannot read the template: %s", res.raw)
	}
	leaksSecret(t, "a viewer's template reads", res.raw)
	for _, want := range []string{"password", "token", "[REDACTED]", "# kept as written", `data: {mode: \"{{ mode }}\"}`, `\"redacted\": true`} {
		if !strings.Contains(res.raw, want) {
			t.Errorf("a viewer's reads lost %q: %s", want, res.raw)
		}
	}
	// The digest shown is of the text shown: the stored one would let a
	// viewer test guesses at the hidden values.
	stored := env.db.Client.TemplateVersion.GetX(system(), ID(ver.ID)).Digest
	if strings.Contains(res.raw, stored) {
		t.Errorf("a viewer reads the digest of the unredacted content: %s", res.raw)
	}
	// What a viewer exports does not import as if it were the template.
	var export struct{ ExportTemplates string }
	res.field(t, "exportTemplates", &export.ExportTemplates)
	imp := dev.do(t, `mutation($p: ID!, $d: String!) { importTemplates(projectID: $p, document: $d) { id } }`,
		map[string]any{"p": tn.project, "d": export.ExportTemplates})
	if imp.code() != "BAD_USER_INPUT" || !strings.Contains(imp.raw, "hides Secret values") {
		t.Errorf("a redacted export imports: %s", imp.raw)
	}

	for _, role := range []member.Role{member.RoleDEVELOPER, member.RoleMAINTAINER, member.RoleOWNER} {
		res := env.as(tn.tokens[role]).do(t, templateReads, vars)
		if len(res.Errors) > 0 || strings.Count(res.raw, "hunter2") != 6 || strings.Count(res.raw, "aHVudGVyMg==") != 6 || !strings.Contains(res.raw, stored) {
			t.Errorf("%s, who may edit the template, does not read it whole: %s", role, res.raw)
		}
	}

	other := env.newTenant(t, "out")
	res = env.as(other.tokens[member.RoleOWNER]).do(t, templateReads, vars)
	leaksSecret(t, "an outsider's reads", res.raw)
	if len(res.Errors) == 0 {
		t.Errorf("an outsider reads the template: %s", res.raw)
	}
	revokeOwnToken(t, env, tn.tokens[member.RoleMAINTAINER])
	res = env.as(tn.tokens[member.RoleMAINTAINER]).do(t, templateReads, vars)
	if res.code() != "UNAUTHENTICATED" {
		t.Errorf("a revoked token reads the template: %s", res.raw)
	}
	leaksSecret(t, "a revoked token's reads", res.raw)
}

// revokeOwnToken revokes the token tok with itself.
func revokeOwnToken(t *testing.T, env *testEnv, tok string) {
	t.Helper()
	var toks []struct{ ID string }
	env.as(tok).do(t, `{ tokens { id } }`, nil).field(t, "tokens", &toks)
	if len(toks) != 1 {
		t.Fatalf("tokens: %+v", toks)
	}
	env.as(tok).do(t, `mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, map[string]any{"id": toks[0].ID}).
		field(t, "revokeToken", &struct{ RevokedAt string }{})
}

// TestSecretVariableIsWriteOnly: once set, a secret variable's value is
// answered to nobody, owner included, through any door, and is not kept in
// plain text; a preview shows it only to those who may edit the templates,
// and errors about it do not quote it.
func TestSecretVariableIsWriteOnly(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "sv")
	owner := env.as(tn.tokens[member.RoleOWNER])
	set := `mutation($in: SetVariableInput!) { setVariable(input: $in) { id key value secret } }`
	var v struct {
		ID, Key, Value string
		Secret         bool
	}
	res := owner.do(t, set, map[string]any{"in": map[string]any{"projectID": tn.project, "key": "db_password", "value": "var-s3cret", "secret": true}})
	res.field(t, "setVariable", &v)
	leaksSecret(t, "setVariable's answer", res.raw)
	if v.Value != "[REDACTED]" || !v.Secret {
		t.Fatalf("setVariable answers %+v", v)
	}
	// Set again (a new value) and a plain one beside it.
	owner.do(t, set, map[string]any{"in": map[string]any{"projectID": tn.project, "key": "db_password", "value": "var-s3cret", "secret": true}}).field(t, "setVariable", &v)
	// A new value without `secret` keeps the variable sealed.
	res = owner.do(t, set, map[string]any{"in": map[string]any{"projectID": tn.project, "key": "db_password", "value": "var-s3cret"}})
	res.field(t, "setVariable", &v)
	leaksSecret(t, "setVariable's answer without secret", res.raw)
	if v.Value != "[REDACTED]" || !v.Secret {
		t.Fatalf("setting a secret variable again without `secret` made it plain: %+v", v)
	}
	owner.do(t, set, map[string]any{"in": map[string]any{"projectID": tn.project, "key": "mode", "value": "fast"}}).field(t, "setVariable", &struct{ ID string }{})

	row := env.db.Client.Variable.Query().Where(variable.Key("db_password")).OnlyX(system())
	if row.Value != "" || len(row.SealedValue) == 0 || strings.Contains(string(row.SealedValue), "var-s3cret") {
		t.Errorf("the value is kept in plain text: value %q, sealed %q", row.Value, row.SealedValue)
	}

	draft := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {dsn: \"postgres://app:{{ db_password }}@db\", mode: \"{{ mode }}\"}\n"
	var tpl struct{ ID string }
	owner.do(t, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "cfg", kind: K8S, draft: $d}) { id } }`,
		map[string]any{"p": tn.project, "d": draft}).field(t, "createTemplate", &tpl)

	reads := `query($p: ID!, $v: ID!, $i: ID!) {
	  variables(projectID: $p) { key value secret }
	  node(id: $v) { ... on Variable { value } }
	  exportTemplates(projectID: $p)
	  instance: node(id: $i) { ... on Instance { variables } }
	}`
	for role := range tn.tokens {
		res := env.as(tn.tokens[role]).do(t, reads, map[string]any{"p": tn.project, "v": v.ID, "i": tn.objects[10]})
		if len(res.Errors) > 0 || !strings.Contains(res.raw, `"value":"[REDACTED]","secret":true`) || !strings.Contains(res.raw, `"value":"fast","secret":false`) {
			t.Errorf("%s reads: %s", role, res.raw)
		}
		leaksSecret(t, string(role)+"'s reads", res.raw)
	}
	audit := owner.do(t, `{ auditLog(first: 100) { edges { node { action arguments error } } } }`, nil)
	if !strings.Contains(audit.raw, `"action":"setVariable"`) {
		t.Errorf("the audit log lacks setVariable: %s", audit.raw)
	}
	leaksSecret(t, "the audit log", audit.raw)

	// Previews render the real value for members who may edit the
	// templates, and the mark for the others.
	preview := `query($t: ID!, $c: ID!) { previewTemplate(templateID: $t, clusterID: $c, namespace: "ns") { content objects { kind name } variables } }`
	pv := map[string]any{"t": tpl.ID, "c": tn.objects[1]}
	for _, role := range []member.Role{member.RoleVIEWER} {
		res := env.as(tn.tokens[role]).do(t, preview, pv)
		leaksSecret(t, string(role)+"'s preview", res.raw)
		if len(res.Errors) > 0 || !strings.Contains(res.raw, `postgres://app:[REDACTED]@db`) || !strings.Contains(res.raw, `mode: \"fast\"`) {
			t.Errorf("%s's preview: %s", role, res.raw)
		}
	}
	for _, role := range []member.Role{member.RoleDEVELOPER, member.RoleOWNER} {
		res := env.as(tn.tokens[role]).do(t, preview, pv)
		if !strings.Contains(res.raw, "postgres://app:var-s3cret@db") {
			t.Errorf("%s's preview does not show what would be sent: %s", role, res.raw)
		}
	}

	// Where the mark cannot stand (a name), a viewer's preview lists the
	// objects without the text; errors about the value do not quote it.
	owner.do(t, `mutation($t: ID!, $d: String!) { updateTemplateDraft(id: $t, draft: $d) { id } }`,
		map[string]any{"t": tpl.ID, "d": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x-{{ db_password }}}\n"}).field(t, "updateTemplateDraft", &struct{ ID string }{})
	res = env.as(tn.tokens[member.RoleVIEWER]).do(t, preview, pv)
	leaksSecret(t, "a viewer's preview of a name", res.raw)
	if len(res.Errors) > 0 || !strings.Contains(res.raw, "uses secret variables") || !strings.Contains(res.raw, `"name":"x-[REDACTED]"`) {
		t.Errorf("a viewer's preview of a secret name: %s", res.raw)
	}
	owner.do(t, set, map[string]any{"in": map[string]any{"projectID": tn.project, "key": "db_password", "value": "#var-s3cret", "secret": true}}).field(t, "setVariable", &v)
	owner.do(t, `mutation($t: ID!, $d: String!) { updateTemplateDraft(id: $t, draft: $d) { id } }`,
		map[string]any{"t": tpl.ID, "d": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  pw: {{ db_password }}\n"}).field(t, "updateTemplateDraft", &struct{ ID string }{})
	for _, role := range []member.Role{member.RoleVIEWER, member.RoleOWNER} {
		res := env.as(tn.tokens[role]).do(t, preview, pv)
		leaksSecret(t, string(role)+"'s preview error", res.raw)
		if res.code() != "BAD_USER_INPUT" || !strings.Contains(res.raw, `secret variable \"db_password\"`) || strings.Contains(res.raw, `'#'`) {
			t.Errorf("%s's preview error: %s", role, res.raw)
		}
	}

	// Outsiders and revoked tokens read nothing.
	other := env.newTenant(t, "sv-out")
	res = env.as(other.tokens[member.RoleOWNER]).do(t, reads, map[string]any{"p": tn.project, "v": v.ID, "i": tn.objects[10]})
	leaksSecret(t, "an outsider's reads", res.raw)
	if !strings.Contains(res.raw, `"FORBIDDEN"`) && !strings.Contains(res.raw, `"NOT_FOUND"`) {
		t.Errorf("an outsider reads the variables: %s", res.raw)
	}
	revokeOwnToken(t, env, tn.tokens[member.RoleOWNER])
	res = owner.do(t, reads, map[string]any{"p": tn.project, "v": v.ID, "i": tn.objects[10]})
	if res.code() != "UNAUTHENTICATED" {
		t.Errorf("a revoked token reads the variables: %s", res.raw)
	}
	res = owner.do(t, set, map[string]any{"in": map[string]any{"projectID": tn.project, "key": "db_password", "value": "x", "secret": true}})
	if res.code() != "UNAUTHENTICATED" {
		t.Errorf("a revoked token sets a variable: %s", res.raw)
	}
	// A viewer may not set one at all.
	res = env.as(tn.tokens[member.RoleVIEWER]).do(t, set, map[string]any{"in": map[string]any{"projectID": tn.project, "key": "k2", "value": "x", "secret": true}})
	if res.code() != "FORBIDDEN" {
		t.Errorf("a viewer sets a secret variable: %s", res.raw)
	}
}

// TestSecretVariableRendersIntoCluster: a secret variable reaches a real
// cluster in a Secret and a ConfigMap, on instantiate and on retry, while
// the instance, its operations and a viewer's dry run never show it.
func TestSecretVariableRendersIntoCluster(t *testing.T) {
	a, _ := kubeClusters(t)
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "svk")
	var c struct{ ID string }
	env.do(t, `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"projectID": tn.project, "name": "svk-a", "kubeconfig": string(a.Kubeconfig)}}).field(t, "registerCluster", &c)
	ctx := context.Background()
	_, _ = a.Client.CoreV1().Namespaces().Create(ctx, namespaceObject("svk"), metav1.CreateOptions{})

	owner, dev, viewer := env.as(tn.tokens[member.RoleOWNER]), env.as(tn.tokens[member.RoleDEVELOPER]), env.as(tn.tokens[member.RoleVIEWER])
	set := func(value string) {
		owner.do(t, `mutation($p: ID!, $v: String!) { setVariable(input: {projectID: $p, key: "db_pw", value: $v, secret: true}) { id } }`,
			map[string]any{"p": tn.project, "v": value}).field(t, "setVariable", &struct{ ID string }{})
	}
	set("var-s3cret")
	draft := "apiVersion: v1\nkind: Secret\nmetadata: {name: svk-db}\nstringData: {password: \"{{ db_pw }}\"}\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: svk-cfg}\ndata: {dsn: \"u:{{ db_pw }}@h\"}\n"
	var tpl, ver struct{ ID string }
	dev.do(t, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "svk", kind: K8S, draft: $d}) { id } }`,
		map[string]any{"p": tn.project, "d": draft}).field(t, "createTemplate", &tpl)
	dev.do(t, `mutation($t: ID!) { createTemplateVersion(templateID: $t, label: "v1") { id } }`, map[string]any{"t": tpl.ID}).field(t, "createTemplateVersion", &ver)
	var insts []struct{ ID string }
	dev.do(t, `mutation($v: ID!, $c: ID!) { instantiateTemplate(input: {versionID: $v, targets: [{clusterID: $c, namespace: "svk"}]}) { id } }`,
		map[string]any{"v": ver.ID, "c": c.ID}).field(t, "instantiateTemplate", &insts)
	inst := insts[0].ID
	applied := func(want string) bool {
		s, err := a.Client.CoreV1().Secrets("svk").Get(ctx, "svk-db", metav1.GetOptions{})
		if err != nil || string(s.Data["password"]) != want {
			return false
		}
		cm, err := a.Client.CoreV1().ConfigMaps("svk").Get(ctx, "svk-cfg", metav1.GetOptions{})
		return err == nil && cm.Data["dsn"] == "u:"+want+"@h"
	}
	status := func() string {
		var in struct{ Status string }
		owner.do(t, `query($id: ID!) { node(id: $id) { ... on Instance { status } } }`, map[string]any{"id": inst}).field(t, "node", &in)
		return in.Status
	}
	eventually(t, "the secret value applied", func() bool { return applied("var-s3cret") && status() == "READY" })

	// A new value: a viewer's dry run shows that something changes, not
	// what; the owner's shows the values; a retry applies it.
	set("var-s3cret-2")
	dry := `query($t: ID!, $v: ID!, $c: ID!) { previewTemplate(templateID: $t, versionID: $v, clusterID: $c, namespace: "svk", dryRun: true) { content diff { kind name action changes { path old new } } } }`
	dv := map[string]any{"t": tpl.ID, "v": ver.ID, "c": c.ID}
	res := viewer.do(t, dry, dv)
	leaksSecret(t, "a viewer's dry run", res.raw)
	if len(res.Errors) > 0 || !strings.Contains(res.raw, `"action":"configured"`) || !strings.Contains(res.raw, `"path":"data.dsn","old":"[REDACTED]","new":"[REDACTED]"`) {
		t.Errorf("a viewer's dry run: %s", res.raw)
	}
	if res := owner.do(t, dry, dv); !strings.Contains(res.raw, "u:var-s3cret-2@h") {
		t.Errorf("the owner's dry run does not show what would be sent: %s", res.raw)
	}
	dev.do(t, `mutation($i: ID!) { retryInstance(id: $i) { id } }`, map[string]any{"i": inst}).field(t, "retryInstance", &struct{ ID string }{})
	eventually(t, "the new secret value applied", func() bool { return applied("var-s3cret-2") && status() == "READY" })

	for role, tok := range tn.tokens {
		res := env.as(tok).do(t, `query($i: ID!, $p: ID!) {
		  node(id: $i) { ... on Instance { variables objects } }
		  operations { edges { node { request result reason message } } }
		  variables(projectID: $p) { value }
		}`, map[string]any{"i": inst, "p": tn.project})
		if len(res.Errors) > 0 || !strings.Contains(res.raw, `"db_pw":"[REDACTED]"`) {
			t.Errorf("%s reads: %s", role, res.raw)
		}
		leaksSecret(t, string(role)+"'s reads", res.raw)
	}
}
