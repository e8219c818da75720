// Package changelog writes observed cluster state and the revisioned change
// log, and reads the log back.
//
// # Writing
//
// A Writer takes Events from sources (informers, the Mesos watcher) and
// applies them in batches, one database transaction per batch. Each batch
// upserts or deletes the observed rows (Workload, Pod, ClusterNode,
// Namespace; other kinds only go to the log) and appends one Change per
// effective event.
//
// Ordering guarantees:
//
//   - Revisions are global, gap-free and strictly increasing. On PostgreSQL
//     every batch takes one transaction-scoped advisory lock before it reads
//     MAX(revision), so batches from any number of writers and replicas commit
//     in revision order; on SQLite the IMMEDIATE transaction serialises
//     writers the same way. A reader that sees revision n therefore also sees
//     every revision below n that has not been compacted.
//   - Events are applied in the order Submit accepted them (one queue, one
//     applying goroutine), so each object's changes keep their source order.
//     Resync requests travel through the same queue, so a resync never
//     overtakes or is overtaken by an event submitted around it.
//
// Noise: an event whose projection (Event.Object) equals what is stored for
// the object produces no Change and no row write: resync no-ops and updates
// that only touch fields the source stripped (a Node's heartbeat) vanish
// here. The Change type is derived from storage, not trusted from the source:
// an ADDED for a known object is a MODIFIED (or nothing), a DELETED for an
// unknown object is nothing. This also makes retried batches idempotent.
//
// Backpressure: the queue is bounded and Submit blocks (honouring its
// context) while it is full. Nothing is ever dropped for being slow; a batch
// that fails is retried with backoff until it commits or the Writer stops.
// Only malformed events (refused by Submit) and events for clusters that do
// not exist (logged and counted in Stats.Rejected) are not written.
//
// The Writer keeps a cache of what is stored (a hash of each object's
// projection, its row ID and latest revision), loaded per cluster and kind
// from the log on first use. Each batch compares, inside its locked
// transaction, the cluster's highest revision with the one the cache last
// wrote; any difference (another writer touched the cluster) drops the
// cluster's cache so it is reloaded. One writer per cluster (package lease)
// keeps that from happening in normal operation. The cache costs roughly
// 200 bytes per stored object (30 MB for 150,000 pods).
//
// # Retention
//
// Compact drops old Changes by age and count, but like etcd it keeps the
// latest Change of every object that still exists: the log doubles as the
// stored state of kinds that have no table of their own (Services, Events,
// ReplicaSets…), which noise filtering and Resync need. Compaction therefore
// leaves gaps below the newest retained run; since revisions are gap-free,
// a gap can only mean compaction. List, Oldest and the hub use exactly that:
// a `since` is servable only if every revision after it is still present,
// otherwise the answer is ErrRevisionCompacted and the client must re-list.
package changelog
