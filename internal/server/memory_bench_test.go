package server

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

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
// The Deployment then scales to 3,000 for the marginal cost per pod
// (benchPodCounts).
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

// benchPodCounts reads BCS_BENCH_PODS ("N1,N2", default 2000,3000): the
// Deployment rolls out N1 pods, then scales to N2. Per pod at N1 is the
// process's growth divided by N1, which counts bounded caches (SQLite's
// page cache per connection, pools, tables) filled on the way as if they
// were per pod; the marginal figure, growth from N1 to N2 over N2-N1,
// counts only what every further pod adds.
func benchPodCounts(b *testing.B) (n1, n2 int) {
	n1, n2 = 2000, 3000
	if v := os.Getenv("BCS_BENCH_PODS"); v != "" {
		if _, err := fmt.Sscanf(v, "%d,%d", &n1, &n2); err != nil || n1 <= 0 || n2 <= n1 {
			b.Fatalf("BCS_BENCH_PODS=%q: want N1,N2 with 0 < N1 < N2", v)
		}
	}
	return n1, n2
}

func residentPerWatchedPod(b *testing.B, database func() string) {
	pods, pods2 := benchPodCounts(b)
	nodes := pods2/100 + 1 // kwok nodes take 110 pods each
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
		running := func(n int) func() bool {
			return func() bool { return env.db.Client.Pod.Query().Where(pod.Phase("Running")).CountX(system()) >= n }
		}
		until(b, ctx, fmt.Sprintf("%d running pods stored", pods), running(pods))
		after := residentNow()

		scale := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, pods2)
		if _, err := c.Client.AppsV1().Deployments("default").Patch(ctx, "web", types.MergePatchType, scale, metav1.PatchOptions{}); err != nil {
			b.Fatal(err)
		}
		until(b, ctx, fmt.Sprintf("%d running pods stored", pods2), running(pods2))
		more := residentNow()
		st := env.db.SQL.Stats()
		b.ReportMetric(float64(st.OpenConnections), "db-conns")
		b.ReportMetric(float64(st.MaxIdleClosed+st.MaxIdleTimeClosed+st.MaxLifetimeClosed), "db-conns-closed")
		// What the pool's idle connections hold outside the Go heap (with
		// SQLite: page caches and prepared statements): closing them
		// gives it back. A bounded cost, however many pods. (Last: the
		// pool keeps no idle connection after this.)
		env.db.SQL.SetMaxIdleConns(-1)
		closed := residentNow()
		b.ReportMetric(float64(more.anon-closed.anon)/(1<<20), "idle-conns-MiB")
		added := float64(pods2 - pods)
		b.ReportMetric(float64(more.rss-after.rss)/added/1024, "marginal-rss-KiB/pod")
		b.ReportMetric(float64(more.anon-after.anon)/added/1024, "marginal-anon-KiB/pod")
		b.ReportMetric(float64(more.heap-after.heap)/added/1024, "marginal-heap-KiB/pod")
		b.ReportMetric(float64(more.heapInuse-after.heapInuse)/added/1024, "marginal-heap-inuse-KiB/pod")
		b.ReportMetric(float64(more.rss-before.rss)/float64(pods2)/1024, "rss-at-N2-KiB/pod")
		b.ReportMetric(float64(after.rss-before.rss)/float64(pods)/1024, "rss-KiB/pod")
		b.ReportMetric(float64(after.rawRSS-before.rawRSS)/float64(pods)/1024, "rss-noGC-KiB/pod")
		b.ReportMetric(float64(after.anon-before.anon)/float64(pods)/1024, "anon-KiB/pod")
		b.ReportMetric(float64(after.heap-before.heap)/float64(pods)/1024, "heap-KiB/pod")
		b.ReportMetric(float64(after.heapInuse-before.heapInuse)/float64(pods)/1024, "heap-inuse-KiB/pod")
		b.ReportMetric(float64(after.stacks-before.stacks)/float64(pods)/1024, "stacks-KiB/pod")
		b.ReportMetric(float64(after.rss)/(1<<20), "rss-MiB")
	}
}

type resident struct{ rawRSS, rss, anon, heap, heapInuse, stacks int64 }

func residentNow() resident {
	var r resident
	r.rawRSS = vmRSS()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.heap, r.heapInuse, r.stacks = int64(ms.HeapAlloc), int64(ms.HeapInuse), int64(ms.StackInuse)
	r.rss = vmRSS()
	r.anon = statusKiB("RssAnon:") * 1024
	return r
}

// statusKiB reads one "Name: N kB" line of /proc/self/status.
func statusKiB(name string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, name); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
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
