package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const templateDraft = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ app }}
spec:
  replicas: {{ replicas }}
  selector:
    matchLabels: {app: "{{ app }}"}
  template:
    metadata:
      labels: {app: "{{ app }}", project: "{{ SYS_PROJECT_CODE }}"}
    spec:
      containers:
      - name: main
        image: {{ image }}
`

type instanceView struct {
	ID, Namespace, Status string
	Objects               map[string]any
}

// TestTemplateInstantiateUpgradeRollback: a template with scoped variables
// instantiated into two namespaces of two real clusters; upgrade; rollback;
// a failing namespace that does not stop the others; bad input.
func TestTemplateInstantiateUpgradeRollback(t *testing.T) {
	a, b := kubeClusters(t)
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	p := env.createProject(t, "Templates", "tpl")
	register := `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`
	var ca, cb struct{ ID string }
	env.do(t, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "tpl-a", "kubeconfig": string(a.Kubeconfig)}}).field(t, "registerCluster", &ca)
	env.do(t, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "tpl-b", "kubeconfig": string(b.Kubeconfig)}}).field(t, "registerCluster", &cb)
	ctx := context.Background()
	for _, ns := range []string{"team-a", "team-b"} {
		for _, c := range []*kubeClusterRef{{a.Client}, {b.Client}} {
			_, _ = c.cs.CoreV1().Namespaces().Create(ctx, namespaceObject(ns), metav1.CreateOptions{})
		}
	}

	var tpl struct{ ID string }
	env.do(t, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "web", kind: K8S, draft: $d}) { id } }`,
		map[string]any{"p": p.ID, "d": templateDraft}).field(t, "createTemplate", &tpl)
	set := `mutation($in: SetVariableInput!) { setVariable(input: $in) { id } }`
	for _, v := range []map[string]any{
		{"projectID": p.ID, "key": "app", "value": "tpl-web"},
		{"projectID": p.ID, "key": "replicas", "value": "1"},
		{"projectID": p.ID, "key": "image", "value": "nginx:1.25"},
		{"projectID": p.ID, "key": "replicas", "value": "2", "scope": "NAMESPACE", "clusterID": cb.ID, "namespace": "team-b"},
	} {
		env.do(t, set, map[string]any{"in": v}).field(t, "setVariable", &struct{ ID string }{})
	}
	version := func(label string) string {
		var v struct{ ID string }
		env.do(t, `mutation($t: ID!, $l: String!) { createTemplateVersion(templateID: $t, label: $l, note: "n") { id } }`,
			map[string]any{"t": tpl.ID, "l": label}).field(t, "createTemplateVersion", &v)
		return v.ID
	}
	v1 := version("v1")

	// Preview shows the narrowest variable winning.
	var prev struct {
		Content string
		Objects []struct{ Kind, Namespace, Name string }
	}
	env.do(t, `query($t: ID!, $v: ID, $c: ID!) { previewTemplate(templateID: $t, versionID: $v, clusterID: $c, namespace: "team-b") { content objects { kind namespace name } } }`,
		map[string]any{"t": tpl.ID, "v": v1, "c": cb.ID}).field(t, "previewTemplate", &prev)
	if !strings.Contains(prev.Content, "replicas: 2") || !strings.Contains(prev.Content, `project: "tpl"`) || prev.Objects[0].Name != "tpl-web" {
		t.Fatalf("preview: %+v", prev)
	}

	targets := []map[string]any{
		{"clusterID": ca.ID, "namespace": "team-a"}, {"clusterID": cb.ID, "namespace": "team-b"},
		{"clusterID": ca.ID, "namespace": "does-not-exist"},
	}
	var insts []instanceView
	env.do(t, `mutation($v: ID!, $t: [InstanceTargetInput!]!) { instantiateTemplate(input: {versionID: $v, targets: $t}) { id namespace status objects } }`,
		map[string]any{"v": v1, "t": targets}).field(t, "instantiateTemplate", &insts)
	if len(insts) != 3 {
		t.Fatalf("instances: %+v", insts)
	}
	status := func(id string) instanceView {
		var in instanceView
		env.do(t, `query($id: ID!) { node(id: $id) { ... on Instance { id namespace status objects } } }`, map[string]any{"id": id}).field(t, "node", &in)
		return in
	}
	// The failing instance's status arrives on a subscription too.
	instStream := env.subscribe(t, `subscription($id: ID!) { instance(id: $id) { status objects } }`, map[string]any{"id": insts[2].ID})
	for {
		var in instanceView
		ev := next(t, instStream)
		_ = json.Unmarshal(ev.Data["instance"], &in)
		if in.Status == "FAILED" {
			if !strings.Contains(fmt.Sprint(in.Objects), "FAILED") {
				t.Fatalf("failed instance objects: %v", in.Objects)
			}
			break
		}
	}
	for i, want := range []string{"READY", "READY", "FAILED"} {
		id := insts[i].ID
		eventually(t, "instance "+insts[i].Namespace+" "+want, func() bool { return status(id).Status == want })
	}
	// The failed one is retried once its namespace exists.
	if _, err := a.Client.CoreV1().Namespaces().Create(ctx, namespaceObject("does-not-exist"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	env.do(t, `mutation($i: ID!) { retryInstance(id: $i) { id } }`, map[string]any{"i": insts[2].ID}).field(t, "retryInstance", &struct{ ID string }{})
	eventually(t, "the retried instance READY", func() bool { return status(insts[2].ID).Status == "READY" })
	image := func(cs kubeClusterRef, ns string) string {
		d, err := cs.cs.AppsV1().Deployments(ns).Get(ctx, "tpl-web", metav1.GetOptions{})
		if err != nil {
			return ""
		}
		return d.Spec.Template.Spec.Containers[0].Image
	}
	if got := image(kubeClusterRef{b.Client}, "team-b"); got != "nginx:1.25" {
		t.Fatalf("team-b runs %q", got)
	}
	if d, _ := b.Client.AppsV1().Deployments("team-b").Get(ctx, "tpl-web", metav1.GetOptions{}); *d.Spec.Replicas != 2 {
		t.Errorf("namespace-scoped replicas not applied: %d", *d.Spec.Replicas)
	}

	// A dry run against team-a shows what v2-to-be would change there now.
	var dry struct {
		Diff []struct {
			Kind, Name, Action string
			Changes            []struct{ Path, Old, New string }
		}
	}
	env.do(t, set, map[string]any{"in": map[string]any{"projectID": p.ID, "key": "image", "value": "nginx:1.26"}}).field(t, "setVariable", &struct{ ID string }{})
	env.do(t, `query($t: ID!, $v: ID, $c: ID!) { previewTemplate(templateID: $t, versionID: $v, clusterID: $c, namespace: "team-a", dryRun: true) { diff { kind name action changes { path old new } } } }`,
		map[string]any{"t": tpl.ID, "v": v1, "c": ca.ID}).field(t, "previewTemplate", &dry)
	if len(dry.Diff) != 1 || dry.Diff[0].Action != "configured" || len(dry.Diff[0].Changes) == 0 || !strings.Contains(dry.Diff[0].Changes[0].New, "1.26") {
		t.Fatalf("dry-run diff: %+v", dry)
	}

	// Upgrade to v2, then roll back to v1.
	env.do(t, set, map[string]any{"in": map[string]any{"projectID": p.ID, "key": "image", "value": "nginx:1.26"}}).field(t, "setVariable", &struct{ ID string }{})
	env.do(t, `mutation($t: ID!, $d: String!) { updateTemplateDraft(id: $t, draft: $d) { id } }`,
		map[string]any{"t": tpl.ID, "d": strings.Replace(templateDraft, "name: main", "name: app", 1)}).field(t, "updateTemplateDraft", &struct{ ID string }{})
	v2 := version("v2")
	env.do(t, `mutation($i: ID!, $v: ID!) { upgradeInstance(id: $i, versionID: $v) { id } }`, map[string]any{"i": insts[0].ID, "v": v2}).field(t, "upgradeInstance", &struct{ ID string }{})
	eventually(t, "team-a upgraded", func() bool {
		return image(kubeClusterRef{a.Client}, "team-a") == "nginx:1.26" && status(insts[0].ID).Status == "READY"
	})
	env.do(t, set, map[string]any{"in": map[string]any{"projectID": p.ID, "key": "image", "value": "nginx:1.25"}}).field(t, "setVariable", &struct{ ID string }{})
	env.do(t, `mutation($i: ID!) { rollbackInstance(id: $i) { id } }`, map[string]any{"i": insts[0].ID}).field(t, "rollbackInstance", &struct{ ID string }{})
	eventually(t, "team-a rolled back", func() bool {
		d, err := a.Client.AppsV1().Deployments("team-a").Get(ctx, "tpl-web", metav1.GetOptions{})
		return err == nil && d.Spec.Template.Spec.Containers[0].Name == "main" && status(insts[0].ID).Status == "READY"
	})

	// Bad input: each a clear error, nothing sent.
	bad := map[string]struct {
		query string
		vars  map[string]any
	}{
		"unknown variable": {`mutation($t: ID!) { updateTemplateDraft(id: $t, draft: "a: {{ nope") { id } }`, map[string]any{"t": tpl.ID}},
		"bad label":        {`mutation($t: ID!) { createTemplateVersion(templateID: $t, label: "has space") { id } }`, map[string]any{"t": tpl.ID}},
		"duplicate label":  {`mutation($t: ID!) { createTemplateVersion(templateID: $t, label: "v1") { id } }`, map[string]any{"t": tpl.ID}},
		"system variable":  {`mutation($p: ID!) { setVariable(input: {projectID: $p, key: "SYS_NAMESPACE", value: "x"}) { id } }`, map[string]any{"p": p.ID}},
		"bad import":       {`mutation($p: ID!) { importTemplates(projectID: $p, document: "{\"format\": \"other\"}") { id } }`, map[string]any{"p": p.ID}},
	}
	for name, tc := range bad {
		res := env.do(t, tc.query, tc.vars)
		if c := res.code(); c != "BAD_USER_INPUT" && c != "CONFLICT" {
			t.Errorf("%s: %s", name, res.raw)
		}
	}
	// A draft naming a variable nobody set fails at preview with its line.
	env.do(t, `mutation($t: ID!, $d: String!) { updateTemplateDraft(id: $t, draft: $d) { id } }`,
		map[string]any{"t": tpl.ID, "d": templateDraft + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ missing }}}\n"}).field(t, "updateTemplateDraft", &struct{ ID string }{})
	res := env.do(t, `query($t: ID!, $c: ID!) { previewTemplate(templateID: $t, clusterID: $c, namespace: "team-a") { content } }`, map[string]any{"t": tpl.ID, "c": ca.ID})
	if res.code() != "BAD_USER_INPUT" || !strings.Contains(res.raw, "missing") || res.Errors[0].Extensions["line"] == nil {
		t.Errorf("unknown variable at preview: %s", res.raw)
	}

	// Export and import round-trip into another project.
	var doc string
	env.do(t, `query($p: ID!) { exportTemplates(projectID: $p) }`, map[string]any{"p": p.ID}).field(t, "exportTemplates", &doc)
	q := env.createProject(t, "Copy", "copy")
	var imported []struct{ ID string }
	env.do(t, `mutation($p: ID!, $d: String!) { importTemplates(projectID: $p, document: $d) { id } }`, map[string]any{"p": q.ID, "d": doc}).field(t, "importTemplates", &imported)
	if len(imported) != 1 {
		t.Errorf("imported %d templates", len(imported))
	}
}

// kubeClusterRef wraps a clientset for the helpers above.
type kubeClusterRef struct{ cs kubernetes.Interface }
