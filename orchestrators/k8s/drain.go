package k8s

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/bcs-io/bcs/orchestrators"
)

const (
	defaultDrainTimeout = 2 * time.Minute
	// evictRetry paces evictions a disruption budget refused; the budget
	// allows more once replacements are Ready elsewhere.
	evictRetry = 500 * time.Millisecond
	mirrorPod  = "kubernetes.io/config.mirror"
)

// DrainNode cordons the node, then evicts its pods through the eviction
// API, which refuses (429) while a PodDisruptionBudget forbids it; refused
// evictions are retried until req.Timeout. DaemonSet and mirror pods stay,
// as with `kubectl drain --ignore-daemonsets`. Pods without a controller
// are evicted only with Force. It returns once the evicted pods are gone.
func (o *Orchestrator) DrainNode(ctx context.Context, req orchestrators.DrainRequest) (*orchestrators.DrainResult, error) {
	obj := "Node " + req.Node
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = defaultDrainTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := o.CordonNode(ctx, req.Node); err != nil {
		return nil, err
	}
	list, err := o.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", req.Node).String(),
	})
	if err != nil {
		return nil, classify(obj, err)
	}
	res := &orchestrators.DrainResult{}
	var pending []corev1.Pod
	for _, p := range list.Items {
		ctrl := metav1.GetControllerOf(&p)
		switch {
		case p.DeletionTimestamp != nil:
			pending = append(pending, p) // already going; wait for it below
		case p.Annotations[mirrorPod] != "" || (ctrl != nil && ctrl.Kind == "DaemonSet"):
			res.Skipped = append(res.Skipped, p.Namespace+"/"+p.Name)
		case ctrl == nil && !req.Force:
			return nil, orchestrators.BadInput(obj, "pod %s/%s has no controller and would be lost; drain with force to delete it", p.Namespace, p.Name)
		default:
			pending = append(pending, p)
		}
	}
	evicting := pending
	for len(pending) > 0 {
		var refused []corev1.Pod
		var last error
		for _, p := range pending {
			err := o.evict(ctx, p, req.GracePeriod)
			switch {
			case err == nil || apierrors.IsNotFound(err):
				res.Evicted = append(res.Evicted, p.Namespace+"/"+p.Name)
			case apierrors.IsTooManyRequests(err):
				refused, last = append(refused, p), err // a budget says not now
			default:
				return res, classify(obj, fmt.Errorf("evict %s/%s: %w", p.Namespace, p.Name, err))
			}
		}
		pending = refused
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return res, drainTimedOut(obj, timeout, last)
		case <-time.After(evictRetry):
		}
	}
	if err := o.waitGone(ctx, evicting); err != nil {
		return res, classify(obj, fmt.Errorf("waiting for evicted pods: %w", err))
	}
	return res, nil
}

// drainTimedOut reports the budget's refusal that kept the node from
// draining.
func drainTimedOut(obj string, timeout time.Duration, last error) error {
	e, _ := classify(obj, last).(*orchestrators.Error)
	if e == nil {
		e = &orchestrators.Error{Kind: orchestrators.ErrAPI, Object: obj}
	}
	e.Message = fmt.Sprintf("drain did not finish within %s: %s", timeout, e.Message)
	return e
}

func (o *Orchestrator) evict(ctx context.Context, p corev1.Pod, grace *int64) error {
	ev := &policyv1.Eviction{
		ObjectMeta:    metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
		DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: grace, Preconditions: &metav1.Preconditions{UID: &p.UID}},
	}
	return o.cs.CoreV1().Pods(p.Namespace).EvictV1(ctx, ev)
}

// waitGone polls until none of pods exists any more under its UID.
func (o *Orchestrator) waitGone(ctx context.Context, pods []corev1.Pod) error {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for len(pods) > 0 {
		p := pods[0]
		cur, err := o.cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) || (err == nil && cur.UID != p.UID):
			pods = pods[1:]
			continue
		case err != nil:
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), fmt.Errorf("pod %s/%s still exists", p.Namespace, p.Name))
		case <-tick.C:
		}
	}
	return nil
}
