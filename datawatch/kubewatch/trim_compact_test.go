package kubewatch

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
)

// The cache holds the compact types, keyed as the pods and events they
// stand for, and their copies share nothing with them.
func TestCompactTypesInTheCache(t *testing.T) {
	pod := fullPod(3)
	trimmed, _ := trim(pod.DeepCopy())
	c, ok := trimmed.(*cachedPod)
	if !ok {
		t.Fatalf("trim(pod) is %T", trimmed)
	}
	if k, _ := cache.MetaNamespaceKeyFunc(c); k != "shop/"+pod.Name || c.GetResourceVersion() != pod.ResourceVersion {
		t.Fatalf("key %q, resourceVersion %q", k, c.GetResourceVersion())
	}
	cp := c.DeepCopyObject().(*cachedPod)
	if !reflect.DeepEqual(cp, c) {
		t.Fatal("copy differs")
	}
	cp.Labels["app"], cp.Images[0], cp.Restarts[0], cp.StartTime.Time = "other", "other", 9, cp.StartTime.AddDate(1, 0, 0)
	if c.Labels["app"] != "web" || c.Images[0] != "nginx:1.25" || c.Restarts[0] != 2 || !c.StartTime.Equal(pod.Status.StartTime) {
		t.Fatalf("the copy shares with the cached pod: %+v", c)
	}

	ev := &corev1.Event{ObjectMeta: pod.ObjectMeta, Type: "Normal", Reason: "Scheduled", Message: "assigned", Count: 1,
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: pod.Name, UID: "u"}, Source: corev1.EventSource{Component: "scheduler"}}
	te, _ := trim(ev.DeepCopy())
	ce, ok := te.(*cachedEvent)
	if !ok {
		t.Fatalf("trim(event) is %T", te)
	}
	ecp := ce.DeepCopyObject().(*cachedEvent)
	ecp.Labels["app"] = "other"
	if ce.Labels["app"] != "web" || !reflect.DeepEqual(ecp.event().InvolvedObject, corev1.ObjectReference{Kind: "Pod", Name: pod.Name}) {
		t.Fatalf("event copy: %+v", ce)
	}
}

// Pods of one ReplicaSet share one label map and one copy of the strings
// they repeat; a pod with other labels gets its own.
func TestPodsOfAWorkloadShareWhatTheyRepeat(t *testing.T) {
	a, _ := trim(fullPod(1))
	second := fullPod(2) // as decoded: strings of its own
	second.Namespace, second.Spec.Containers[0].Image = strings.Clone(second.Namespace), strings.Clone(second.Spec.Containers[0].Image)
	b, _ := trim(second)
	other := fullPod(3)
	other.Labels = map[string]string{"app": "db"}
	c, _ := trim(other)
	pa, pb, pc := a.(*cachedPod), b.(*cachedPod), c.(*cachedPod)
	same := func(x, y map[string]string) bool {
		return reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	}
	if !same(pa.Labels, pb.Labels) || same(pa.Labels, pc.Labels) || pc.Labels["app"] != "db" {
		t.Fatalf("label maps: %v %v %v", pa.Labels, pb.Labels, pc.Labels)
	}
	if unsafe.StringData(pa.Namespace) != unsafe.StringData(pb.Namespace) || unsafe.StringData(pa.Images[0]) != unsafe.StringData(pb.Images[0]) {
		t.Fatal("namespace or image not shared")
	}
}
