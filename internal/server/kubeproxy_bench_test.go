package server

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkKubectlGetPods2000 times `kubectl get pods -A` over 2,000 pods
// straight to the API server and through BCS's proxy, alternately in the
// same run, and reports both and their ratio (target ≤ 1.2).
func BenchmarkKubectlGetPods2000(b *testing.B) {
	const ns, pods = "bench-pods", 2000
	a, _ := kubeClusters(b)
	kc := newKubectl(b)
	ctx := context.Background()
	if _, err := a.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	// The pods stay for the benchmark's next round (the control plane is
	// this test process's own).
	nodes, err := a.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) == 0 {
		b.Fatalf("nodes: %v", err)
	}
	have, err := a.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, pods)
	for w := range 16 {
		if len(have.Items) >= pods {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < pods; i += 16 {
				pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%04d", i), Labels: map[string]string{"app": "bench"}},
					Spec: corev1.PodSpec{NodeName: nodes.Items[i%len(nodes.Items)].Name,
						Containers: []corev1.Container{{Name: "main", Image: "nginx"}}}}
				if _, err := a.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}

	env, _ := kubeProxyEnv(b)
	p := env.createProject(b, "Bench", "bench")
	var c struct{ ID string }
	env.do(b, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "alpha", "kubeconfig": string(a.Kubeconfig)}}).field(b, "registerCluster", &c)
	// Datawatch's first sync of the 2,000 pods must not run during the timing.
	eventually(b, "datawatch holds the pods", func() bool { return env.db.Client.Pod.Query().CountX(system()) >= pods })
	eventually(b, "BCS's bindings installed", func() bool {
		_, err := a.Client.RbacV1().ClusterRoleBindings().Get(ctx, "bcs:admin", metav1.GetOptions{})
		return err == nil
	})
	viaBCS := env.kubeconfigFile(b, c.ID)
	get := func(kubeconfig string) time.Duration {
		start := time.Now()
		out, errs, ok := kc.run(b, kubeconfig, "", "get", "pods", "-A")
		if !ok || len(out) < pods*40 {
			b.Fatalf("kubectl get pods -A: %d bytes, %s", len(out), errs)
		}
		return time.Since(start)
	}
	get(a.KubeconfigPath) // discovery caches filled for both
	get(viaBCS)
	var direct, proxied time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			direct += get(a.KubeconfigPath)
			proxied += get(viaBCS)
		} else {
			proxied += get(viaBCS)
			direct += get(a.KubeconfigPath)
		}
	}
	b.StopTimer()
	b.ReportMetric(direct.Seconds()*1000/float64(b.N), "direct-ms/get")
	b.ReportMetric(proxied.Seconds()*1000/float64(b.N), "bcs-ms/get")
	b.ReportMetric(float64(proxied)/float64(direct), "bcs/direct")
}
