package kubewatch

import (
	"reflect"
	"testing"

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
