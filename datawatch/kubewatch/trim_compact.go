package kubewatch

import (
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// cachedPod is what the pod informer's cache holds of a pod: the fields
// project reads. A corev1.Pod is 1,240 bytes before any of its strings,
// and each container adds 408 and each status 208, however little of it
// trim leaves; a cluster's pods are most of what datawatch holds, for as
// long as they live.
type cachedPod struct {
	metav1.TypeMeta
	metav1.ObjectMeta // name, namespace, labels, owners, deletion, resourceVersion
	NodeName          string
	Phase             corev1.PodPhase
	PodIP, HostIP     string
	StartTime         *metav1.Time
	Images            []string // the containers' images, in order
	Containers        []string // their names
	Restarts          []int32  // restart count per container status
}

func compactPod(p *corev1.Pod) *cachedPod {
	c := &cachedPod{TypeMeta: p.TypeMeta, ObjectMeta: compactMeta(p.ObjectMeta), NodeName: shared.str(p.Spec.NodeName),
		Phase: corev1.PodPhase(shared.str(string(p.Status.Phase))), PodIP: p.Status.PodIP, HostIP: shared.str(p.Status.HostIP),
		StartTime: p.Status.StartTime, Images: make([]string, len(p.Spec.Containers)), Containers: make([]string, len(p.Spec.Containers))}
	for i, ct := range p.Spec.Containers {
		c.Images[i], c.Containers[i] = shared.str(ct.Image), shared.str(ct.Name)
	}
	if len(p.Status.ContainerStatuses) > 0 {
		c.Restarts = make([]int32, len(p.Status.ContainerStatuses))
		for i, cs := range p.Status.ContainerStatuses {
			c.Restarts[i] = cs.RestartCount
		}
	}
	return c
}

// compactMeta keeps of an object's metadata what project and the informer
// read: its key, version, labels, deletion and controlling owner.
func compactMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	out := metav1.ObjectMeta{Name: m.Name, Namespace: shared.str(m.Namespace), UID: m.UID, ResourceVersion: m.ResourceVersion,
		Labels: shared.labels(m.Labels), DeletionTimestamp: m.DeletionTimestamp}
	for _, o := range m.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			out.OwnerReferences = []metav1.OwnerReference{{Kind: shared.str(o.Kind), Name: shared.str(o.Name), Controller: o.Controller}}
			break
		}
	}
	return out
}

// pod is the cached pod as the corev1.Pod project reads, made per sync
// and dropped after it.
func (c *cachedPod) pod() *corev1.Pod {
	p := &corev1.Pod{TypeMeta: c.TypeMeta, ObjectMeta: c.ObjectMeta,
		Spec:   corev1.PodSpec{NodeName: c.NodeName, Containers: make([]corev1.Container, len(c.Images))},
		Status: corev1.PodStatus{Phase: c.Phase, PodIP: c.PodIP, HostIP: c.HostIP, StartTime: c.StartTime}}
	for i := range c.Images {
		p.Spec.Containers[i] = corev1.Container{Name: c.Containers[i], Image: c.Images[i]}
	}
	if c.Restarts != nil {
		p.Status.ContainerStatuses = make([]corev1.ContainerStatus, len(c.Restarts))
		for i, n := range c.Restarts {
			p.Status.ContainerStatuses[i] = corev1.ContainerStatus{RestartCount: n}
		}
	}
	return p
}

// DeepCopyObject makes cachedPod a runtime.Object, which the informer's
// store requires.
func (c *cachedPod) DeepCopyObject() runtime.Object {
	out := *c
	c.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if c.StartTime != nil {
		t := *c.StartTime
		out.StartTime = &t
	}
	out.Images = append([]string(nil), c.Images...)
	out.Containers = append([]string(nil), c.Containers...)
	if c.Restarts != nil {
		out.Restarts = append([]int32(nil), c.Restarts...)
	}
	return &out
}

// cachedEvent is what the event informer's cache holds of an Event. A
// rollout writes one or more events per pod (the ReplicaSet's
// SuccessfulCreate, the scheduler's Scheduled …), each a 600-byte
// corev1.Event with source, series, related object and timestamps that
// BCS does not read.
type cachedEvent struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Type, Reason, Message  string
	Count                  int32
	InvolvedKind, Involved string
}

func compactEvent(e *corev1.Event) *cachedEvent {
	c := &cachedEvent{TypeMeta: e.TypeMeta, ObjectMeta: compactMeta(e.ObjectMeta), Type: e.Type, Reason: e.Reason, Message: e.Message,
		Count: e.Count, InvolvedKind: e.InvolvedObject.Kind, Involved: e.InvolvedObject.Name}
	return c
}

func (c *cachedEvent) event() *corev1.Event {
	return &corev1.Event{TypeMeta: c.TypeMeta, ObjectMeta: c.ObjectMeta, Type: c.Type, Reason: c.Reason, Message: c.Message,
		Count: c.Count, InvolvedObject: corev1.ObjectReference{Kind: c.InvolvedKind, Name: c.Involved}}
}

func (c *cachedEvent) DeepCopyObject() runtime.Object {
	out := *c
	c.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return &out
}

// shared hands out one copy of what the pods of a workload repeat — label
// sets, namespace, node, owner, images — instead of the copy each decoded
// pod brings. The cache's objects are never written to (informers' rule),
// so sharing a label map between pods is safe. Bounded: a full table
// starts over, which costs sharing, not correctness.
var shared = &internTable{strs: map[string]string{}, sets: map[string]map[string]string{}}

const internMax = 4096

type internTable struct {
	mu   sync.Mutex
	strs map[string]string
	sets map[string]map[string]string // by the set's canonical spelling
}

func (t *internTable) str(s string) string {
	if s == "" {
		return s
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.strs[s]; ok {
		return c
	}
	if len(t.strs) >= internMax {
		clear(t.strs)
	}
	t.strs[s] = s
	return s
}

func (t *internTable) labels(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(m[k])
		b.WriteByte(0)
	}
	key := b.String()
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.sets[key]; ok {
		return c
	}
	if len(t.sets) >= internMax {
		clear(t.sets)
	}
	t.sets[key] = m
	return m
}
