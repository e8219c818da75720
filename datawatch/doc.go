// Package datawatch keeps BCS's observed cluster state and its change log in
// step with the clusters themselves. It is the only writer of observed state
// (Workload, Pod, ClusterNode, Namespace rows) and of the change log.
//
// The storage side lives in sub-packages:
//
//   - changelog: the batched Writer that turns observed object events into
//     row upserts/deletes plus Changes with global, gap-free revisions, the
//     ordered Resync that repairs drift, and the Log reader with retention.
//   - hub: in-process fan-out of committed Changes to subscribers, with
//     replay from a revision, bounded per-subscriber buffers and cross-replica
//     wake-ups through PostgreSQL LISTEN/NOTIFY.
//   - lease: named database leases, so that exactly one replica watches a
//     given cluster at a time.
//
// Sources (Kubernetes informers, the Mesos watcher) only build
// changelog.Events and submit them; they never touch storage directly.
package datawatch
