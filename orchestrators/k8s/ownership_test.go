package k8s_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bcs-io/bcs/orchestrators"
)

const imageField = `.spec.template.spec.containers[name="main"].image`

func deploymentState(t *testing.T, ns, name string) (replicas int32, image string) {
	t.Helper()
	d, err := env.Client.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image
}

// TestReapplyAfterBCSMutations: BCS's scale, restart and rollback never
// make a later apply of the same manifest conflict; the manifest, applied
// last, wins.
func TestReapplyAfterBCSMutations(t *testing.T) {
	ns := namespace(t)
	ref := orchestrators.WorkloadRef{Namespace: ns, Kind: "Deployment", Name: "web"}
	apply(t, ns, deploymentYAML("web", 2, "nginx:1.25"))
	if _, err := orch.Scale(ctx(t), ref, 4); err != nil {
		t.Fatal(err)
	}
	res, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: []byte(deploymentYAML("web", 2, "nginx:1.26")), Namespace: ns})
	if err != nil {
		t.Fatalf("re-apply after scale: %v", err)
	}
	if n, img := deploymentState(t, ns, "web"); n != 2 || img != "nginx:1.26" || res.Objects[0].Action != orchestrators.ActionConfigured {
		t.Fatalf("after re-apply: %d replicas of %s (%+v)", n, img, res.Objects[0])
	}

	waitRolledOut(t, ns, "web")
	if _, err := orch.Rollback(ctx(t), ref, 0); err != nil {
		t.Fatal(err)
	}
	if err := orch.Restart(ctx(t), ref); err != nil {
		t.Fatal(err)
	}
	if _, err := orch.Scale(ctx(t), ref, 3); err != nil {
		t.Fatal(err)
	}
	if _, img := deploymentState(t, ns, "web"); img != "nginx:1.25" {
		t.Fatalf("rollback left %s", img)
	}
	if _, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: []byte(deploymentYAML("web", 2, "nginx:1.27")), Namespace: ns}); err != nil {
		t.Fatalf("re-apply after rollback, restart and scale: %v", err)
	}
	d, err := env.Client.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 2 || d.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" {
		t.Errorf("after re-apply: %d replicas of %s", *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
	}
	if d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
		t.Error("the re-apply dropped the restart stamp (and would roll the pods again)")
	}
}

// TestApplyConflictWithAnotherManager: a field someone else changed is a
// CONFLICT naming field and manager, in a dry run too, and changes
// nothing; force takes it over.
func TestApplyConflictWithAnotherManager(t *testing.T) {
	ns := namespace(t)
	apply(t, ns, deploymentYAML("web", 2, "nginx:1.25")+"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n")
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:hotfix"}]}}}}`)
	if _, err := env.Client.AppsV1().Deployments(ns).Patch(context.Background(), "web", types.StrategicMergePatchType, patch,
		metav1.PatchOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Patch(context.Background(), "cfg", types.MergePatchType, []byte(`{"data":{"a":"edited"}}`),
		metav1.PatchOptions{FieldManager: "ops-script"}); err != nil {
		t.Fatal(err)
	}
	manifest := []byte(deploymentYAML("web", 2, "nginx:1.26") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: c}\n")
	for _, dry := range []bool{true, false} {
		_, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: manifest, Namespace: ns, DryRun: dry})
		e := wantKind(t, err, orchestrators.ErrConflict)
		got := map[string]bool{}
		for _, c := range e.Conflicts {
			got[fmt.Sprintf("%s %s %s", c.Object, c.Field, c.Manager)] = true
		}
		for _, want := range []string{
			fmt.Sprintf("Deployment %s/web %s kubectl-edit", ns, imageField),
			fmt.Sprintf("ConfigMap %s/cfg .data.a ops-script", ns),
		} {
			if !got[want] {
				t.Errorf("dry run %v: conflicts %+v lack %q", dry, e.Conflicts, want)
			}
		}
		if !strings.Contains(e.Error(), "kubectl-edit") || !strings.Contains(e.Error(), "force") {
			t.Errorf("message %q names neither the manager nor the way out", e.Error())
		}
	}
	if _, img := deploymentState(t, ns, "web"); img != "nginx:hotfix" {
		t.Fatalf("a refused apply changed the image to %s", img)
	}

	if _, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: manifest, Namespace: ns, Force: true}); err != nil {
		t.Fatalf("forced apply: %v", err)
	}
	if _, img := deploymentState(t, ns, "web"); img != "nginx:1.26" {
		t.Fatalf("forced apply left %s", img)
	}
	// Taken over: the next apply needs no force.
	if _, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: []byte(deploymentYAML("web", 2, "nginx:1.27")), Namespace: ns}); err != nil {
		t.Fatalf("apply after the take-over: %v", err)
	}
}

// TestApplyLeavesReplicasToAutoscaler: where an HPA scales a workload, a
// re-apply neither conflicts with it nor resets what it chose, whether the
// HPA came in the same manifest or was applied before on its own.
func TestApplyLeavesReplicasToAutoscaler(t *testing.T) {
	ns := namespace(t)
	hpa := func(name string, min int) string {
		return fmt.Sprintf(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: %[1]s}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: %[1]s}
  minReplicas: %[2]d
  maxReplicas: 6
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
`, name, min)
	}

	// The autoscaler raises web to its minimum, 3; the manifest says 2.
	apply(t, ns, deploymentYAML("web", 2, "nginx:1.25")+"---\n"+hpa("web", 3))
	eventually(t, "the autoscaler to scale web to 3", func() (bool, string) {
		n, _ := deploymentState(t, ns, "web")
		return n == 3, fmt.Sprintf("%d replicas", n)
	})
	if _, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: []byte(deploymentYAML("web", 2, "nginx:1.26")), Namespace: ns}); err != nil {
		t.Fatalf("re-apply under an autoscaler: %v", err)
	}
	if n, img := deploymentState(t, ns, "web"); n != 3 || img != "nginx:1.26" {
		t.Errorf("after re-apply: %d replicas of %s, want the autoscaler's 3 of nginx:1.26", n, img)
	}

	// BCS set api's 4 replicas, then an autoscaler came that is content
	// with 4: the re-apply gives the count up without resetting it to 1.
	apply(t, ns, deploymentYAML("api", 4, "nginx:1.25"))
	apply(t, ns, hpa("api", 2))
	for _, dry := range []bool{true, false} {
		res, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: []byte(deploymentYAML("api", 4, "nginx:1.26")), Namespace: ns, DryRun: dry})
		if err != nil {
			t.Fatalf("re-apply (dry run %v): %v", dry, err)
		}
		for _, c := range res.Objects[0].Changes {
			if c.Path == "spec.replicas" {
				t.Errorf("dry run %v: the apply would change replicas %s -> %s", dry, c.Old, c.New)
			}
		}
	}
	if n, img := deploymentState(t, ns, "api"); n != 4 || img != "nginx:1.26" {
		t.Errorf("after re-apply: %d replicas of %s, want 4 of nginx:1.26", n, img)
	}
}
