package k8s

// Field ownership under server-side apply.
//
// BCS writes as one field manager, "bcs": applyManifest (and template
// instances) as Apply, scaleWorkload through the scale subresource,
// restartWorkload and rollbackWorkload as Update. The API server keeps
// each (manager, operation, subresource) as a separate owner, so without
// care a re-apply after BCS's own scale conflicts with "bcs" itself. Those
// conflicts are BCS's mutations meeting each other: the apply takes the
// fields over, so the latest BCS mutation wins. A conflict with any other
// manager (kubectl, an autoscaler, a controller) is the user's to decide:
// an ErrConflict naming each field and owner, unless the request forces.
//
// Where a HorizontalPodAutoscaler scales a workload, spec.replicas is the
// autoscaler's: the applied object leaves it out.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bcs-io/bcs/orchestrators"
)

// applyConflicts lists the contested fields of an apply that the API
// server refused with a field-manager conflict; nil for any other outcome.
func applyConflicts(object string, err error) []orchestrators.FieldConflict {
	var status apierrors.APIStatus
	if err == nil || !errors.As(err, &status) || !apierrors.IsConflict(err) {
		return nil
	}
	d := status.Status().Details
	if d == nil {
		return nil
	}
	var out []orchestrators.FieldConflict
	for _, c := range d.Causes {
		if c.Type != metav1.CauseTypeFieldManagerConflict {
			continue
		}
		manager, sub := conflictOwner(c.Message)
		out = append(out, orchestrators.FieldConflict{Object: object, Field: c.Field, Manager: manager, Subresource: sub})
	}
	return out
}

// conflictOwner reads the owner out of a cause message, which the API
// server writes as `conflict with "kubectl-edit" using apps/v1 at …` or
// `conflict with "bcs" with subresource "scale" using apps/v1`.
func conflictOwner(msg string) (manager, subresource string) {
	rest, ok := strings.CutPrefix(msg, "conflict with ")
	if !ok {
		return msg, ""
	}
	manager, rest, ok = unquoteFront(rest)
	if !ok {
		return strings.TrimSpace(rest), ""
	}
	if r, ok := strings.CutPrefix(rest, " with subresource "); ok {
		subresource, _, _ = unquoteFront(r)
	}
	return manager, subresource
}

func unquoteFront(s string) (value, rest string, ok bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", s, false
	}
	v, err := strconv.Unquote(q)
	if err != nil {
		return "", s, false
	}
	return v, s[len(q):], true
}

// foreign drops the conflicts with BCS's own field manager.
func foreign(cs []orchestrators.FieldConflict) []orchestrators.FieldConflict {
	var out []orchestrators.FieldConflict
	for _, c := range cs {
		if c.Manager != FieldManager {
			out = append(out, c)
		}
	}
	return out
}

// conflictError tells the user which fields of which objects other
// managers own, and how to take them over.
func conflictError(cs []orchestrators.FieldConflict, err error) *orchestrators.Error {
	parts := make([]string, len(cs))
	for i, c := range cs {
		owner := strconv.Quote(c.Manager)
		if c.Subresource != "" {
			owner += " (through its " + c.Subresource + " subresource)"
		}
		parts[i] = fmt.Sprintf("%s: %s is owned by %s", c.Object, c.Field, owner)
	}
	return &orchestrators.Error{Kind: orchestrators.ErrConflict, Conflicts: cs, Err: err,
		Message: "fields owned by another manager: " + strings.Join(parts, "; ") + "; apply with force to take them over"}
}

// scaledKey names a workload an autoscaler may target.
func scaledKey(namespace, apiVersion, kind, name string) string {
	gv, _ := schema.ParseGroupVersion(apiVersion)
	return namespace + "/" + gv.Group + "/" + kind + "/" + name
}

