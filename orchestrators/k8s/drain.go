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
// are evicted only with Force. It returns once the node holds none of the
// pods it evicts: a scheduler that had not yet seen the cordon may place a
// replacement there while the first ones leave, so the node is listed
// again after each round.
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
	res := &orchestrators.DrainResult{}
	for {
		skipped := res.Skipped[:0]
		pending, err := o.drainable(ctx, req, &skipped)
		res.Skipped = skipped
		if err != nil || len(pending) == 0 {
			return res, err
		}
		if err := o.evictAll(ctx, obj, timeout, req.GracePeriod, pending, res); err != nil {
			return res, err
		}
	}
}

// drainable lists the node's pods that a drain evicts (or waits for),
// appending those it leaves in place to skipped.
func (o *Orchestrator) drainable(ctx context.Context, req orchestrators.DrainRequest, skipped *[]string) ([]corev1.Pod, error) {
	obj := "Node " + req.Node
	list, err := o.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", req.Node).String(),
	})
	if err != nil {
		return nil, classify(obj, err)
	}
	var pending []corev1.Pod
	for _, p := range list.Items {
		ctrl := metav1.GetControllerOf(&p)
		switch {
		case p.DeletionTimestamp != nil:
			pending = append(pending, p) // already going; wait for it
		case p.Annotations[mirrorPod] != "" || (ctrl != nil && ctrl.Kind == "DaemonSet"):
			*skipped = append(*skipped, p.Namespace+"/"+p.Name)
		case ctrl == nil && !req.Force:
			return nil, orchestrators.BadInput(obj, "pod %s/%s has no controller and would be lost; drain with force to delete it", p.Namespace, p.Name)
		default:
			pending = append(pending, p)
		}
	}
	return pending, nil
}

// evictAll evicts pods, retrying those a budget refuses, and waits until
// they are gone.
func (o *Orchestrator) evictAll(ctx context.Context, obj string, timeout time.Duration, grace *int64, pods []corev1.Pod, res *orchestrators.DrainResult) error {
	pending := pods
	for len(pending) > 0 {
		var refused []corev1.Pod
		var last error
		for _, p := range pending {
			if p.DeletionTimestamp != nil {
				continue
			}
			err := o.evict(ctx, p, grace)
			switch {
			case err == nil || apierrors.IsNotFound(err):
				res.Evicted = append(res.Evicted, p.Namespace+"/"+p.Name)
			case apierrors.IsTooManyRequests(err):
				refused, last = append(refused, p), err // a budget says not now
			default:
				return classify(obj, fmt.Errorf("evict %s/%s: %w", p.Namespace, p.Name, err))
			}
		}
		pending = refused
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return drainTimedOut(obj, timeout, last)
		case <-time.After(evictRetry):
		}
	}
	if err := o.waitGone(ctx, pods); err != nil {
		return classify(obj, fmt.Errorf("waiting for evicted pods: %w", err))
	}
	return nil
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
