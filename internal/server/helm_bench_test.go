package server

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/internal/testenv/registry"
)

// BenchmarkHelmInstall50 installs one chart of 20 objects (a Deployment, a
// Service, a Secret and 17 ConfigMaps) from a real registry into 50
// namespaces of a real control plane, through installRelease from 10
// clients at once, and measures the time until every Operation has
// SUCCEEDED and every release's pod is Running, and this process's memory
// (BCS's server; the registry and the control plane run apart) meanwhile.
func BenchmarkHelmInstall50(b *testing.B) {
	const namespaces, clients = 50, 10
	a, _ := kubeClusters(b)
	reg := registry.New(b, "bcs", "bench-pw")
	if _, err := reg.PushChart(shopChart, "charts", "0.1.0", ""); err != nil {
		b.Fatal(err)
	}
	env := newEnv(b, "sqlite://"+b.TempDir()+"/bcs.db")
	p := env.createProject(b, "Helm bench", "helm-bench")
	var c struct{ ID string }
	env.do(b, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "bench", "kubeconfig": string(a.Kubeconfig)}}).field(b, "registerCluster", &c)
	var repo repoView
	env.do(b, addRepo, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "main", "url": "oci://" + reg.Host + "/charts",
		"username": "bcs", "password": "bench-pw", "plainHTTP": true}}).field(b, "addChartRepository", &repo)
	ctx := context.Background()

	var total, submit, deployed time.Duration
	var peakHeap, peakRSS uint64
	for i := 0; i < b.N; i++ {
		names := make([]string, namespaces)
		stamp := time.Now().UnixNano() % 1e6
		for j := range names {
			names[j] = fmt.Sprintf("hb%d-%d-%02d", stamp, i, j)
			if _, err := a.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: names[j]}}, metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		stop := sampleMemory(&peakHeap, &peakRSS)
		start := time.Now()

		ops := make([]string, namespaces)
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < clients; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := int(next.Add(1)) - 1; j < namespaces; j = int(next.Add(1)) - 1 {
					var op operationView
					env.do(b, installRe, map[string]any{"in": map[string]any{"clusterID": c.ID, "namespace": names[j], "name": "shop",
						"chart": "oci://" + reg.Host + "/charts/shop", "values": "extraConfigMaps: 16\n"}}).field(b, "installRelease", &op)
					ops[j] = op.ID
				}
			}()
		}
		wg.Wait()
		submit += time.Since(start)
		for _, id := range ops {
			if op := env.waitOperation(b, id); op.Status != "SUCCEEDED" || op.Result["objects"].(map[string]any)["objectCount"] != float64(20) {
				b.Fatalf("install: %+v", op)
			}
		}
		deployed += time.Since(start)
		prefix := names[0][:strings.LastIndex(names[0], "-")+1]
		running := func() (int, map[corev1.PodPhase]int) {
			pods, err := a.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: "app=shop"})
			if err != nil {
				return 0, nil
			}
			inNS, phases := map[string]bool{}, map[corev1.PodPhase]int{}
			for _, p := range pods.Items {
				if strings.HasPrefix(p.Namespace, prefix) {
					phases[p.Status.Phase]++
					if p.Status.Phase == corev1.PodRunning {
						inNS[p.Namespace] = true
					}
				}
			}
			return len(inNS), phases
		}
		for deadline := time.Now().Add(3 * time.Minute); ; {
			n, phases := running()
			if n == namespaces {
				break
			}
			if time.Now().After(deadline) {
				d, _ := a.Client.AppsV1().Deployments(names[1]).Get(ctx, "shop", metav1.GetOptions{})
				rs, _ := a.Client.AppsV1().ReplicaSets(names[1]).List(ctx, metav1.ListOptions{})
				ev, _ := a.Client.CoreV1().Events(names[1]).List(ctx, metav1.ListOptions{})
				for _, e := range ev.Items {
					b.Logf("event %s %s: %s", e.InvolvedObject.Kind, e.Reason, e.Message)
				}
				b.Logf("deployment %+v; %d replicasets", d.Status, len(rs.Items))
				b.Fatalf("pods Running in %d of %d namespaces after 3 minutes (pods by phase: %v)", n, namespaces, phases)
			}
			time.Sleep(100 * time.Millisecond) // polling interval, bounded by the deadline
		}
		total += time.Since(start)
		stop()
		for _, ns := range names {
			_ = a.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/50-releases")
	b.ReportMetric(submit.Seconds()/float64(b.N), "s-all-submitted")
	b.ReportMetric(deployed.Seconds()/float64(b.N), "s-all-deployed")
	b.ReportMetric(float64(peakHeap)/(1<<20), "MiB-peak-heap")
	b.ReportMetric(float64(peakRSS)/(1<<20), "MiB-peak-rss")
}

// sampleMemory records the process's peak Go heap and resident memory
// every 100 ms until stop is called.
func sampleMemory(heap, rss *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			*heap = max(*heap, ms.HeapInuse)
			*rss = max(*rss, selfRSS())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func selfRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n * 1024
		}
	}
	return 0
}
