package k8s

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/retry"

	"github.com/bcs-io/bcs/orchestrators"
)

// CordonNode marks the node unschedulable.
func (o *Orchestrator) CordonNode(ctx context.Context, name string) error {
	return o.patchNode(ctx, name, map[string]any{"spec": map[string]any{"unschedulable": true}})
}

// UncordonNode makes the node schedulable again.
func (o *Orchestrator) UncordonNode(ctx context.Context, name string) error {
	return o.patchNode(ctx, name, map[string]any{"spec": map[string]any{"unschedulable": nil}})
}

// SetNodeLabels sets and removes labels; other labels stay.
func (o *Orchestrator) SetNodeLabels(ctx context.Context, name string, set map[string]string, remove []string) error {
	obj := "Node " + name
	labels := map[string]any{}
	for k, v := range set {
		if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
			return orchestrators.BadInput(obj, "label %s=%s: %s", k, v, strings.Join(errs, "; "))
		}
		labels[k] = v
	}
	for _, k := range remove {
		if _, ok := set[k]; ok {
			return orchestrators.BadInput(obj, "label %s is both set and removed", k)
		}
		labels[k] = nil // null deletes the key in a merge patch
	}
	return o.patchNode(ctx, name, map[string]any{"metadata": map[string]any{"labels": labels}})
}

func (o *Orchestrator) patchNode(ctx context.Context, name string, patch map[string]any) error {
	if name == "" {
		return orchestrators.BadInput("Node", "a name is required")
	}
	data, err := json.Marshal(patch)
	if err != nil {
		return fmt.Errorf("node patch: %w", err)
	}
	if _, err := o.cs.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{FieldManager: FieldManager}); err != nil {
		return classify("Node "+name, err)
	}
	return nil
}

// systemTaint reports taints the cluster manages (not-ready, unschedulable
// from a cordon, …), which SetNodeTaints keeps.
func systemTaint(key string) bool {
	return strings.HasPrefix(key, "node.kubernetes.io/") || strings.HasPrefix(key, "node.cloudprovider.kubernetes.io/")
}

// SetNodeTaints replaces the node's own taints with taints, keeping system
// taints. It retries on write conflicts with the node's other writers.
func (o *Orchestrator) SetNodeTaints(ctx context.Context, name string, taints []orchestrators.Taint) error {
	obj := "Node " + name
	want := make([]corev1.Taint, 0, len(taints))
	for _, t := range taints {
		effect := corev1.TaintEffect(t.Effect)
		switch effect {
		case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			return orchestrators.BadInput(obj, "taint %s: effect must be NoSchedule, PreferNoSchedule or NoExecute, not %q", t.Key, t.Effect)
		}
		if errs := validation.IsQualifiedName(t.Key); len(errs) > 0 {
			return orchestrators.BadInput(obj, "taint key %q: %s", t.Key, strings.Join(errs, "; "))
		}
		if systemTaint(t.Key) {
			return orchestrators.BadInput(obj, "taint %s is managed by the cluster", t.Key)
		}
		want = append(want, corev1.Taint{Key: t.Key, Value: t.Value, Effect: effect})
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := o.cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		next := append([]corev1.Taint(nil), want...)
		for _, t := range node.Spec.Taints {
			if systemTaint(t.Key) {
				next = append(next, t)
			}
		}
		node.Spec.Taints = next
		_, err = o.cs.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{FieldManager: FieldManager})
		return err
	})
	return classify(obj, err)
}
