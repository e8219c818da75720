// Package kubewatch feeds one Kubernetes cluster into the change log.
//
// Shared informers watch Deployments, StatefulSets, DaemonSets, Jobs,
// CronJobs, ReplicaSets, Pods, Services, Nodes, Namespaces and Events. As in
// client-go's sample-controller, event handlers only enqueue keys; workers
// read the informer's cache and submit the object's current projection (or
// its deletion) to the changelog.Writer, which filters no-ops and writes
// rows and Changes in ordered batches. A key is never processed by two
// workers at once, so each object's changes keep their order.
//
// On start, once the caches have synced, every kind is resynced against
// storage (changelog.Writer.Resync): objects added, changed or deleted while
// no watcher ran are written then, exactly once. Later relists after a watch
// expires are reconciled by the informers themselves (their replace step
// emits deletions for objects that vanished).
package kubewatch
