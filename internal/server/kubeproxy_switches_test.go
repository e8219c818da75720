package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/cluster"
)

// proxyPost sends a POST to the proxy over TLS.
func proxyPost(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := tlsClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The per-project switches (who may exec, who may download a kubeconfig)
// are set by owners only and hold at the proxy and the kubeconfig query;
// syncClusterRBAC puts back a binding someone deleted; a Mesos cluster is
// no Kubernetes API, and no caller outside the project learns it exists.
func TestKubeProxySwitchesAndRBACSync(t *testing.T) {
	a, _ := kubeClusters(t)
	env, base := kubeProxyEnv(t)
	p := env.createProject(t, "Switches", "switches")
	var alpha struct{ ID string }
	env.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "alpha", "kubeconfig": string(a.Kubeconfig)}}).field(t, "registerCluster", &alpha)
	maint := env.as(env.member(t, p.ID, "mona", "MAINTAINER"))
	dev := env.as(env.member(t, p.ID, "dan", "DEVELOPER"))
	viewer := env.as(env.member(t, p.ID, "val", "VIEWER"))
	out := env.as(outsider(t, env, "oscar"))
	exec := base + "/clusters/" + alpha.ID + "/k8s/api/v1/namespaces/default/pods/nosuch/exec?command=ls&stdout=true"
	settings := `mutation($p: ID!, $in: KubectlSettingsInput!) { setKubectlSettings(projectID: $p, input: $in) { kubectlSettings { execMinRole kubeconfigMinRole } } }`

	// Defaults: developers exec, everyone downloads kubeconfigs.
	var got struct {
		KubectlSettings struct{ ExecMinRole, KubeconfigMinRole string }
	}
	viewer.do(t, `query($p: ID!) { project(id: $p) { kubectlSettings { execMinRole kubeconfigMinRole } } }`, map[string]any{"p": p.ID}).field(t, "project", &got)
	if got.KubectlSettings.ExecMinRole != "DEVELOPER" || got.KubectlSettings.KubeconfigMinRole != "VIEWER" {
		t.Fatalf("defaults: %+v", got)
	}
	if code, body := proxyPost(t, exec, viewer.token); code != http.StatusForbidden || !strings.Contains(body, "exec, attach and port-forward") {
		t.Fatalf("viewer exec: %d %s", code, body)
	}
	// The developer passes BCS; the cluster answers for the missing pod.
	if code, body := proxyPost(t, exec, dev.token); code != http.StatusNotFound || !strings.Contains(body, `pods \"nosuch\" not found`) {
		t.Fatalf("developer exec: %d %s", code, body)
	}
	viewer.kubeconfigFile(t, alpha.ID)

	// Only owners (and admins) set the switches.
	for who, e := range map[string]*testEnv{"maintainer": maint, "developer": dev, "viewer": viewer, "outsider": out} {
		if r := e.do(t, settings, map[string]any{"p": p.ID, "in": map[string]any{"execMinRole": "VIEWER"}}); r.code() != "FORBIDDEN" {
			t.Fatalf("%s set the switches: %s", who, r.raw)
		}
	}
	env.do(t, settings, map[string]any{"p": p.ID, "in": map[string]any{"execMinRole": "MAINTAINER", "kubeconfigMinRole": "DEVELOPER"}}).field(t, "setKubectlSettings", &got)
	if got.KubectlSettings.ExecMinRole != "MAINTAINER" || got.KubectlSettings.KubeconfigMinRole != "DEVELOPER" {
		t.Fatalf("set: %+v", got)
	}
	if code, body := proxyPost(t, exec, dev.token); code != http.StatusForbidden || !strings.Contains(body, "MAINTAINER") {
		t.Fatalf("developer exec after the switch: %d %s", code, body)
	}
	if code, _ := proxyPost(t, exec, maint.token); code != http.StatusNotFound {
		t.Fatalf("maintainer exec: %d", code)
	}
	kubeconfig := `mutation($c: ID!, $e: String) { createKubeconfig(clusterID: $c, expiresIn: $e) }`
	if r := viewer.do(t, kubeconfig, map[string]any{"c": alpha.ID}); r.code() != "FORBIDDEN" {
		t.Fatalf("viewer kubeconfig after the switch: %s", r.raw)
	}
	if r := out.do(t, kubeconfig, map[string]any{"c": alpha.ID}); r.code() != "NOT_FOUND" {
		t.Fatalf("outsider kubeconfig: %s", r.raw)
	}
	for _, bad := range []string{"9999h", "-1h", "soon"} {
		if r := dev.do(t, kubeconfig, map[string]any{"c": alpha.ID, "e": bad}); r.code() != "BAD_USER_INPUT" {
			t.Fatalf("expiresIn %q: %s", bad, r.raw)
		}
	}
	dev.kubeconfigFile(t, alpha.ID)

	// syncClusterRBAC: cluster_manage, and it repairs.
	sync := `mutation($c: ID!) { syncClusterRBAC(clusterID: $c) { ` + opFields + ` } }`
	if r := dev.do(t, sync, map[string]any{"c": alpha.ID}); r.code() != "FORBIDDEN" {
		t.Fatalf("developer synced RBAC: %s", r.raw)
	}
	if r := out.do(t, sync, map[string]any{"c": alpha.ID}); r.code() != "NOT_FOUND" {
		t.Fatalf("outsider synced RBAC: %s", r.raw)
	}
	ctx := context.Background()
	eventually(t, "the bindings of registration", func() bool {
		_, err := a.Client.RbacV1().ClusterRoleBindings().Get(ctx, "bcs:viewer", metav1.GetOptions{})
		return err == nil
	})
	if err := a.Client.RbacV1().ClusterRoleBindings().Delete(ctx, "bcs:viewer", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if op := maint.mutateOp(t, sync, "syncClusterRBAC", map[string]any{"c": alpha.ID}); op.Status != "SUCCEEDED" {
		t.Fatalf("sync: %+v", op)
	}
	crb, err := a.Client.RbacV1().ClusterRoleBindings().Get(ctx, "bcs:viewer", metav1.GetOptions{})
	if err != nil || crb.RoleRef.Name != "view" {
		t.Fatalf("bcs:viewer after sync: %v %v", crb, err)
	}

	// A Mesos cluster of the project is a typed 400 to members, 404 to others.
	mesos := env.db.Client.Cluster.Create().SetProjectID(ID(p.ID)).SetName("marathon").SetKind(cluster.KindMESOS).
		SetStatus(cluster.StatusNORMAL).SaveX(system())
	url := base + "/clusters/" + string(mesos.ID) + "/k8s/api/v1/pods"
	if code, body := proxyGet(t, url, dev.token); code != http.StatusBadRequest || !strings.Contains(body, "MESOS") {
		t.Fatalf("mesos cluster: %d %s", code, body)
	}
	if code, _ := proxyGet(t, url, out.token); code != http.StatusNotFound {
		t.Fatalf("outsider on a mesos cluster: %d", code)
	}
	if _, err := a.Client.RbacV1().ClusterRoleBindings().Get(ctx, "bcs:owner", metav1.GetOptions{}); apierrors.IsNotFound(err) {
		t.Fatal("bcs:owner binding missing")
	}
}
