package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const benchTemplate = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  namespace: "{{ SYS_NAMESPACE }}"
  level: "{{ level }}"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bench-app
spec:
  replicas: 0
  selector:
    matchLabels: {app: bench-app}
  template:
    metadata:
      labels: {app: bench-app}
    spec:
      containers:
      - name: main
        image: nginx
`

// BenchmarkInstantiate100Namespaces measures, against a real control plane,
// the time from instantiateTemplate into 100 namespaces to every instance
// READY (all objects applied).
func BenchmarkInstantiate100Namespaces(b *testing.B) {
	a, _ := kubeClusters(b)
	env := newEnv(b, "sqlite://"+b.TempDir()+"/bcs.db")
	p := env.createProject(b, "Bench Templates", "bench-tpl")
	var c struct{ ID string }
	env.do(b, `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": "bench", "kubeconfig": string(a.Kubeconfig)}}).field(b, "registerCluster", &c)
	var tpl, ver struct{ ID string }
	env.do(b, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "bench", kind: K8S, draft: $d}) { id } }`,
		map[string]any{"p": p.ID, "d": benchTemplate}).field(b, "createTemplate", &tpl)
	env.do(b, `mutation($p: ID!) { setVariable(input: {projectID: $p, key: "level", value: "info"}) { id } }`, map[string]any{"p": p.ID}).field(b, "setVariable", &struct{ ID string }{})
	env.do(b, `mutation($t: ID!) { createTemplateVersion(templateID: $t, label: "v1") { id } }`, map[string]any{"t": tpl.ID}).field(b, "createTemplateVersion", &ver)

	var total time.Duration
	for i := 0; i < b.N; i++ {
		targets := make([]map[string]any, 100)
		for n := range targets {
			ns := fmt.Sprintf("bench-%d-%03d", i, n)
			if _, err := a.Client.CoreV1().Namespaces().Create(context.Background(), namespaceObject(ns), metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
			targets[n] = map[string]any{"clusterID": c.ID, "namespace": ns}
		}
		start := time.Now()
		var insts []struct{ ID string }
		env.do(b, `mutation($v: ID!, $t: [InstanceTargetInput!]!) { instantiateTemplate(input: {versionID: $v, targets: $t}) { id } }`,
			map[string]any{"v": ver.ID, "t": targets}).field(b, "instantiateTemplate", &insts)
		eventually(b, "100 instances READY", func() bool {
			var page struct{ TotalCount int }
			env.do(b, `query($v: ID!) { node(id: $v) { ... on TemplateVersion { instances(where: {status: READY}) { totalCount } } } }`,
				map[string]any{"v": ver.ID}).field(b, "node", &struct {
				Instances *struct{ TotalCount int }
			}{Instances: &page})
			return page.TotalCount >= 100*(i+1)
		})
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100-namespaces")
}
