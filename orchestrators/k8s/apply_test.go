package k8s_test

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/orchestrators"
)

func TestApplyDeploymentRuns(t *testing.T) {
	ns := namespace(t)
	manifest := `apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {greeting: hello}
---
` + deploymentYAML("web", 3, "nginx:1.27") + `---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
`
	res := apply(t, ns, manifest)
	if len(res.Objects) != 3 || res.DryRun {
		t.Fatalf("results: %+v", res)
	}
	for _, o := range res.Objects {
		if o.Action != orchestrators.ActionCreated || o.Ref.Namespace != ns {
			t.Errorf("%s: action %s", o.Ref, o.Action)
		}
	}
	waitRunning(t, ns, "app=web", 3)

	d, err := env.Client.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := d.ManagedFields; len(m) == 0 || m[0].Manager != "bcs" || m[0].Operation != metav1.ManagedFieldsOperationApply {
		t.Errorf("managed fields: %+v", m)
	}

	again := apply(t, ns, manifest)
	for _, o := range again.Objects {
		if o.Action != orchestrators.ActionUnchanged {
			t.Errorf("re-apply %s: %s %+v", o.Ref, o.Action, o.Changes)
		}
	}
}

func TestApplyDryRun(t *testing.T) {
	ns := namespace(t)
	apply(t, ns, deploymentYAML("api", 2, "nginx:1.27")+"---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: old}\n")

	changed := deploymentYAML("api", 4, "nginx:1.28") + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: new}\n" +
		"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh}\ndata: {a: b}\n"
	res, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: []byte(changed), Namespace: ns, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || len(res.Objects) != 3 {
		t.Fatalf("results: %+v", res)
	}
	dep, secret, cm := res.Objects[0], res.Objects[1], res.Objects[2]
	if dep.Action != orchestrators.ActionConfigured {
		t.Fatalf("deployment action %s", dep.Action)
	}
	changes := map[string]orchestrators.FieldChange{}
	for _, c := range dep.Changes {
		changes[c.Path] = c
	}
	if c := changes["spec.replicas"]; c.Old != "2" || c.New != "4" {
		t.Errorf("spec.replicas change %+v in %+v", c, dep.Changes)
	}
	if c := changes["spec.template.spec.containers[0].image"]; c.Old != `"nginx:1.27"` || c.New != `"nginx:1.28"` {
		t.Errorf("image change %+v in %+v", c, dep.Changes)
	}
	if secret.Action != orchestrators.ActionConfigured || len(secret.Changes) != 1 ||
		secret.Changes[0].Path != "data.password" || strings.Contains(secret.Changes[0].New, "bmV3") {
		t.Errorf("secret: %+v", secret)
	}
	if cm.Action != orchestrators.ActionCreated {
		t.Errorf("configmap: %+v", cm)
	}

	// Nothing changed on the cluster.
	d, err := env.Client.AppsV1().Deployments(ns).Get(context.Background(), "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 2 || d.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" {
		t.Errorf("dry run changed the deployment: %d %s", *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
	}
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "fresh", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("dry run created the configmap: %v", err)
	}
}

func TestApplyAllKinds(t *testing.T) {
	ns := namespace(t)
	manifest := `{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
   "spec": {"replicas": 1, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres:17"}]}}}},
  {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
   "spec": {"selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a", "image": "busybox"}]}}}},
  {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"},
   "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "j", "image": "busybox"}]}}}},
  {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
   "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "j", "image": "busybox"}]}}}}}},
  {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
   "spec": {"rules": [{"host": "web.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}},
  {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "db"},
   "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db"}, "minReplicas": 1, "maxReplicas": 3,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]}}
]}`
	res := apply(t, ns, manifest)
	if len(res.Objects) != 6 {
		t.Fatalf("results: %+v", res)
	}
	for _, o := range res.Objects {
		if o.Action != orchestrators.ActionCreated {
			t.Errorf("%s: %s", o.Ref, o.Action)
		}
	}
}
