package server

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/pod"
	"github.com/bcs-io/bcs/internal/testenv/kube"
)

// BenchmarkResidentPerWatchedPod rolls a 2,000-pod Deployment out on a
// real control plane (kwok nodes) that BCS watches, and reports what the
// process holds per pod once datawatch has stored them all: the resident
// memory (after a GC gives back what is garbage, so GC timing does not
// decide the figure), the same without that GC, and the live Go heap.
// Everything of BCS is in this process: informers, change-log writer,
// hub, and with SQLite its page caches (outside the Go heap) and rows.
func BenchmarkResidentPerWatchedPod(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		residentPerWatchedPod(b, func() string { return "sqlite://" + b.TempDir() + "/bcs.db" })
	})
	b.Run("postgres", func(b *testing.B) {
		residentPerWatchedPod(b, func() string {
			url, err := pg.CreateDatabase(context.Background(), fmt.Sprintf("t%d", dbSeq.Add(1)))
			if err != nil {
				b.Fatal(err)
			}
			return url
		})
	})
}

func residentPerWatchedPod(b *testing.B, database func() string) {
	const pods, nodes = 2000, 20 // kwok nodes take 110 pods each
	for b.Loop() {
		dir, err := tempDir()
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		c, err := kube.Start(ctx, dir, kube.Options{Nodes: nodes, Name: "memory"})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = c.Stop(); _ = os.RemoveAll(dir) })
		// The production intervals: the tests' 300 ms health probe opens a
		// connection each time, alive until the transport's idle timeout,
		// which would count as per-pod memory here.
		env := newEnvWith(b, database(), func(c *Config) {
			c.HealthInterval, c.AgentStaleAfter = DefaultConfig.HealthInterval, DefaultConfig.AgentStaleAfter
			c.WatchInterval, c.WatchLeaseTTL = DefaultConfig.WatchInterval, DefaultConfig.WatchLeaseTTL
		})
		p := env.createProject(b, "Memory", "memory")
		env.do(b, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "memory", "kubeconfig": string(c.Kubeconfig)}})
		until(b, ctx, "the nodes stored", func() bool { return env.db.Client.ClusterNode.Query().CountX(system()) >= nodes })
		before := residentNow()

		replicas := int32(pods)
		dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.25",
						Env: []corev1.EnvVar{{Name: "MODE", Value: "production"}}}}}}}}
		if _, err := c.Client.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		until(b, ctx, "2,000 running pods stored", func() bool {
			return env.db.Client.Pod.Query().Where(pod.Phase("Running")).CountX(system()) >= pods
		})
		after := residentNow()
		b.ReportMetric(float64(after.rss-before.rss)/pods/1024, "rss-KiB/pod")
		b.ReportMetric(float64(after.rawRSS-before.rawRSS)/pods/1024, "rss-noGC-KiB/pod")
		b.ReportMetric(float64(after.heap-before.heap)/pods/1024, "heap-KiB/pod")
		b.ReportMetric(float64(after.heapInuse-before.heapInuse)/pods/1024, "heap-inuse-KiB/pod")
		b.ReportMetric(float64(after.stacks-before.stacks)/pods/1024, "stacks-KiB/pod")
		b.ReportMetric(float64(after.rss)/(1<<20), "rss-MiB")
	}
}

type resident struct{ rawRSS, rss, heap, heapInuse, stacks int64 }

func residentNow() resident {
	var r resident
	r.rawRSS = vmRSS()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.heap, r.heapInuse, r.stacks = int64(ms.HeapAlloc), int64(ms.HeapInuse), int64(ms.StackInuse)
	r.rss = vmRSS()
	return r
}

// until polls cond until it holds or ctx ends (a rollout of thousands of
// pods outlasts eventually's deadline on a loaded machine).
func until(b *testing.B, ctx context.Context, what string, cond func() bool) {
	b.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			b.Fatal(fmt.Errorf("waiting for %s: %w", what, ctx.Err()))
		case <-time.After(200 * time.Millisecond): // polling interval, bounded by ctx
		}
	}
}
