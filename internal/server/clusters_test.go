package server

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bcs-io/bcs/internal/testenv/kube"
)

// One pair of real control planes serves every cluster test in the package.
var kubeOnce struct {
	sync.Once
	a, b *kube.Cluster
}

func kubeClusters(t testing.TB) (*kube.Cluster, *kube.Cluster) {
	kubeOnce.Do(func() {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); kubeOnce.a = startKube(t, "alpha") }()
		go func() { defer wg.Done(); kubeOnce.b = startKube(t, "beta") }()
		wg.Wait()
	})
	if kubeOnce.a == nil || kubeOnce.b == nil {
		t.Fatal("control planes did not start")
	}
	return kubeOnce.a, kubeOnce.b
}

func startKube(t testing.TB, name string) *kube.Cluster {
	dir, err := tempDir()
	if err != nil {
		t.Error(err)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := kube.Start(ctx, dir, kube.Options{Nodes: 2, Name: name})
	if err != nil {
		t.Errorf("start %s: %v", name, err)
		return nil
	}
	kubeStopsMu.Lock()
	kubeStops = append(kubeStops, c.Stop)
	kubeStopsMu.Unlock()
	return c
}

// kubeStops are run by TestMain after the package's tests; the planes
// start in parallel, hence the lock.
var (
	kubeStopsMu sync.Mutex
	kubeStops   []func() error
)

type operationView struct {
	ID, Status, Reason, Message string
	Result                      map[string]any
}

const opFields = `id status reason message result`

// waitOperation polls an operation until it finishes, with a deadline.
func (e *testEnv) waitOperation(t testing.TB, id string) operationView {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var op operationView
		e.do(t, `query($id: ID!) { operation(id: $id) { `+opFields+` } }`, map[string]any{"id": id}).field(t, "operation", &op)
		if op.Status == "SUCCEEDED" || op.Status == "FAILED" {
			return op
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation %s still %s", id, op.Status)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

func (e *testEnv) mutateOp(t testing.TB, mutation, field string, vars map[string]any) operationView {
	t.Helper()
	var op operationView
	e.do(t, mutation, vars).field(t, field, &op)
	return e.waitOperation(t, op.ID)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

func runningPods(t testing.TB, cs kubernetes.Interface, ns, app string) int {
	pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			n++
		}
	}
	return n
}

func deployment(name, image string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: default
spec:
  replicas: %[3]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: main
        image: %[2]s
`, name, image, replicas)
}

func TestClustersEndToEnd(t *testing.T) {
	a, b := kubeClusters(t)
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	p := env.createProject(t, "Games", "games")

	register := `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id name status version kind capacity } }`
	var c1, c2 struct {
		ID, Name, Status, Version, Kind string
		Capacity                        map[string]string
	}
	env.do(t, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "alpha", "kubeconfig": string(a.Kubeconfig), "environment": "PROD"}}).field(t, "registerCluster", &c1)
	env.do(t, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "beta", "kubeconfig": string(b.Kubeconfig)}}).field(t, "registerCluster", &c2)
	if c1.Status != "NORMAL" || !strings.HasPrefix(c1.Version, "v1.37") || c1.Capacity["nodes"] != "2" || c2.Status != "NORMAL" {
		t.Fatalf("registered %+v / %+v", c1, c2)
	}
	if res := env.do(t, `query($id: ID!) { cluster(id: $id) { credentials } }`, map[string]any{"id": c1.ID}); res.code() != "BAD_USER_INPUT" {
		t.Fatalf("credentials are queryable: %s", res.raw)
	}
	stored := env.db.Client.Cluster.GetX(system(), ID(c1.ID))
	if strings.Contains(string(stored.Credentials), "current-context") || len(stored.Credentials) == 0 {
		t.Fatal("kubeconfig not sealed at rest")
	}

	vars := func(extra map[string]any) map[string]any {
		m := map[string]any{"cid": c1.ID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	apply := `mutation($cid: ID!, $m: String!, $dry: Boolean) { applyManifest(input: {clusterID: $cid, manifest: $m, dryRun: $dry}) { ` + opFields + ` } }`

	// Dry run answers at once with what would change, and changes nothing.
	var dry operationView
	env.do(t, apply, vars(map[string]any{"m": deployment("web", "nginx:1.25", 3), "dry": true})).field(t, "applyManifest", &dry)
	if dry.Status != "SUCCEEDED" || !strings.Contains(fmt.Sprint(dry.Result), "created") {
		t.Fatalf("dry run: %+v", dry)
	}
	if _, err := a.Client.AppsV1().Deployments("default").Get(context.Background(), "web", metav1.GetOptions{}); err == nil {
		t.Fatal("dry run created the deployment")
	}

	op := env.mutateOp(t, apply, "applyManifest", vars(map[string]any{"m": deployment("web", "nginx:1.25", 3)}))
	if op.Status != "SUCCEEDED" {
		t.Fatalf("apply: %+v", op)
	}
	eventually(t, "3 pods Running", func() bool { return runningPods(t, a.Client, "default", "web") == 3 })

	scale := `mutation($cid: ID!, $n: Int!) { scaleWorkload(input: {clusterID: $cid, namespace: "default", kind: "Deployment", name: "web", replicas: $n}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, scale, "scaleWorkload", vars(map[string]any{"n": 5})); op.Status != "SUCCEEDED" {
		t.Fatalf("scale: %+v", op)
	}
	eventually(t, "5 pods Running", func() bool { return runningPods(t, a.Client, "default", "web") == 5 })

	restart := `mutation($cid: ID!) { restartWorkload(input: {clusterID: $cid, namespace: "default", kind: "Deployment", name: "web"}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, restart, "restartWorkload", vars(nil)); op.Status != "SUCCEEDED" {
		t.Fatalf("restart: %+v", op)
	}
	d, _ := a.Client.AppsV1().Deployments("default").Get(context.Background(), "web", metav1.GetOptions{})
	if d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
		t.Fatal("restart left no restartedAt annotation")
	}

	// New image, then roll back to the previous revision.
	if op := env.mutateOp(t, apply, "applyManifest", vars(map[string]any{"m": deployment("web", "nginx:1.26", 5)})); op.Status != "SUCCEEDED" {
		t.Fatalf("image change: %+v", op)
	}
	eventually(t, "the new image rolled out", func() bool {
		d, err := a.Client.AppsV1().Deployments("default").Get(context.Background(), "web", metav1.GetOptions{})
		return err == nil && d.Status.UpdatedReplicas == 5 && d.Status.ObservedGeneration >= d.Generation
	})
	rollback := `mutation($cid: ID!) { rollbackWorkload(input: {clusterID: $cid, namespace: "default", name: "web"}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, rollback, "rollbackWorkload", vars(nil)); op.Status != "SUCCEEDED" {
		t.Fatalf("rollback: %+v", op)
	}
	eventually(t, "the previous image back", func() bool {
		d, err := a.Client.AppsV1().Deployments("default").Get(context.Background(), "web", metav1.GetOptions{})
		return err == nil && d.Spec.Template.Spec.Containers[0].Image != "nginx:1.26"
	})

	// Drain a node: its pods move to the other.
	nodes, _ := a.Client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	victim := nodes.Items[0].Name
	drain := `mutation($cid: ID!, $n: String!) { drainNode(clusterID: $cid, name: $n, timeoutSeconds: 60) { ` + opFields + ` } }`
	if op := env.mutateOp(t, drain, "drainNode", vars(map[string]any{"n": victim})); op.Status != "SUCCEEDED" {
		t.Fatalf("drain: %+v", op)
	}
	eventually(t, "no pods left on the drained node", func() bool {
		pods, _ := a.Client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{FieldSelector: "spec.nodeName=" + victim})
		return len(pods.Items) == 0
	})
	env.mutateOp(t, `mutation($cid: ID!, $n: String!) { uncordonNode(clusterID: $cid, name: $n) { `+opFields+` } }`, "uncordonNode", vars(map[string]any{"n": victim}))

	del := `mutation($cid: ID!) { deleteObject(input: {clusterID: $cid, namespace: "default", kind: "Deployment", name: "web"}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, del, "deleteObject", vars(nil)); op.Status != "SUCCEEDED" {
		t.Fatalf("delete: %+v", op)
	}
	eventually(t, "the deployment gone", func() bool {
		_, err := a.Client.AppsV1().Deployments("default").Get(context.Background(), "web", metav1.GetOptions{})
		return err != nil
	})

	// Bad input: each a clear error or a failed operation, never a hang.
	if res := env.do(t, apply, vars(map[string]any{"m": "kind: [unclosed"})); res.code() != "BAD_USER_INPUT" {
		t.Errorf("invalid YAML: %s", res.raw)
	}
	for name, manifest := range map[string]string{
		"unknown kind":      "apiVersion: v1\nkind: Gizmo\nmetadata: {name: x, namespace: default}\n",
		"missing namespace": strings.Replace(deployment("ghost", "nginx", 1), "namespace: default", "namespace: nowhere", 1),
		"rejected field":    strings.Replace(deployment("bad", "nginx", 1), "replicas: 1", "replicas: -4", 1),
	} {
		op := env.mutateOp(t, apply, "applyManifest", vars(map[string]any{"m": manifest}))
		if op.Status != "FAILED" || op.Message == "" {
			t.Errorf("%s: %+v", name, op)
		}
	}
	for name, kubeconfig := range map[string]string{
		"malformed":   "this is not a kubeconfig",
		"closed port": strings.Replace(string(a.Kubeconfig), a.Host, "https://127.0.0.1:1", 1),
		"wrong token": strings.Replace(string(a.Kubeconfig), a.Token, "not-the-token", 1),
		"empty":       "",
	} {
		start := time.Now()
		res := env.do(t, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "bad-" + strings.ReplaceAll(name, " ", "-"), "kubeconfig": kubeconfig}})
		if res.code() != "BAD_USER_INPUT" || time.Since(start) > 15*time.Second {
			t.Errorf("%s kubeconfig: %s (%s)", name, res.raw, time.Since(start))
		}
	}
	if n := env.db.Client.Cluster.Query().CountX(system()); n != 2 {
		t.Errorf("refused registrations left rows: %d clusters", n)
	}
	if res := env.do(t, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "alpha", "kubeconfig": string(a.Kubeconfig)}}); res.code() != "CONFLICT" {
		t.Errorf("duplicate cluster name: %s", res.raw)
	}

	// The health monitor (every 300 ms here) has probed it many times by now.
	var after struct{ Status string }
	env.do(t, `query($id: ID!) { cluster(id: $id) { status } }`, map[string]any{"id": c1.ID}).field(t, "cluster", &after)
	if after.Status != "NORMAL" {
		t.Errorf("a healthy kubeconfig cluster is %s", after.Status)
	}

	var ops struct{ TotalCount int }
	env.do(t, `{ operations(where: {status: FAILED}) { totalCount } }`, nil).field(t, "operations", &ops)
	if ops.TotalCount != 3 {
		t.Errorf("failed operations = %d, want 3", ops.TotalCount)
	}

	// Remove: keep the data of one, forget the other.
	var removed struct{ Status string }
	env.do(t, `mutation($id: ID!) { removeCluster(id: $id) { status } }`, map[string]any{"id": c1.ID}).field(t, "removeCluster", &removed)
	if removed.Status != "REMOVED" {
		t.Errorf("removed cluster is %s", removed.Status)
	}
	if res := env.do(t, scale, vars(map[string]any{"n": 1})); res.code() != "CONFLICT" {
		t.Errorf("operation on a removed cluster: %s", res.raw)
	}
	env.do(t, `mutation($id: ID!) { removeCluster(id: $id, forgetData: true) { status } }`, map[string]any{"id": c2.ID}).field(t, "removeCluster", &removed)
	if res := env.do(t, `query($id: ID!) { cluster(id: $id) { id } }`, map[string]any{"id": c2.ID}); res.code() != "NOT_FOUND" {
		t.Errorf("forgotten cluster still answers: %s", res.raw)
	}
}

func deploymentObject(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "nginx"}}}}},
	}
}

func scaleTo(name string, n int32) *autoscalingv1.Scale {
	return &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: autoscalingv1.ScaleSpec{Replicas: n}}
}

func namespaceObject(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}
