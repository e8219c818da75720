package configcenter

import (
	"encoding/json"
	"reflect"
	"testing"
)

func mustParse(t *testing.T, content string) []Object {
	t.Helper()
	objs, err := Parse(KindK8S, content)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestDiffObjects(t *testing.T) {
	old := mustParse(t, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns, labels: {app.kubernetes.io/name: web}}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - {name: app, image: "nginx:1", args: [a, b]}
      - {name: sidecar, image: envoy}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ns}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: old, namespace: ns}
`)
	new := mustParse(t, `apiVersion: v1
kind: ConfigMap
metadata: {name: fresh, namespace: ns}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns, labels: {app.kubernetes.io/name: web2}}
spec:
  replicas: 3
  paused: false
  template:
    spec:
      containers:
      - {name: app, image: "nginx:2", args: [a]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ns}
spec: {ports: [{port: 80}]}
`)
	got := Diff(old, new)
	var summary []string
	for _, d := range got {
		summary = append(summary, d.String())
	}
	want := []string{
		"ADDED ConfigMap ns/fresh",
		"CHANGED Deployment ns/web (6 fields)",
		"UNCHANGED Service ns/web",
		"REMOVED ConfigMap ns/old",
	}
	if !reflect.DeepEqual(summary, want) {
		t.Fatalf("got %v\nwant %v", summary, want)
	}
	wantFields := []FieldChange{
		{Path: `metadata.labels["app.kubernetes.io/name"]`, Change: Changed, Old: "web", New: "web2"},
		{Path: "spec.paused", Change: Added, New: false},
		{Path: "spec.replicas", Change: Changed, Old: int64(2), New: int64(3)},
		{Path: "spec.template.spec.containers[0].args[1]", Change: Removed, Old: "b"},
		{Path: "spec.template.spec.containers[0].image", Change: Changed, Old: "nginx:1", New: "nginx:2"},
		{Path: "spec.template.spec.containers[1]", Change: Removed, Old: map[string]any{"name": "sidecar", "image": "envoy"}},
	}
	if !reflect.DeepEqual(got[1].Fields, wantFields) {
		t.Fatalf("fields\n%#v\nwant\n%#v", got[1].Fields, wantFields)
	}
}

// TestDiffAgainstLiveObject: server-owned fields are ignored and numbers
// compare by value (JSON decodes them as float64).
func TestDiffAgainstLiveObject(t *testing.T) {
	rendered := mustParse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\n  annotations: {team: a}\ndata: {n: '1'}\nbinaryData: {}\nimmutable: false\nx: 3\n")
	var live map[string]any
	if err := json.Unmarshal([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns",
		"uid":"u","resourceVersion":"7","creationTimestamp":"2024-01-01T00:00:00Z","managedFields":[{}],
		"annotations":{"team":"a","kubectl.kubernetes.io/last-applied-configuration":"{}"}},
		"data":{"n":"1"},"binaryData":{},"immutable":false,"x":3.0,"status":{"phase":"x"}}`), &live); err != nil {
		t.Fatal(err)
	}
	d := Diff([]Object{{Kind: "ConfigMap", Namespace: "ns", Name: "c", Doc: live}}, rendered)
	if len(d) != 1 || d[0].Change != Unchanged {
		t.Fatalf("diff %+v", d)
	}
}

func TestDiffRedactsSecrets(t *testing.T) {
	old := mustParse(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: b2xk, user: YQ==}\nstringData: {token: old}\ntype: Opaque\n")
	new := mustParse(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: bmV3, user: YQ==, extra: eA==}\ntype: kubernetes.io/tls\n")
	d := Diff(old, new)
	want := []FieldChange{
		{Path: "data.extra", Change: Added, New: Redacted},
		{Path: "data.password", Change: Changed, Old: Redacted, New: Redacted},
		{Path: "stringData", Change: Removed, Old: Redacted},
		{Path: "type", Change: Changed, Old: "Opaque", New: "kubernetes.io/tls"},
	}
	if len(d) != 1 || !reflect.DeepEqual(d[0].Fields, want) {
		t.Fatalf("diff %+v", d)
	}
	r := Redact(new[0])
	if !reflect.DeepEqual(r.Doc["data"], map[string]any{"password": Redacted, "user": Redacted, "extra": Redacted}) {
		t.Fatalf("redacted %v", r.Doc)
	}
	if new[0].Doc["data"].(map[string]any)["password"] != "bmV3" {
		t.Fatal("Redact modified its argument")
	}
	cm := mustParse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n")[0]
	if !reflect.DeepEqual(Redact(cm), cm) {
		t.Fatal("Redact changed a ConfigMap")
	}
}

func TestDiffTypeChangeAndEmpty(t *testing.T) {
	a := []Object{{Kind: "X", Name: "x", Doc: map[string]any{"v": []any{int64(1)}, "w": "s"}}}
	b := []Object{{Kind: "X", Name: "x", Doc: map[string]any{"v": map[string]any{"k": int64(1)}, "w": []string{"s"}}}}
	d := Diff(a, b)
	if len(d) != 1 || len(d[0].Fields) != 2 || d[0].Fields[0].Path != "v" || d[0].Fields[1].Path != "w" {
		t.Fatalf("diff %+v", d)
	}
	if len(Diff(nil, nil)) != 0 {
		t.Fatal("diff of nothing")
	}
	// Mesos applications are keyed the same way.
	m1 := []Object{{Kind: KindApplication, Name: "web", Doc: map[string]any{"instances": int64(1)}}}
	m2 := []Object{{Kind: KindApplication, Name: "web", Doc: map[string]any{"instances": int64(2)}}}
	if d := Diff(m1, m2); d[0].Change != Changed || d[0].Fields[0].Path != "instances" {
		t.Fatalf("mesos diff %+v", d)
	}
}
