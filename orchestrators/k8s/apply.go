package k8s

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/bcs-io/bcs/orchestrators"
)

// target is one manifest object resolved to its resource.
type target struct {
	obj *unstructured.Unstructured
	ref orchestrators.ObjectRef
	res dynamic.ResourceInterface
	// autoscaled: an autoscaler owns the replicas, left out of obj.
	autoscaled bool
}

// Apply server-side applies every object of the manifest. The whole
// manifest is first validated (decoding, kinds, namespaces) and then
// dry-run on the server, so a bad object anywhere changes nothing and the
// conflicts of every object are reported together; only then is it applied
// for real. Results are those of the last pass. Field ownership is
// described in ownership.go.
func (o *Orchestrator) Apply(ctx context.Context, req orchestrators.ApplyRequest) (*orchestrators.ApplyResult, error) {
	objs, err := decodeManifest(req.Manifest)
	if err != nil {
		return nil, err
	}
	targets := make([]target, 0, len(objs))
	for i, obj := range objs {
		t, err := o.resolve(i+1, obj, req.Namespace)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	if err := o.yieldReplicas(ctx, targets); err != nil {
		return nil, err
	}
	res, err := o.applyAll(ctx, targets, true, req.Force)
	if err != nil || req.DryRun {
		return res, err
	}
	return o.applyAll(ctx, targets, false, req.Force)
}

func (o *Orchestrator) resolve(n int, obj *unstructured.Unstructured, defaultNS string) (target, error) {
	where := fmt.Sprintf("object %d (%s %s)", n, obj.GetKind(), obj.GetName())
	m, err := o.mapping(where, obj.GetAPIVersion(), obj.GetKind())
	if err != nil {
		return target{}, err
	}
	ns := ""
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns = obj.GetNamespace()
		if ns == "" {
			ns = defaultNS
		}
	}
	obj.SetNamespace(ns)
	res, err := o.resource(where, m, ns)
	if err != nil {
		return target{}, err
	}
	ref := orchestrators.ObjectRef{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: ns, Name: obj.GetName()}
	return target{obj: obj, ref: ref, res: res}, nil
}

func (o *Orchestrator) applyAll(ctx context.Context, targets []target, dryRun, force bool) (*orchestrators.ApplyResult, error) {
	out := &orchestrators.ApplyResult{DryRun: dryRun}
	var conflicts []orchestrators.FieldConflict
	for _, t := range targets {
		r, err := o.applyOne(ctx, t, dryRun, force)
		var oe *orchestrators.Error
		if dryRun && errors.As(err, &oe) && oe.Kind == orchestrators.ErrConflict {
			conflicts = append(conflicts, oe.Conflicts...)
			continue
		}
		if err != nil {
			return out, err
		}
		out.Objects = append(out.Objects, r)
	}
	if len(conflicts) > 0 {
		return out, conflictError(conflicts, nil)
	}
	return out, nil
}

func (o *Orchestrator) applyOne(ctx context.Context, t target, dryRun, force bool) (orchestrators.ObjectResult, error) {
	r := orchestrators.ObjectResult{Ref: t.ref}
	obj := t.ref.String()
	live, err := t.res.Get(ctx, t.ref.Name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return r, classify(obj, err)
	}
	if apierrors.IsNotFound(err) {
		live = nil
	}
	desired := t.obj
	if t.autoscaled && live != nil && applyOwnsReplicas(live) {
		if dryRun {
			desired = withReplicas(t.obj, live)
		} else if err := o.handOverReplicas(ctx, t, live); err != nil {
			return r, err
		}
	}
	after, err := o.serverSideApply(ctx, t, desired, dryRun, force)
	if err != nil {
		return r, err
	}
	switch {
	case live == nil:
		r.Action = orchestrators.ActionCreated
	default:
		r.Changes = diff(live.Object, after.Object)
		r.Action = orchestrators.ActionConfigured
		if len(r.Changes) == 0 {
			r.Action = orchestrators.ActionUnchanged
		}
	}
	return r, nil
}

// serverSideApply applies desired as BCS. When every conflict is with
// BCS's own earlier mutations, a forced second attempt takes the fields
// over; a field another manager grabbed in the instant between the two
// attempts would be taken too, a window of one round trip. Any other owner
// makes it an ErrConflict, unless force.
func (o *Orchestrator) serverSideApply(ctx context.Context, t target, desired *unstructured.Unstructured, dryRun, force bool) (*unstructured.Unstructured, error) {
	obj := t.ref.String()
	opts := metav1.ApplyOptions{FieldManager: FieldManager, Force: force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	after, err := t.res.Apply(ctx, t.ref.Name, desired, opts)
	if cs := applyConflicts(obj, err); cs != nil {
		if others := foreign(cs); len(others) > 0 {
			return nil, conflictError(others, err)
		}
		opts.Force = true
		after, err = t.res.Apply(ctx, t.ref.Name, desired, opts)
	}
	if ns, ok := namespaceMissing(err); ok {
		return nil, orchestrators.BadInput(obj, "namespace %q does not exist", ns)
	}
	if err != nil {
		return nil, classify(obj, err)
	}
	return after, nil
}
