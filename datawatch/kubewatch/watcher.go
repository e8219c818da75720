package kubewatch

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// Watcher syncs one cluster into the change log until its context ends.
type Watcher struct {
	ClusterID, ProjectID gid.ID
	Client               kubernetes.Interface
	Writer               *changelog.Writer
	Log                  *slog.Logger
	Workers              int // default 4

	seen *observed
}

// key names one object of one kind; the queue dedupes and orders by it.
type key struct {
	kind, namespace, name string
}

// kind is one watched resource: its informer and how to read its cache.
type kind struct {
	name     string
	informer cache.SharedIndexInformer
}

// Run starts the informers, resyncs storage once their caches are full,
// then keeps syncing until ctx ends.
func (w *Watcher) Run(ctx context.Context) error {
	defer utilruntime.HandleCrash()
	factory := informers.NewSharedInformerFactoryWithOptions(w.Client, 0, informers.WithTransform(trim))
	kinds := []kind{
		{"Deployment", factory.Apps().V1().Deployments().Informer()},
		{"StatefulSet", factory.Apps().V1().StatefulSets().Informer()},
		{"DaemonSet", factory.Apps().V1().DaemonSets().Informer()},
		{"ReplicaSet", factory.Apps().V1().ReplicaSets().Informer()},
		{"Job", factory.Batch().V1().Jobs().Informer()},
		{"CronJob", factory.Batch().V1().CronJobs().Informer()},
		{"Pod", factory.Core().V1().Pods().Informer()},
		{"Service", factory.Core().V1().Services().Informer()},
		{"Node", factory.Core().V1().Nodes().Informer()},
		{"Namespace", factory.Core().V1().Namespaces().Informer()},
		{"Event", factory.Core().V1().Events().Informer()},
	}
	queue := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[key]())
	defer queue.ShutDown()
	w.seen = newObserved()
	byName := map[string]cache.SharedIndexInformer{}
	for _, k := range kinds {
		byName[k.name] = k.informer
		if _, err := k.informer.AddEventHandler(enqueuer(k.name, queue, w.seen)); err != nil {
			return fmt.Errorf("watch %s: %w", k.name, err)
		}
	}
	// Shutdown waits for the informers, which stop only with their
	// channel: cancel it first, or a Run that fails (its first resync, on a
	// database outage) would hang here until its caller gave up the lease.
	ctx, cancel := context.WithCancel(ctx)
	factory.Start(ctx.Done())
	defer func() { cancel(); factory.Shutdown() }()
	synced := make([]cache.InformerSynced, 0, len(kinds))
	for _, k := range kinds {
		synced = append(synced, k.informer.HasSynced)
	}
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return ctx.Err()
	}
	for _, k := range kinds {
		if err := w.resync(ctx, k); err != nil {
			return err
		}
	}
	w.Log.Info("datawatch synced", "cluster", w.ClusterID)
	workers := w.Workers
	if workers <= 0 {
		workers = 4
	}
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for w.next(ctx, queue, byName) {
			}
		}()
	}
	<-ctx.Done()
	queue.ShutDown()
	for range workers {
		<-done
	}
	return nil
}

// enqueuer only turns events into keys: workers read the cache.
func enqueuer(kind string, q workqueue.TypedRateLimitingInterface[key], seen *observed) cache.ResourceEventHandler {
	add := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		ns, name, err := cache.SplitMetaNamespaceKey(mustKey(obj))
		if err == nil {
			k := key{kind, ns, name}
			seen.mark(k)
			q.Add(k)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: add,
		UpdateFunc: func(old, cur any) {
			if metaRV(old) != metaRV(cur) { // periodic resyncs repeat the same version
				add(cur)
			}
		},
		DeleteFunc: add,
	}
}

func (w *Watcher) next(ctx context.Context, q workqueue.TypedRateLimitingInterface[key], informers map[string]cache.SharedIndexInformer) bool {
	k, shutdown := q.Get()
	if shutdown {
		return false
	}
	defer q.Done(k)
	if err := w.sync(ctx, k, informers[k.kind]); err != nil {
		if ctx.Err() != nil {
			return false
		}
		if q.NumRequeues(k) < 10 {
			q.AddRateLimited(k)
			return true
		}
		w.Log.Error("datawatch: giving up on object", "cluster", w.ClusterID, "kind", k.kind, "object", k.namespace+"/"+k.name, "err", err)
	}
	q.Forget(k)
	return true
}

// sync submits the object's current state, or its deletion.
func (w *Watcher) sync(ctx context.Context, k key, inf cache.SharedIndexInformer) error {
	cacheKey := k.name
	if k.namespace != "" {
		cacheKey = k.namespace + "/" + k.name
	}
	seen := w.seen.take(k)
	obj, exists, err := inf.GetIndexer().GetByKey(cacheKey)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	ev := changelog.Event{ClusterID: w.ClusterID, ProjectID: w.ProjectID, Kind: k.kind, Namespace: k.namespace, Name: k.name, Observed: seen}
	if !exists {
		ev.Type = changelog.Deleted
	} else {
		ev.Type = changelog.Modified // the writer decides ADDED versus MODIFIED from storage
		ev.Row, ev.Object = project(obj.(runtime.Object))
		ev.ResourceVersion = metaRV(obj)
	}
	return w.Writer.Submit(ctx, ev)
}

// resync writes the difference between the informer's full list and
// storage, for one kind.
func (w *Watcher) resync(ctx context.Context, k kind) error {
	var events []changelog.Event
	for _, obj := range k.informer.GetStore().List() {
		ns, name, err := cache.SplitMetaNamespaceKey(mustKey(obj))
		if err != nil {
			continue
		}
		row, stored := project(obj.(runtime.Object))
		events = append(events, changelog.Event{ClusterID: w.ClusterID, ProjectID: w.ProjectID, Kind: k.name,
			Namespace: ns, Name: name, Type: changelog.Modified, Row: row, Object: stored, ResourceVersion: metaRV(obj)})
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := w.Writer.Resync(ctx, w.ClusterID, k.name, events); err != nil {
		return fmt.Errorf("resync %s: %w", k.name, err)
	}
	return nil
}

func mustKey(obj any) string {
	k, _ := cache.MetaNamespaceKeyFunc(obj)
	return k
}

func metaRV(obj any) string {
	if m, ok := obj.(interface{ GetResourceVersion() string }); ok {
		return m.GetResourceVersion()
	}
	return ""
}
