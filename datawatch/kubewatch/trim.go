package kubewatch

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// trim is the informers' transform: it drops what project never reads
// before an object enters the cache, where it stays for as long as it
// lives in the cluster. A pod's managed fields, environment, probes,
// volumes and conditions are most of its size; a cluster of thousands of
// pods would otherwise hold them all for nothing. Pods and events, the
// kinds a cluster holds most of, become smaller types of their own
// (trim_compact.go). What project reads of
// an object is the same before and after (TestTrimKeepsWhatProjectReads).
func trim(obj any) (any, error) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return compactPod(o), nil
	case *corev1.Event:
		return compactEvent(o), nil
	case *appsv1.Deployment:
		trimMeta(&o.ObjectMeta, false)
		trimTemplate(&o.Spec.Template)
	case *appsv1.StatefulSet:
		trimMeta(&o.ObjectMeta, false)
		trimTemplate(&o.Spec.Template)
		o.Spec.VolumeClaimTemplates = nil
	case *appsv1.DaemonSet:
		trimMeta(&o.ObjectMeta, false)
		trimTemplate(&o.Spec.Template)
	case *appsv1.ReplicaSet:
		trimMeta(&o.ObjectMeta, true) // the revision annotation is read
		trimTemplate(&o.Spec.Template)
	case *batchv1.Job:
		trimMeta(&o.ObjectMeta, false)
		trimTemplate(&o.Spec.Template)
	case *batchv1.CronJob:
		trimMeta(&o.ObjectMeta, false)
		trimTemplate(&o.Spec.JobTemplate.Spec.Template)
	case *corev1.Node:
		trimMeta(&o.ObjectMeta, false)
		o.Status.Images = nil // often the largest part of a node
		o.Status.VolumesAttached, o.Status.VolumesInUse = nil, nil
	case metav1.Object:
		trimMeta(o, true)
	}
	return obj, nil
}

// trimMeta drops managed fields always, and annotations unless they are
// read (keepAnnotations) — then only kubectl's copy of the last applied
// object, which repeats the whole spec.
func trimMeta(m metav1.Object, keepAnnotations bool) {
	m.SetManagedFields(nil)
	if !keepAnnotations {
		m.SetAnnotations(nil)
		return
	}
	if a := m.GetAnnotations(); a[corev1.LastAppliedConfigAnnotation] != "" {
		delete(a, corev1.LastAppliedConfigAnnotation)
	}
}

func trimTemplate(t *corev1.PodTemplateSpec) {
	t.ObjectMeta = metav1.ObjectMeta{Labels: t.Labels}
	t.Spec = corev1.PodSpec{Containers: imagesOnly(t.Spec.Containers)}
}

func imagesOnly(cs []corev1.Container) []corev1.Container {
	out := make([]corev1.Container, len(cs))
	for i, c := range cs {
		out[i] = corev1.Container{Name: c.Name, Image: c.Image}
	}
	return out
}
