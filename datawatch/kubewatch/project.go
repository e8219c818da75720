package kubewatch

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bcs-io/bcs/datawatch/changelog"
)

// project turns an object into what BCS stores of it. Volatile fields
// (resourceVersion, managedFields, heartbeat times) are left out so that a
// node heartbeat or a resync is not a change.
func project(obj runtime.Object) (row changelog.Row, stored map[string]any) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return workloadRow(o.ObjectMeta, o.Spec.Template.Spec, ptrOr(o.Spec.Replicas, 1), o.Status.ReadyReplicas, o.Status.UpdatedReplicas, o.Status.AvailableReplicas, o.Generation == o.Status.ObservedGeneration)
	case *appsv1.StatefulSet:
		return workloadRow(o.ObjectMeta, o.Spec.Template.Spec, ptrOr(o.Spec.Replicas, 1), o.Status.ReadyReplicas, o.Status.UpdatedReplicas, o.Status.AvailableReplicas, o.Generation == o.Status.ObservedGeneration)
	case *appsv1.DaemonSet:
		return workloadRow(o.ObjectMeta, o.Spec.Template.Spec, o.Status.DesiredNumberScheduled, o.Status.NumberReady, o.Status.UpdatedNumberScheduled, o.Status.NumberAvailable, o.Generation == o.Status.ObservedGeneration)
	case *appsv1.ReplicaSet:
		return nil, meta(o.ObjectMeta, map[string]any{"replicas": ptrOr(o.Spec.Replicas, 1), "ready": o.Status.ReadyReplicas, "revision": o.Annotations["deployment.kubernetes.io/revision"], "owner": owner(o.ObjectMeta)})
	case *batchv1.Job:
		return workloadRow(o.ObjectMeta, o.Spec.Template.Spec, ptrOr(o.Spec.Completions, 1), o.Status.Succeeded, o.Status.Active, o.Status.Succeeded, true)
	case *batchv1.CronJob:
		return workloadRow(o.ObjectMeta, o.Spec.JobTemplate.Spec.Template.Spec, 0, int32(len(o.Status.Active)), 0, 0, true)
	case *corev1.Pod:
		return podRow(o)
	case *cachedPod:
		return podRow(o.pod())
	case *cachedEvent:
		return project(o.event())
	case *corev1.Node:
		return nodeRow(o)
	case *corev1.Namespace:
		row := &changelog.NamespaceRow{Status: string(o.Status.Phase), Labels: o.Labels}
		return row, meta(o.ObjectMeta, map[string]any{"phase": string(o.Status.Phase)})
	case *corev1.Service:
		ports := make([]string, len(o.Spec.Ports))
		for i, p := range o.Spec.Ports {
			ports[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		}
		return nil, meta(o.ObjectMeta, map[string]any{"type": string(o.Spec.Type), "clusterIP": o.Spec.ClusterIP, "ports": ports, "selector": o.Spec.Selector})
	case *corev1.Event:
		return nil, meta(o.ObjectMeta, map[string]any{"type": o.Type, "reason": o.Reason, "message": o.Message, "count": o.Count,
			"involved": o.InvolvedObject.Kind + "/" + o.InvolvedObject.Name})
	}
	return nil, nil
}

func workloadRow(m metav1.ObjectMeta, pod corev1.PodSpec, desired, ready, updated, available int32, observed bool) (changelog.Row, map[string]any) {
	imgs := images(pod)
	row := &changelog.WorkloadRow{Desired: int(desired), Ready: int(ready), Updated: int(updated), Available: int(available),
		Images: imgs, Labels: m.Labels,
		Spec:   map[string]any{"replicas": desired, "images": imgs},
		Status: map[string]any{"ready": ready, "updated": updated, "available": available, "observed": observed}}
	return row, meta(m, map[string]any{"desired": desired, "ready": ready, "updated": updated, "available": available, "images": imgs})
}

func podRow(p *corev1.Pod) (changelog.Row, map[string]any) {
	restarts := 0
	for _, cs := range p.Status.ContainerStatuses {
		restarts += int(cs.RestartCount)
	}
	kind, name := ownerRef(p.ObjectMeta)
	row := &changelog.PodRow{Phase: string(p.Status.Phase), NodeName: p.Spec.NodeName, PodIP: p.Status.PodIP, HostIP: p.Status.HostIP,
		Restarts: restarts, OwnerKind: kind, OwnerName: name, Images: images(p.Spec), Labels: p.Labels}
	if p.Status.StartTime != nil {
		t := p.Status.StartTime.Time
		row.StartedAt = &t
	}
	// A pod's workload is its Deployment when its ReplicaSet belongs to one;
	// the hash suffix of a Deployment's ReplicaSet name is stripped.
	if kind == "ReplicaSet" {
		if i := strings.LastIndex(name, "-"); i > 0 {
			row.WorkloadKind, row.WorkloadName = "Deployment", name[:i]
		}
	} else if kind != "" {
		row.WorkloadKind, row.WorkloadName = kind, name
	}
	if p.DeletionTimestamp != nil {
		row.Phase = "Terminating"
	}
	return row, meta(p.ObjectMeta, map[string]any{"phase": row.Phase, "node": p.Spec.NodeName, "podIP": p.Status.PodIP, "restarts": restarts})
}

func nodeRow(n *corev1.Node) (changelog.Row, map[string]any) {
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			status = map[corev1.ConditionStatus]string{corev1.ConditionTrue: "Ready", corev1.ConditionFalse: "NotReady"}[c.Status]
		}
	}
	var ip string
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			ip = a.Address
		}
	}
	var roles, taints []string
	for k := range n.Labels {
		if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok {
			roles = append(roles, r)
		}
	}
	sort.Strings(roles)
	for _, t := range n.Spec.Taints {
		taints = append(taints, fmt.Sprintf("%s=%s:%s", t.Key, t.Value, t.Effect))
	}
	row := &changelog.NodeRow{Status: status, Unschedulable: n.Spec.Unschedulable, InternalIP: ip, Version: n.Status.NodeInfo.KubeletVersion,
		Roles: roles, Taints: taints, Labels: n.Labels, Capacity: quantities(n.Status.Capacity), Allocatable: quantities(n.Status.Allocatable)}
	return row, meta(n.ObjectMeta, map[string]any{"status": status, "unschedulable": n.Spec.Unschedulable, "taints": taints})
}

func meta(m metav1.ObjectMeta, extra map[string]any) map[string]any {
	out := map[string]any{"name": m.Name}
	if m.Namespace != "" {
		out["namespace"] = m.Namespace
	}
	if len(m.Labels) > 0 {
		out["labels"] = m.Labels
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func images(p corev1.PodSpec) []string {
	out := make([]string, 0, len(p.Containers))
	for _, c := range p.Containers {
		out = append(out, c.Image)
	}
	return out
}

func quantities(l corev1.ResourceList) map[string]string {
	out := make(map[string]string, len(l))
	for k, v := range l {
		out[string(k)] = v.String()
	}
	return out
}

func ownerRef(m metav1.ObjectMeta) (string, string) {
	for _, o := range m.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			return o.Kind, o.Name
		}
	}
	return "", ""
}

func owner(m metav1.ObjectMeta) string {
	k, n := ownerRef(m)
	if k == "" {
		return ""
	}
	return k + "/" + n
}

func ptrOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}
