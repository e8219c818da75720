package k8s_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bcs-io/bcs/orchestrators"
)

// pool adds n kwok nodes that only pods tolerating the pool's taint use,
// so cordoning and draining them leaves other tests alone.
func pool(t *testing.T, name string, n int) []string {
	t.Helper()
	var nodes []string
	for i := range n {
		node := fmt.Sprintf("%s-%d", name, i)
		if err := env.AddNode(ctx(t), node); err != nil {
			t.Fatal(err)
		}
		if err := orch.SetNodeLabels(ctx(t), node, map[string]string{"pool": name}, nil); err != nil {
			t.Fatal(err)
		}
		if err := orch.SetNodeTaints(ctx(t), node, []orchestrators.Taint{{Key: "pool", Value: name, Effect: "NoSchedule"}}); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, node)
	}
	return nodes
}

func node(t *testing.T, name string) *corev1.Node {
	t.Helper()
	n, err := env.Client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNodeCordonLabelsTaints(t *testing.T) {
	name := pool(t, "ops", 1)[0]
	c := ctx(t)
	if err := orch.CordonNode(c, name); err != nil {
		t.Fatal(err)
	}
	if !node(t, name).Spec.Unschedulable {
		t.Fatal("not cordoned")
	}
	if err := orch.SetNodeLabels(c, name, map[string]string{"zone": "a", "tier": "web"}, []string{"pool"}); err != nil {
		t.Fatal(err)
	}
	l := node(t, name).Labels
	if l["zone"] != "a" || l["tier"] != "web" || l["pool"] != "" || l["kubernetes.io/hostname"] != name {
		t.Errorf("labels %v", l)
	}
	if err := orch.SetNodeTaints(c, name, []orchestrators.Taint{{Key: "dedicated", Value: "db", Effect: "NoExecute"}}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tt := range node(t, name).Spec.Taints {
		keys = append(keys, tt.Key)
	}
	if !slices.Contains(keys, "dedicated") || slices.Contains(keys, "pool") {
		t.Errorf("taints %v", keys)
	}
	if err := orch.UncordonNode(c, name); err != nil {
		t.Fatal(err)
	}
	if node(t, name).Spec.Unschedulable {
		t.Error("still cordoned")
	}

	wantKind(t, orch.SetNodeTaints(c, name, []orchestrators.Taint{{Key: "x", Effect: "Sometimes"}}), orchestrators.ErrBadInput)
	wantKind(t, orch.SetNodeLabels(c, name, map[string]string{"bad key!": "v"}, nil), orchestrators.ErrBadInput)
	if e := wantKind(t, orch.CordonNode(c, "no-such-node"), orchestrators.ErrAPI); e.Reason != "NotFound" {
		t.Errorf("cordon missing node: %+v", e)
	}
}

// poolDeployment runs replicas pods on the pool's nodes only.
func poolDeployment(name, pool string, replicas int) string {
	return deploymentYAML(name, replicas, "nginx:1.27") + fmt.Sprintf(`      nodeSelector: {pool: %[1]s}
      tolerations: [{key: pool, value: %[1]s, effect: NoSchedule}]
`, pool)
}

func pdb(t *testing.T, ns, app string, maxUnavailable, minAvailable *intstr.IntOrString) {
	t.Helper()
	p := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: app},
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			MaxUnavailable: maxUnavailable,
			MinAvailable:   minAvailable,
		},
	}
	if _, err := env.Client.PolicyV1().PodDisruptionBudgets(ns).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Evictions consult the budget's status; wait for the controller.
	eventually(t, "PDB status", func() (bool, string) {
		got, err := env.Client.PolicyV1().PodDisruptionBudgets(ns).Get(context.Background(), app, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return got.Status.ObservedGeneration >= got.Generation && got.Status.ExpectedPods > 0, fmt.Sprintf("%+v", got.Status)
	})
}

