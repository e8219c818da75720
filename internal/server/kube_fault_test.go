package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bcs-io/bcs/ent/workload"
)

// TestKubeAPIServerDown: with a cluster's kube-apiserver stopped,
// applyManifest, drainNode and a template instantiation end FAILED with
// the reason, and BCS itself stays up and ready (the cluster is not a
// dependency of the server). Once the API server is back, re-issuing the
// mutations and retryInstance complete them, and storage catches up.
func TestKubeAPIServerDown(t *testing.T) {
	const ns = "kube-fault"
	env, a, p, cid := ownershipCluster(t, ns)
	var tpl struct{ ID string }
	env.do(t, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "kf", kind: K8S, draft: $d}) { id } }`,
		map[string]any{"p": p.ID, "d": templateDraft}).field(t, "createTemplate", &tpl)
	for k, v := range map[string]string{"app": "kftpl", "replicas": "1", "image": "nginx:1.25"} {
		env.do(t, `mutation($in: SetVariableInput!) { setVariable(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"projectID": p.ID, "key": k, "value": v}}).field(t, "setVariable", &struct{ ID string }{})
	}
	var version struct{ ID string }
	env.do(t, `mutation($t: ID!) { createTemplateVersion(templateID: $t, label: "v1") { id } }`,
		map[string]any{"t": tpl.ID}).field(t, "createTemplateVersion", &version)
	nodes, err := a.Client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	victim := nodes.Items[len(nodes.Items)-1].Name
	t.Cleanup(func() {
		_, _ = a.Client.CoreV1().Nodes().Patch(context.Background(), victim, types.MergePatchType,
			[]byte(`{"spec":{"unschedulable":false}}`), metav1.PatchOptions{})
	})

	if err := a.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	start := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := a.StartAPIServer(ctx); err != nil {
			t.Fatal(err)
		}
		restarted = true
	}
	t.Cleanup(func() {
		if !restarted {
			start()
		}
	})

	manifest := strings.Replace(deployment("kfweb", "nginx:1.25", 1), "namespace: default", "namespace: "+ns, 1)
	apply := `mutation($cid: ID!, $m: String!) { applyManifest(input: {clusterID: $cid, manifest: $m}) { ` + opFields + ` } }`
	drain := `mutation($cid: ID!, $n: String!) { drainNode(clusterID: $cid, name: $n, timeoutSeconds: 60) { ` + opFields + ` } }`
	applyVars := map[string]any{"cid": cid, "m": manifest}
	drainVars := map[string]any{"cid": cid, "n": victim}
	for name, op := range map[string]operationView{
		"applyManifest": env.mutateOp(t, apply, "applyManifest", applyVars),
		"drainNode":     env.mutateOp(t, drain, "drainNode", drainVars),
	} {
		if op.Status != "FAILED" || op.Reason == "" || op.Message == "" {
			t.Errorf("%s with the API server down: %+v, want FAILED with the reason", name, op)
		}
	}
	var insts []instanceView
	env.do(t, `mutation($v: ID!, $c: ID!) { instantiateTemplate(input: {versionID: $v, targets: [{clusterID: $c, namespace: "`+ns+`"}]}) { id status } }`,
		map[string]any{"v": version.ID, "c": cid}).field(t, "instantiateTemplate", &insts)
	instance := func() instanceView {
		var in instanceView
		eventually(t, "the instance to settle", func() bool {
			env.do(t, `query($id: ID!) { node(id: $id) { ... on Instance { id status objects } } }`, map[string]any{"id": insts[0].ID}).field(t, "node", &in)
			return in.Status == "READY" || in.Status == "FAILED"
		})
		return in
	}
	if in := instance(); in.Status != "FAILED" || len(in.Objects) == 0 {
		t.Errorf("instantiation with the API server down: %+v, want FAILED naming its objects", in)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if res, err := http.Get(env.srv.URL + path); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s while a cluster is down: %v %v", path, res, err)
		}
	}

	start()
	retryThroughFault(t, env, apply, "applyManifest", applyVars)
	retryThroughFault(t, env, drain, "drainNode", drainVars)
	env.do(t, `mutation($i: ID!) { retryInstance(id: $i) { id } }`, map[string]any{"i": insts[0].ID}).field(t, "retryInstance", &struct{ ID string }{})
	if in := instance(); in.Status != "READY" {
		t.Fatalf("retryInstance after the API server returned: %+v", in)
	}
	for _, name := range []string{"kfweb", "kftpl"} {
		if _, err := a.Client.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{}); err != nil {
			t.Fatalf("%s after the retries: %v", name, err)
		}
		eventually(t, name+" in storage", func() bool {
			return env.db.Client.Workload.Query().Where(workload.Namespace(ns), workload.Name(name)).ExistX(system())
		})
	}
	if n, err := a.Client.CoreV1().Nodes().Get(context.Background(), victim, metav1.GetOptions{}); err != nil || !n.Spec.Unschedulable {
		t.Fatalf("the drained node: %v", err)
	}
}