// yieldReplicas removes spec.replicas from every workload of the manifest
// that a HorizontalPodAutoscaler scales, one in the cluster or one in the
// same manifest, and marks it autoscaled.
func (o *Orchestrator) yieldReplicas(ctx context.Context, targets []target) error {
	scaled := map[string]bool{}
	for _, t := range targets {
		if gv, _ := schema.ParseGroupVersion(t.obj.GetAPIVersion()); gv.Group != "autoscaling" || t.obj.GetKind() != "HorizontalPodAutoscaler" {
			continue
		}
		ref, _, _ := unstructured.NestedStringMap(t.obj.Object, "spec", "scaleTargetRef")
		scaled[scaledKey(t.ref.Namespace, ref["apiVersion"], ref["kind"], ref["name"])] = true
	}
	listed := map[string]bool{}
	for i := range targets {
		t := &targets[i]
		if _, has, _ := unstructured.NestedFieldNoCopy(t.obj.Object, "spec", "replicas"); !has || t.ref.Namespace == "" {
			continue
		}
		if ns := t.ref.Namespace; !listed[ns] {
			listed[ns] = true
			hpas, err := o.cs.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
			switch {
			case apierrors.IsForbidden(err) || apierrors.IsNotFound(err):
				// Autoscalers BCS may not see cannot be honoured; a
				// conflict with one still surfaces as ErrConflict.
			case err != nil:
				return classify("HorizontalPodAutoscalers in "+ns, err)
			default:
				for _, h := range hpas.Items {
					r := h.Spec.ScaleTargetRef
					scaled[scaledKey(ns, r.APIVersion, r.Kind, r.Name)] = true
				}
			}
		}
		if scaled[scaledKey(t.ref.Namespace, t.obj.GetAPIVersion(), t.obj.GetKind(), t.obj.GetName())] {
			unstructured.RemoveNestedField(t.obj.Object, "spec", "replicas")
			t.autoscaled = true
		}
	}
	return nil
}

// applyOwnsReplicas reports whether BCS's apply owns the live object's
// spec.replicas. An apply that then leaves the field out would give it up,
// and a field nobody owns is reset to its default (1 replica).
func applyOwnsReplicas(live *unstructured.Unstructured) bool {
	for _, m := range live.GetManagedFields() {
		if m.Manager != FieldManager || m.Operation != metav1.ManagedFieldsOperationApply || m.Subresource != "" || m.FieldsV1 == nil {
			continue
		}
		var fields struct {
			Spec map[string]json.RawMessage `json:"f:spec"`
		}
		if json.Unmarshal(m.FieldsV1.Raw, &fields) == nil {
			if _, ok := fields.Spec["f:replicas"]; ok {
				return true
			}
		}
	}
	return false
}

// handOverReplicas makes BCS's scale-subresource owner co-own the live
// replica count, so that the apply can give spec.replicas up without the
// API server resetting it. The autoscaler's next change takes the field
// from that owner, as any update does.
func (o *Orchestrator) handOverReplicas(ctx context.Context, t target, live *unstructured.Unstructured) error {
	n, found, _ := unstructured.NestedInt64(live.Object, "spec", "replicas")
	if !found {
		return nil
	}
	scale := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "autoscaling/v1", "kind": "Scale",
		"metadata": map[string]any{"name": t.ref.Name, "namespace": t.ref.Namespace},
		"spec":     map[string]any{"replicas": n},
	}}
	_, err := t.res.Apply(ctx, t.ref.Name, scale, metav1.ApplyOptions{FieldManager: FieldManager}, "scale")
	if applyConflicts(t.ref.String(), err) != nil {
		return nil // the autoscaler changed the count meanwhile, and so owns it
	}
	return classify(t.ref.String(), err)
}

// withReplicas is obj with spec.replicas set: the dry run's stand-in for a
// hand-over, which it cannot perform.
func withReplicas(obj *unstructured.Unstructured, live *unstructured.Unstructured) *unstructured.Unstructured {
	n, found, _ := unstructured.NestedInt64(live.Object, "spec", "replicas")
	if !found {
		return obj
	}
	c := obj.DeepCopy()
	_ = unstructured.SetNestedField(c.Object, n, "spec", "replicas")
	return c
}
