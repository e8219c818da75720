package k8s

import (
	"context"
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
}

// Apply server-side applies every object of the manifest. The whole
// manifest is first validated (decoding, kinds, namespaces) and then
// dry-run on the server, so a bad object anywhere changes nothing; only then
// is it applied for real. Results are those of the last pass.
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
	for _, t := range targets {
		r, err := o.applyOne(ctx, t, dryRun, force)
		if err != nil {
			return out, err
		}
		out.Objects = append(out.Objects, r)
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
	opts := metav1.ApplyOptions{FieldManager: FieldManager, Force: force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	after, err := t.res.Apply(ctx, t.ref.Name, t.obj, opts)
	if ns, ok := namespaceMissing(err); ok {
		return r, orchestrators.BadInput(obj, "namespace %q does not exist", ns)
	}
	if err != nil {
		return r, classify(obj, err)
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
