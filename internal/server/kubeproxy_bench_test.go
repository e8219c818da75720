package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
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

// BenchmarkKubeProxyWatches200 holds 200 watches open through BCS's proxy
// and reports the heap they add to this process (BCS and the test's own
// client side together: an upper bound for BCS) and, per event, the time
// until all 200 have it beside the time a direct watch has it.
func BenchmarkKubeProxyWatches200(b *testing.B) {
	const ns, watches = "bench-watch", 200
	a, _ := kubeClusters(b)
	ctx := context.Background()
	if _, err := a.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	env, base := kubeProxyEnv(b)
	p := env.createProject(b, "Watch", "watch")
	var c struct{ ID string }
	env.do(b, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "alpha", "kubeconfig": string(a.Kubeconfig)}}).field(b, "registerCluster", &c)
	eventually(b, "BCS's bindings installed", func() bool {
		_, err := a.Client.RbacV1().ClusterRoleBindings().Get(ctx, "bcs:admin", metav1.GetOptions{})
		return err == nil
	})
	list, err := a.Client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	url := base + "/clusters/" + c.ID + "/k8s/api/v1/namespaces/" + ns + "/configmaps?watch=1&resourceVersion=" + list.ResourceVersion
	transport := tlsClient.Transport.(*http.Transport).Clone()
	transport.MaxConnsPerHost, transport.MaxIdleConnsPerHost = 0, watches
	client := &http.Client{Transport: transport}
	defer transport.CloseIdleConnections()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	events := make(chan string, watches*8)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	for range watches {
		req, _ := http.NewRequestWithContext(wctx, http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+env.token)
		res, err := client.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("watch through BCS: %v %v", err, res)
		}
		go func() {
			defer res.Body.Close()
			dec := json.NewDecoder(res.Body)
			for {
				var ev struct {
					Object struct{ Metadata struct{ Name string } }
				}
				if dec.Decode(&ev) != nil {
					return
				}
				events <- ev.Object.Metadata.Name
			}
		}()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	direct, err := a.Client.CoreV1().ConfigMaps(ns).Watch(wctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Stop()

	var viaDirect, viaBCS time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("cm-%d-%d", i, time.Now().UnixNano())
		start := time.Now()
		if _, err := a.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		gotDirect := false
		for n := 0; n < watches || !gotDirect; {
			select {
			case ev := <-direct.ResultChan():
				if cm, ok := ev.Object.(*corev1.ConfigMap); ok && cm.Name == name && !gotDirect {
					gotDirect = true
					viaDirect += time.Since(start)
				}
			case got := <-events:
				if got == name {
					if n++; n == watches {
						viaBCS += time.Since(start)
					}
				}
			case <-time.After(time.Minute):
				b.Fatalf("event %s reached %d of %d watches", name, n, watches)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric((float64(after.HeapInuse)-float64(before.HeapInuse))/watches/1024, "heap-KiB/watch")
	b.ReportMetric(viaDirect.Seconds()*1000/float64(b.N), "direct-ms/event")
	b.ReportMetric(viaBCS.Seconds()*1000/float64(b.N), "all200-bcs-ms/event")
}
