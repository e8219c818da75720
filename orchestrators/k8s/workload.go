package k8s

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bcs-io/bcs/orchestrators"
)

// restartedAt is the annotation `kubectl rollout restart` sets on the pod
// template; changing it rolls the pods.
const restartedAt = "kubectl.kubernetes.io/restartedAt"

// Scale sets replicas through the scale subresource, as autoscalers do, so
// it works the same for every scalable kind.
func (o *Orchestrator) Scale(ctx context.Context, ref orchestrators.WorkloadRef, replicas int32) (*orchestrators.ScaleResult, error) {
	if replicas < 0 {
		return nil, orchestrators.BadInput(ref.String(), "replicas must not be negative, got %d", replicas)
	}
	res, err := o.workload(ref, "scale", "Deployment", "StatefulSet")
	if err != nil {
		return nil, err
	}
	cur, err := res.Get(ctx, ref.Name, metav1.GetOptions{}, "scale")
	if err != nil {
		return nil, classify(ref.String(), err)
	}
	prev, _, _ := unstructured.NestedInt64(cur.Object, "spec", "replicas")
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
	if _, err := res.Patch(ctx, ref.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: FieldManager}, "scale"); err != nil {
		return nil, classify(ref.String(), err)
	}
	return &orchestrators.ScaleResult{Previous: int32(prev), Replicas: replicas}, nil
}

// Restart stamps the pod template with the time, as `kubectl rollout
// restart` does, so the controller replaces the pods with a rolling update.
func (o *Orchestrator) Restart(ctx context.Context, ref orchestrators.WorkloadRef) error {
	res, err := o.workload(ref, "restart", "Deployment", "StatefulSet", "DaemonSet")
	if err != nil {
		return err
	}
	cur, err := res.Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return classify(ref.String(), err)
	}
	if paused, _, _ := unstructured.NestedBool(cur.Object, "spec", "paused"); paused {
		return orchestrators.BadInput(ref.String(), "cannot restart a paused %s; resume it first", ref.Kind)
	}
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{restartedAt: time.Now().Format(time.RFC3339)}},
	}}})
	if err != nil {
		return fmt.Errorf("restart patch: %w", err)
	}
	if _, err := res.Patch(ctx, ref.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: FieldManager}); err != nil {
		return classify(ref.String(), err)
	}
	return nil
}

// Delete deletes one object with the requested propagation policy.
func (o *Orchestrator) Delete(ctx context.Context, req orchestrators.DeleteRequest) error {
	ref := req.Ref
	obj := ref.String()
	if ref.Name == "" {
		return orchestrators.BadInput(obj, "a name is required")
	}
	prop := metav1.DeletePropagationBackground
	switch req.Propagation {
	case "", orchestrators.PropagationBackground:
	case orchestrators.PropagationForeground:
		prop = metav1.DeletePropagationForeground
	case orchestrators.PropagationOrphan:
		prop = metav1.DeletePropagationOrphan
	default:
		return orchestrators.BadInput(obj, "unknown propagation policy %q (Background, Foreground or Orphan)", req.Propagation)
	}
	m, err := o.mapping(obj, ref.APIVersion, ref.Kind)
	if err != nil {
		return err
	}
	res, err := o.resource(obj, m, ref.Namespace)
	if err != nil {
		return err
	}
	if err := res.Delete(ctx, ref.Name, metav1.DeleteOptions{PropagationPolicy: &prop}); err != nil {
		return classify(obj, err)
	}
	return nil
}
