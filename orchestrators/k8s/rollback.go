package k8s

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bcs-io/bcs/orchestrators"
)

// revisionAnnotation numbers a Deployment's ReplicaSets; the deployment
// controller maintains it.
const revisionAnnotation = "deployment.kubernetes.io/revision"

// Rollback puts a Deployment's pod template back to the one of a recorded
// ReplicaSet revision, as `kubectl rollout undo` does; revision 0 means the
// newest revision before the current one. The controller then rolls out
// that template, under a new revision number.
func (o *Orchestrator) Rollback(ctx context.Context, ref orchestrators.WorkloadRef, revision int64) (*orchestrators.RollbackResult, error) {
	obj := ref.String()
	if ref.Kind != "Deployment" {
		return nil, &orchestrators.Error{Kind: orchestrators.ErrUnsupported, Object: obj, Message: "rollback is supported for Deployments only"}
	}
	if ref.Namespace == "" || ref.Name == "" || revision < 0 {
		return nil, orchestrators.BadInput(obj, "namespace, name and a non-negative revision are required")
	}
	d, err := o.cs.AppsV1().Deployments(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return nil, classify(obj, err)
	}
	if d.Spec.Paused {
		return nil, orchestrators.BadInput(obj, "cannot roll back a paused Deployment; resume it first")
	}
	current := revisionOf(d.Annotations)
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, orchestrators.BadInput(obj, "invalid selector: %v", err)
	}
	rsList, err := o.cs.AppsV1().ReplicaSets(ref.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, classify(obj, err)
	}
	var target *appsv1.ReplicaSet
	for i := range rsList.Items {
		rs := &rsList.Items[i]
		if !metav1.IsControlledBy(rs, d) {
			continue
		}
		r := revisionOf(rs.Annotations)
		switch {
		case revision > 0 && r == revision:
			target = rs
		case revision == 0 && r < current && (target == nil || r > revisionOf(target.Annotations)):
			target = rs
		}
	}
	if target == nil {
		if revision == 0 {
			return nil, orchestrators.BadInput(obj, "no revision before the current one (%d)", current)
		}
		return nil, orchestrators.BadInput(obj, "revision %d not found", revision)
	}
	to := revisionOf(target.Annotations)
	result := &orchestrators.RollbackResult{FromRevision: current, ToRevision: to}
	if to == current {
		return result, nil // already running that template
	}
	tmpl := target.Spec.Template.DeepCopy()
	delete(tmpl.Labels, appsv1.DefaultDeploymentUniqueLabelKey) // the controller adds it per ReplicaSet
	// No test on resourceVersion: the controller's status writes bump it
	// all the time, and replacing the template is what the user asked for.
	patch, err := json.Marshal([]map[string]any{{"op": "replace", "path": "/spec/template", "value": tmpl}})
	if err != nil {
		return nil, fmt.Errorf("rollback patch: %w", err)
	}
	if _, err := o.cs.AppsV1().Deployments(ref.Namespace).Patch(ctx, ref.Name, types.JSONPatchType, patch,
		metav1.PatchOptions{FieldManager: FieldManager}); err != nil {
		return nil, classify(obj, err)
	}
	return result, nil
}

func revisionOf(annotations map[string]string) int64 {
	r, err := strconv.ParseInt(annotations[revisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return r
}
