package server

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkClusterOperations measures, against a real control plane:
// scale mutations per second end to end (mutation → Operation SUCCEEDED),
// and the time from registerCluster to a Deployment's pods Running.
func BenchmarkClusterOperations(b *testing.B) {
	a, _ := kubeClusters(b)
	env := newEnv(b, "sqlite://"+b.TempDir()+"/bcs.db")
	p := env.createProject(b, "Bench", "bench")
	register := `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`
	apply := `mutation($cid: ID!, $m: String!) { applyManifest(input: {clusterID: $cid, manifest: $m}) { ` + opFields + ` } }`

	b.Run("register-to-running", func(b *testing.B) {
		var total time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			var c struct{ ID string }
			env.do(b, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": fmt.Sprintf("r%d-%d", i, time.Now().UnixNano()%1e6), "kubeconfig": string(a.Kubeconfig)}}).field(b, "registerCluster", &c)
			name := fmt.Sprintf("bench-%d-%d", i, time.Now().UnixNano()%1e6)
			if op := env.mutateOp(b, apply, "applyManifest", map[string]any{"cid": c.ID, "m": deployment(name, "nginx", 2)}); op.Status != "SUCCEEDED" {
				b.Fatalf("apply: %+v", op)
			}
			eventually(b, "2 pods Running", func() bool { return runningPods(b, a.Client, "default", name) == 2 })
			total += time.Since(start)
		}
		b.ReportMetric(total.Seconds()/float64(b.N), "s/register-to-running")
	})

	var c struct{ ID string }
	env.do(b, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "scale", "kubeconfig": string(a.Kubeconfig)}}).field(b, "registerCluster", &c)
	if op := env.mutateOp(b, apply, "applyManifest", map[string]any{"cid": c.ID, "m": deployment("scaled", "nginx", 1)}); op.Status != "SUCCEEDED" {
		b.Fatalf("apply: %+v", op)
	}
	scale := `mutation($cid: ID!, $n: Int!) { scaleWorkload(input: {clusterID: $cid, namespace: "default", kind: "Deployment", name: "scaled", replicas: $n}) { ` + opFields + ` } }`
	b.Run("scale-mutations", func(b *testing.B) {
		start := time.Now()
		for i := 0; i < b.N; i++ {
			if op := env.mutateOp(b, scale, "scaleWorkload", map[string]any{"cid": c.ID, "n": 1 + i%3}); op.Status != "SUCCEEDED" {
				b.Fatalf("scale: %+v", op)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "scales/s")
	})
}
