package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/testenv/kube"
)

const mainImageField = `.spec.template.spec.containers[name="main"].image`

// ownershipCluster registers control plane a in a fresh environment and
// gives the test a namespace of its own there.
func ownershipCluster(t *testing.T, ns string) (*testEnv, *kube.Cluster, project, string) {
	t.Helper()
	a, _ := kubeClusters(t)
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	p := env.createProject(t, "Owners "+ns, ns)
	var c struct{ ID string }
	env.do(t, `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": ns, "kubeconfig": string(a.Kubeconfig)}}).field(t, "registerCluster", &c)
	if _, err := a.Client.CoreV1().Namespaces().Create(context.Background(), namespaceObject(ns), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	return env, a, p, c.ID
}

func liveDeployment(t *testing.T, a *kube.Cluster, ns, name string) (int32, string) {
	t.Helper()
	d, err := a.Client.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image
}

// editImage changes a container image as `kubectl edit` would: another
// field manager, which then owns the field.
func editImage(t *testing.T, a *kube.Cluster, ns, name, image string) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"main","image":%q}]}}}}`, image)
	if _, err := a.Client.AppsV1().Deployments(ns).Patch(context.Background(), name, types.StrategicMergePatchType, []byte(patch),
		metav1.PatchOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
}

// wantConflict checks a failed apply names the edited image and its owner.
func wantConflict(t *testing.T, what string, op operationView) {
	t.Helper()
	if op.Status != "FAILED" || op.Reason != "CONFLICT" || !strings.Contains(op.Message, "kubectl-edit") {
		t.Fatalf("%s: %+v, want FAILED with reason CONFLICT naming kubectl-edit", what, op)
	}
	cs, _ := op.Result["conflicts"].([]any)
	for _, c := range cs {
		if m, _ := c.(map[string]any); m["field"] == mainImageField && m["manager"] == "kubectl-edit" {
			return
		}
	}
	t.Fatalf("%s: result %v lacks the image field owned by kubectl-edit", what, op.Result)
}

// TestApplyOwnership: issue 15's reproduction (apply, scale, re-apply with
// a new image) succeeds; a field kubectl changed is a CONFLICT naming field
// and manager, in a dry run at once and on the operation, and force takes
// it over — which a viewer and a revoked token cannot.
func TestApplyOwnership(t *testing.T) {
	const ns = "owners"
	env, a, p, cid := ownershipCluster(t, ns)
	web := func(image string) string {
		return strings.Replace(deployment("web", image, 2), "  namespace: default\n", "", 1)
	}
	apply := `mutation($cid: ID!, $m: String!, $dry: Boolean, $force: Boolean) {
		applyManifest(input: {clusterID: $cid, namespace: "owners", manifest: $m, dryRun: $dry, force: $force}) { ` + opFields + ` } }`
	vars := func(image string, dry, force bool) map[string]any {
		return map[string]any{"cid": cid, "m": web(image), "dry": dry, "force": force}
	}

	if op := env.mutateOp(t, apply, "applyManifest", vars("nginx:1.25", false, false)); op.Status != "SUCCEEDED" {
		t.Fatalf("apply: %+v", op)
	}
	scale := `mutation($cid: ID!) { scaleWorkload(input: {clusterID: $cid, namespace: "owners", kind: "Deployment", name: "web", replicas: 4}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, scale, "scaleWorkload", map[string]any{"cid": cid}); op.Status != "SUCCEEDED" {
		t.Fatalf("scale: %+v", op)
	}
	if op := env.mutateOp(t, apply, "applyManifest", vars("nginx:1.26", false, false)); op.Status != "SUCCEEDED" {
		t.Fatalf("re-apply after scale: %+v", op)
	}
	if n, img := liveDeployment(t, a, ns, "web"); n != 2 || img != "nginx:1.26" {
		t.Fatalf("after re-apply: %d replicas of %s, want the manifest's 2 of nginx:1.26", n, img)
	}

	editImage(t, a, ns, "web", "nginx:hotfix")
	var dry operationView
	env.do(t, apply, vars("nginx:1.27", true, false)).field(t, "applyManifest", &dry)
	wantConflict(t, "dry run", dry)
	wantConflict(t, "apply", env.mutateOp(t, apply, "applyManifest", vars("nginx:1.27", false, false)))

	// force, tried by those who may not.
	viewer := `owners-viewer`
	env.do(t, `mutation($p: ID!, $u: String!) { addMember(projectID: $p, userName: $u, role: VIEWER) { id } }`,
		map[string]any{"p": p.ID, "u": viewer}).field(t, "addMember", &struct{ ID string }{})
	viewerToken, err := auth.Bootstrap(system(), env.db.Client, viewer, false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	if res := env.as(viewerToken).do(t, apply, vars("nginx:1.27", false, true)); res.code() != "FORBIDDEN" {
		t.Errorf("a viewer forcing: %s", res.raw)
	}
	outsider, err := auth.Bootstrap(system(), env.db.Client, "owners-outsider", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	if res := env.as(outsider).do(t, apply, vars("nginx:1.27", false, true)); res.code() != "NOT_FOUND" && res.code() != "FORBIDDEN" {
		t.Errorf("an outsider forcing: %s", res.raw)
	}
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	env.do(t, `mutation { createToken(input: {name: "force", expiresIn: "1h"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	env.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, map[string]any{"id": created.Token.ID})
	if res := env.as(created.Secret).do(t, apply, vars("nginx:1.27", false, true)); res.code() != "UNAUTHENTICATED" {
		t.Errorf("a revoked token forcing: %s", res.raw)
	}
	if _, img := liveDeployment(t, a, ns, "web"); img != "nginx:hotfix" {
		t.Fatalf("refused applies changed the image to %s", img)
	}

	if op := env.mutateOp(t, apply, "applyManifest", vars("nginx:1.27", false, true)); op.Status != "SUCCEEDED" {
		t.Fatalf("forced apply: %+v", op)
	}
	if _, img := liveDeployment(t, a, ns, "web"); img != "nginx:1.27" {
		t.Fatalf("forced apply left %s", img)
	}
}

// TestTemplateUpgradeAfterScale: an instance scaled through BCS upgrades
// without a conflict; one whose image kubectl changed fails with the
// conflict on its objects, and retryInstance(force: true) takes it over.
func TestTemplateUpgradeAfterScale(t *testing.T) {
	const ns = "tpl-owners"
	env, a, p, cid := ownershipCluster(t, ns)
	var tpl struct{ ID string }
	env.do(t, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "web", kind: K8S, draft: $d}) { id } }`,
		map[string]any{"p": p.ID, "d": templateDraft}).field(t, "createTemplate", &tpl)
	set := func(key, value string) {
		env.do(t, `mutation($in: SetVariableInput!) { setVariable(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"projectID": p.ID, "key": key, "value": value}}).field(t, "setVariable", &struct{ ID string }{})
	}
	set("app", "tplo")
	set("replicas", "2")
	set("image", "nginx:1.25")
	version := func(label, draft string) string {
		env.do(t, `mutation($t: ID!, $d: String!) { updateTemplateDraft(id: $t, draft: $d) { id } }`,
			map[string]any{"t": tpl.ID, "d": draft}).field(t, "updateTemplateDraft", &struct{ ID string }{})
		var v struct{ ID string }
		env.do(t, `mutation($t: ID!, $l: String!) { createTemplateVersion(templateID: $t, label: $l) { id } }`,
			map[string]any{"t": tpl.ID, "l": label}).field(t, "createTemplateVersion", &v)
		return v.ID
	}
	v1 := version("v1", templateDraft)
	var insts []instanceView
	env.do(t, `mutation($v: ID!, $c: ID!) { instantiateTemplate(input: {versionID: $v, targets: [{clusterID: $c, namespace: "tpl-owners"}]}) { id status } }`,
		map[string]any{"v": v1, "c": cid}).field(t, "instantiateTemplate", &insts)
	status := func() instanceView {
		var in instanceView
		env.do(t, `query($id: ID!) { node(id: $id) { ... on Instance { id status objects } } }`, map[string]any{"id": insts[0].ID}).field(t, "node", &in)
		return in
	}
	settled := func(what string) instanceView {
		var in instanceView
		eventually(t, what, func() bool { in = status(); return in.Status == "READY" || in.Status == "FAILED" })
		return in
	}
	if in := settled("the instance applied"); in.Status != "READY" {
		t.Fatalf("instantiate: %+v", in)
	}
	scale := `mutation($cid: ID!) { scaleWorkload(input: {clusterID: $cid, namespace: "tpl-owners", kind: "Deployment", name: "tplo", replicas: 4}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, scale, "scaleWorkload", map[string]any{"cid": cid}); op.Status != "SUCCEEDED" {
		t.Fatalf("scale: %+v", op)
	}

	set("image", "nginx:1.26")
	v2 := version("v2", strings.Replace(templateDraft, "labels: {app:", "labels: {tier: web, app:", 1))
	env.do(t, `mutation($i: ID!, $v: ID!) { upgradeInstance(id: $i, versionID: $v) { id } }`, map[string]any{"i": insts[0].ID, "v": v2}).field(t, "upgradeInstance", &struct{ ID string }{})
	if in := settled("the upgrade applied"); in.Status != "READY" {
		t.Fatalf("upgrade after scale: %+v", in)
	}
	if n, img := liveDeployment(t, a, ns, "tplo"); n != 2 || img != "nginx:1.26" {
		t.Fatalf("after upgrade: %d replicas of %s, want the template's 2 of nginx:1.26", n, img)
	}

	editImage(t, a, ns, "tplo", "nginx:hotfix")
	set("image", "nginx:1.27")
	// A preview against the cluster names the conflict before anything is sent.
	res := env.do(t, `query($t: ID!, $c: ID!) { previewTemplate(templateID: $t, clusterID: $c, namespace: "tpl-owners", dryRun: true) { diff { name } } }`,
		map[string]any{"t": tpl.ID, "c": cid})
	if res.code() != "CONFLICT" || !strings.Contains(fmt.Sprint(res.Errors[0].Extensions["conflicts"]), "kubectl-edit") {
		t.Errorf("preview over kubectl's image: %s, want CONFLICT listing kubectl-edit", res.raw)
	}
	retry := `mutation($i: ID!, $f: Boolean) { retryInstance(id: $i, force: $f) { id } }`
	env.do(t, retry, map[string]any{"i": insts[0].ID}).field(t, "retryInstance", &struct{ ID string }{})
	if in := settled("the retry applied"); in.Status != "FAILED" || !strings.Contains(fmt.Sprint(in.Objects), "kubectl-edit") {
		t.Fatalf("retry over kubectl's image: %+v, want FAILED naming kubectl-edit", in)
	}
	if res := env.as("bcs_revoked-or-unknown").do(t, retry, map[string]any{"i": insts[0].ID, "f": true}); res.code() != "UNAUTHENTICATED" {
		t.Errorf("forcing with an unknown token: %s", res.raw)
	}
	env.do(t, retry, map[string]any{"i": insts[0].ID, "f": true}).field(t, "retryInstance", &struct{ ID string }{})
	if in := settled("the forced retry applied"); in.Status != "READY" {
		t.Fatalf("forced retry: %+v", in)
	}
	if _, img := liveDeployment(t, a, ns, "tplo"); img != "nginx:1.27" {
		t.Fatalf("forced retry left %s", img)
	}
}