func TestDrainRespectsPDB(t *testing.T) {
	ns := namespace(t)
	nodes := pool(t, "drain", 2)
	apply(t, ns, poolDeployment("web", "drain", 4))
	pods := waitRunning(t, ns, "app=web", 4)
	one := intstr.FromInt32(1)
	pdb(t, ns, "web", &one, nil)

	// Drain the node holding most of the pods.
	count := map[string]int{}
	for _, p := range pods {
		count[p.Spec.NodeName]++
	}
	victim, other := nodes[0], nodes[1]
	if count[other] > count[victim] {
		victim, other = other, victim
	}
	began := time.Now()
	res, err := orch.DrainNode(ctx(t), orchestrators.DrainRequest{Node: victim, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("drained %d pods from %s in %s (PDB maxUnavailable=1)", len(res.Evicted), victim, time.Since(began).Round(time.Millisecond))
	if len(res.Evicted) != count[victim] {
		t.Errorf("evicted %v, want %d pods", res.Evicted, count[victim])
	}
	if !node(t, victim).Spec.Unschedulable {
		t.Error("drained node not cordoned")
	}
	for _, p := range waitRunning(t, ns, "app=web", 4) {
		if p.Spec.NodeName != other {
			t.Errorf("pod %s on %s after drain", p.Name, p.Spec.NodeName)
		}
	}

	// A budget that allows no disruption makes the drain fail, with the
	// server's reason, once its timeout passes.
	all := intstr.FromString("100%")
	ns2 := namespace(t)
	if err := orch.UncordonNode(ctx(t), victim); err != nil {
		t.Fatal(err)
	}
	apply(t, ns2, poolDeployment("db", "drain", 1))
	waitRunning(t, ns2, "app=db", 1)
	pdb(t, ns2, "db", nil, &all)
	dbPods := runningPods(t, ns2, "app=db")
	began = time.Now()
	_, err = orch.DrainNode(ctx(t), orchestrators.DrainRequest{Node: dbPods[0].Spec.NodeName, Timeout: 3 * time.Second})
	e := wantKind(t, err, orchestrators.ErrAPI)
	if e.Reason != "TooManyRequests" || e.Code != 429 || time.Since(began) > 10*time.Second {
		t.Errorf("blocked drain after %s: %+v", time.Since(began), e)
	}
	t.Logf("blocked drain: %v", err)
}

func TestNamespaceQuotaAndLimits(t *testing.T) {
	c := ctx(t)
	name := fmt.Sprintf("quota-%d", time.Now().UnixNano()%100000)
	t.Cleanup(func() { _ = orch.DeleteNamespace(context.Background(), name) })
	spec := orchestrators.NamespaceSpec{
		Name:   name,
		Labels: map[string]string{"team": "a"},
		Quota:  map[string]string{"pods": "10", "requests.cpu": "4"},
		Limits: &orchestrators.LimitSpec{Default: map[string]string{"cpu": "500m"}, DefaultRequest: map[string]string{"cpu": "100m"}},
	}
	if err := orch.ApplyNamespace(c, spec); err != nil {
		t.Fatal(err)
	}
	ns, err := env.Client.CoreV1().Namespaces().Get(c, name, metav1.GetOptions{})
	if err != nil || ns.Labels["team"] != "a" {
		t.Fatalf("namespace %v: %v", ns, err)
	}
	q, err := env.Client.CoreV1().ResourceQuotas(name).Get(c, "bcs-quota", metav1.GetOptions{})
	if err != nil || q.Spec.Hard.Pods().String() != "10" {
		t.Fatalf("quota %v: %v", q, err)
	}
	lr, err := env.Client.CoreV1().LimitRanges(name).Get(c, "bcs-limits", metav1.GetOptions{})
	if err != nil || lr.Spec.Limits[0].Default.Cpu().String() != "500m" {
		t.Fatalf("limit range %v: %v", lr, err)
	}

	spec.Limits, spec.Quota["pods"], spec.Labels = nil, "20", map[string]string{"team": "b"}
	if err := orch.ApplyNamespace(c, spec); err != nil {
		t.Fatal(err)
	}
	if lrs, _ := env.Client.CoreV1().LimitRanges(name).List(c, metav1.ListOptions{}); len(lrs.Items) != 0 {
		t.Errorf("limit range kept: %v", lrs.Items)
	}
	if q, _ := env.Client.CoreV1().ResourceQuotas(name).Get(c, "bcs-quota", metav1.GetOptions{}); q.Spec.Hard.Pods().String() != "20" {
		t.Errorf("quota not updated: %v", q.Spec.Hard)
	}

	wantKind(t, orch.ApplyNamespace(c, orchestrators.NamespaceSpec{Name: name, Quota: map[string]string{"pods": "lots"}}), orchestrators.ErrBadInput)
	wantKind(t, orch.ApplyNamespace(c, orchestrators.NamespaceSpec{Name: "Not_A_Name"}), orchestrators.ErrBadInput)
	if err := orch.DeleteNamespace(c, name); err != nil {
		t.Fatal(err)
	}
}
