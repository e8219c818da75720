package configcenter

import (
	"fmt"
	"testing"
)

// benchTemplate is a typical version: a Deployment, its Service, a
// ConfigMap with a multi-line config and a Secret, 24 placeholders.
const benchTemplate = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ app }}
  namespace: {{ SYS_NAMESPACE }}
  labels: {app: {{ app }}, project: {{ SYS_PROJECT_CODE }}, cluster: {{ SYS_CLUSTER_ID }}}
spec:
  replicas: {{ replicas }}
  selector:
    matchLabels: {app: {{ app }}}
  template:
    metadata:
      labels: {app: {{ app }}}
    spec:
      containers:
      - name: app
        image: "{{ registry }}/{{ app }}:{{ tag }}"
        args: ["--log-level={{ log_level }}", "--db={{ db.host }}:{{ db.port }}"]
        ports: [{containerPort: {{ port }}}]
        resources:
          requests: {cpu: "{{ cpu }}", memory: "{{ memory }}"}
        envFrom:
        - configMapRef: {name: {{ app }}-config}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ app }}
  namespace: {{ SYS_NAMESPACE }}
spec:
  selector: {app: {{ app }}}
  ports: [{port: 80, targetPort: {{ port }}}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ app }}-config
  namespace: {{ SYS_NAMESPACE }}
data:
  app.conf: |
    # rendered for {{ SYS_NAMESPACE }}
    {{ app_conf }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ app }}-db
  namespace: {{ SYS_NAMESPACE }}
stringData:
  password: "{{ db.password }}"
`

func benchVariables() []Variable {
	vars := []Variable{
		{Key: "app", Value: "web", Scope: ScopeGlobal},
		{Key: "replicas", Value: "2", Scope: ScopeGlobal},
		{Key: "registry", Value: "registry.example.com/team", Scope: ScopeGlobal},
		{Key: "tag", Value: "1.4.2", Scope: ScopeGlobal},
		{Key: "log_level", Value: "info", Scope: ScopeGlobal},
		{Key: "db.host", Value: "db.global", Scope: ScopeGlobal},
		{Key: "db.port", Value: "5432", Scope: ScopeGlobal},
		{Key: "db.password", Value: `s3cr"et\`, Scope: ScopeGlobal},
		{Key: "port", Value: "8080", Scope: ScopeGlobal},
		{Key: "cpu", Value: "100m", Scope: ScopeGlobal},
		{Key: "memory", Value: "128Mi", Scope: ScopeGlobal},
		{Key: "app_conf", Value: "listen = 8080\nworkers = 4\n[cache]\nsize = 64MB", Scope: ScopeGlobal},
		{Key: "db.host", Value: "db.cluster", Scope: ScopeCluster, ClusterID: "BCS-K8S-40001"},
	}
	for i := 0; i < 100; i += 3 {
		vars = append(vars, Variable{Key: "replicas", Value: fmt.Sprint(i%5 + 1), Scope: ScopeNamespace, ClusterID: "BCS-K8S-40001", Namespace: fmt.Sprintf("ns-%03d", i)})
	}
	return vars
}

// BenchmarkRender100Namespaces resolves variables for, renders, parses and
// validates one version in 100 namespaces — the engine's share of
// instantiating a version into 100 namespaces.
func BenchmarkRender100Namespaces(b *testing.B) {
	vars := benchVariables()
	targets := make([]Target, 100)
	for i := range targets {
		targets[i] = Target{ProjectID: "p-1", ProjectCode: "demo", ClusterID: "BCS-K8S-40001", Namespace: fmt.Sprintf("ns-%03d", i)}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, target := range targets {
			r, err := Render(KindK8S, benchTemplate, Resolve(vars, target))
			if err != nil {
				b.Fatal(err)
			}
			if len(r.Objects) != 4 {
				b.Fatalf("%d objects", len(r.Objects))
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(targets)), "µs/namespace")
}
