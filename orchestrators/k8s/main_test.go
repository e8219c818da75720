package k8s_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/internal/testenv/kube"
	"github.com/bcs-io/bcs/internal/testenv/testlog"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/k8s"
)

// One control plane serves the whole package; each test works in its own
// namespace. Tests that cordon or drain use nodes of their own.
var (
	env  *kube.Cluster
	orch *k8s.Orchestrator
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bcs-k8s-orch-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), kube.StartTimeout)
	env, err = kube.Start(ctx, dir, kube.Options{Nodes: 2, Name: "orch-test"})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.Stop()
	if orch, err = k8s.New(env.Kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := testlog.Run(m)
	if code != 0 {
		fmt.Fprintln(os.Stderr, "control plane logs:", env.LogTails())
	}
	return code
}

var nsSeq atomic.Int32

// namespace creates a fresh namespace through the orchestrator and deletes
// it when the test ends.
func namespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("t%d-%s", nsSeq.Add(1), strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())))
	if len(name) > 60 {
		name = name[:60]
	}
	name = strings.TrimRight(name, "-")
	if err := orch.ApplyNamespace(ctx(t), orchestrators.NamespaceSpec{Name: name}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = orch.DeleteNamespace(context.Background(), name) })
	return name
}

// ctx bounds each test's cluster calls.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return c
}

// eventually polls cond every 100 ms until it holds or 60 s pass.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s (last: %s)", what, state)
		case <-tick.C:
		}
	}
}

// runningPods returns the Running, not terminating pods matching selector.
func runningPods(t *testing.T, ns, selector string) []corev1.Pod {
	t.Helper()
	list, err := env.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func waitRunning(t *testing.T, ns, selector string, want int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	eventually(t, fmt.Sprintf("%d pods %s Running", want, selector), func() (bool, string) {
		pods = runningPods(t, ns, selector)
		return len(pods) == want, fmt.Sprintf("%d running", len(pods))
	})
	return pods
}

// waitRolledOut waits until the Deployment runs its current template only.
func waitRolledOut(t *testing.T, ns, name string) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	eventually(t, "rollout of "+name, func() (bool, string) {
		var err error
		d, err = env.Client.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		s, want := d.Status, *d.Spec.Replicas
		return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.Replicas == want && s.AvailableReplicas == want,
			fmt.Sprintf("%+v", s)
	})
	return d
}

func deploymentYAML(name string, replicas int, image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: main
        image: %[3]s
`, name, replicas, image)
}

func apply(t *testing.T, ns, manifest string) *orchestrators.ApplyResult {
	t.Helper()
	res, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: []byte(manifest), Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantKind(t *testing.T, err error, kind orchestrators.ErrorKind) *orchestrators.Error {
	t.Helper()
	var e *orchestrators.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *orchestrators.Error of kind %s, got %T: %v", kind, err, err)
	}
	if e.Kind != kind {
		t.Fatalf("want kind %s, got %s: %v", kind, e.Kind, err)
	}
	return e
}
