package k8s_test

import (
	"context"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/orchestrators"
)

func TestScale(t *testing.T) {
	ns := namespace(t)
	apply(t, ns, deploymentYAML("web", 3, "nginx:1.27"))
	waitRunning(t, ns, "app=web", 3)
	ref := orchestrators.WorkloadRef{Namespace: ns, Kind: "Deployment", Name: "web"}
	res, err := orch.Scale(ctx(t), ref, 5)
	if err != nil {
		t.Fatal(err)
	}
	if res.Previous != 3 || res.Replicas != 5 {
		t.Errorf("scale result %+v", res)
	}
	waitRunning(t, ns, "app=web", 5)

	_, err = orch.Scale(ctx(t), orchestrators.WorkloadRef{Namespace: ns, Kind: "Deployment", Name: "nope"}, 1)
	if e := wantKind(t, err, orchestrators.ErrAPI); e.Reason != "NotFound" || e.Code != 404 {
		t.Errorf("scale missing deployment: %+v", e)
	}
	wantKind(t, func() error { _, err := orch.Scale(ctx(t), ref, -1); return err }(), orchestrators.ErrBadInput)
	wantKind(t, func() error {
		_, err := orch.Scale(ctx(t), orchestrators.WorkloadRef{Namespace: ns, Kind: "Service", Name: "web"}, 1)
		return err
	}(), orchestrators.ErrBadInput)
}

func TestRestart(t *testing.T) {
	ns := namespace(t)
	apply(t, ns, deploymentYAML("web", 2, "nginx:1.27"))
	before := waitRunning(t, ns, "app=web", 2)
	if err := orch.Restart(ctx(t), orchestrators.WorkloadRef{Namespace: ns, Kind: "Deployment", Name: "web"}); err != nil {
		t.Fatal(err)
	}
	d := waitRolledOut(t, ns, "web")
	if d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
		t.Fatalf("no restartedAt annotation: %v", d.Spec.Template.Annotations)
	}
	old := map[string]bool{}
	for _, p := range before {
		old[string(p.UID)] = true
	}
	eventually(t, "all pods replaced", func() (bool, string) {
		pods := runningPods(t, ns, "app=web")
		for _, p := range pods {
			if old[string(p.UID)] {
				return false, "old pod " + p.Name + " still running"
			}
		}
		return len(pods) == 2, fmt.Sprintf("%d running", len(pods))
	})
}

func TestRollback(t *testing.T) {
	ns := namespace(t)
	ref := orchestrators.WorkloadRef{Namespace: ns, Kind: "Deployment", Name: "web"}
	image := func() string {
		d, err := env.Client.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d.Spec.Template.Spec.Containers[0].Image
	}
	apply(t, ns, deploymentYAML("web", 2, "nginx:1.27"))
	waitRolledOut(t, ns, "web")
	if _, err := orch.Rollback(ctx(t), ref, 0); orchestrators.KindOf(err) != orchestrators.ErrBadInput {
		t.Fatalf("rollback without history: %v", err)
	}
	apply(t, ns, deploymentYAML("web", 2, "nginx:1.28"))
	waitRolledOut(t, ns, "web")

	res, err := orch.Rollback(ctx(t), ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.FromRevision != 2 || res.ToRevision != 1 {
		t.Errorf("rollback result %+v", res)
	}
	waitRolledOut(t, ns, "web")
	if img := image(); img != "nginx:1.27" {
		t.Fatalf("image after rollback: %s", img)
	}
	for _, p := range waitRunning(t, ns, "app=web", 2) {
		if p.Spec.Containers[0].Image != "nginx:1.27" {
			t.Errorf("pod %s runs %s", p.Name, p.Spec.Containers[0].Image)
		}
	}

	// Revision 1 became 3; revision 2 still holds nginx:1.28.
	res, err = orch.Rollback(ctx(t), ref, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.FromRevision != 3 || res.ToRevision != 2 {
		t.Errorf("rollback to 2: %+v", res)
	}
	waitRolledOut(t, ns, "web")
	if img := image(); img != "nginx:1.28" {
		t.Fatalf("image after rollback to 2: %s", img)
	}
	if _, err := orch.Rollback(ctx(t), ref, 99); orchestrators.KindOf(err) != orchestrators.ErrBadInput {
		t.Errorf("rollback to missing revision: %v", err)
	}
	if _, err := orch.Rollback(ctx(t), orchestrators.WorkloadRef{Namespace: ns, Kind: "StatefulSet", Name: "x"}, 0); orchestrators.KindOf(err) != orchestrators.ErrUnsupported {
		t.Errorf("rollback of a StatefulSet: %v", err)
	}
}

func TestDelete(t *testing.T) {
	ns := namespace(t)
	apply(t, ns, deploymentYAML("web", 2, "nginx:1.27"))
	waitRunning(t, ns, "app=web", 2)
	ref := orchestrators.ObjectRef{Kind: "Deployment", Namespace: ns, Name: "web"}

	err := orch.Delete(ctx(t), orchestrators.DeleteRequest{Ref: ref, Propagation: "Sideways"})
	wantKind(t, err, orchestrators.ErrBadInput)
	if err := orch.Delete(ctx(t), orchestrators.DeleteRequest{Ref: ref, Propagation: orchestrators.PropagationForeground}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deployment and pods gone", func() (bool, string) {
		_, err := env.Client.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
		pods, _ := env.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=web"})
		return apierrors.IsNotFound(err) && len(pods.Items) == 0, fmt.Sprintf("get: %v, %d pods", err, len(pods.Items))
	})
	err = orch.Delete(ctx(t), orchestrators.DeleteRequest{Ref: ref})
	if e := wantKind(t, err, orchestrators.ErrAPI); e.Reason != "NotFound" {
		t.Errorf("delete again: %+v", e)
	}
}
