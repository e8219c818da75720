package kubewatch

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
)

// TestObservedTimesTheOldestWaitingEvent: the handler stamps a key when it
// queues it; events that pile onto a key already waiting keep the first
// stamp (the queue holds one key, the wait began then); the worker's take
// clears it, so the next event starts a new wait.
func TestObservedTimesTheOldestWaitingEvent(t *testing.T) {
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[key]())
	defer q.ShutDown()
	seen := newObserved()
	h := enqueuer("Pod", q, seen)
	pod := func(rv string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", ResourceVersion: rv}}
	}
	k := key{"Pod", "shop", "web"}

	h.OnAdd(pod("1"), false)
	first := seen.at[k]
	if first.IsZero() {
		t.Fatal("the handler queued the key without a time")
	}
	h.OnUpdate(pod("1"), pod("2"))
	h.OnUpdate(pod("2"), pod("2")) // a resync: not an event
	if got := seen.at[k]; !got.Equal(first) {
		t.Fatalf("a second event moved the wait's start from %v to %v", first, got)
	}
	if q.Len() != 1 {
		t.Fatalf("queue holds %d keys, want 1", q.Len())
	}
	got, _ := q.Get()
	if at := seen.take(got); !at.Equal(first) {
		t.Fatalf("take = %v, want %v", at, first)
	}
	if at := seen.take(got); !at.IsZero() {
		t.Fatalf("a second take (a retry) = %v, want zero", at)
	}
	q.Done(got)
	h.OnDelete(pod("3"))
	if at := seen.at[k]; at.Before(first) || at.IsZero() {
		t.Fatalf("the next event's time %v: want a new stamp", at)
	}
}
