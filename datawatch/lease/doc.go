// Package lease provides named, expiring leases, so that exactly one
// replica runs a given job at a time: the datawatch of one cluster, the
// change log's compaction. They are held in the database (Store) or, where
// the replicas share a ZooKeeper, there (ZooKeeper); both run work under a
// lease the same way (Runner).
//
// In the database, every change of a lease row is a compare-and-swap: an update conditioned
// on the holder and epoch that were read, so of two replicas racing for the
// same lease exactly one update applies. The epoch grows with every
// acquisition and can fence a stale holder's writes (FromContext).
//
// Clocks: expiry is decided by the database's clock (PostgreSQL's
// clock_timestamp(); with SQLite, which is one file on one host, that
// host's clock), so replicas never compare their own clocks with each
// other. A holder never relies on the stored expiry either: it counts its
// term on its own monotonic clock from the moment it sent the acquiring or
// renewing request, which is no later than the database's "now" for that
// request, and stops its work (cancelling fn's context) a safety margin
// before that term ends. So a holder has stopped before any other replica
// can observe the lease as expired, provided clocks run at roughly the same
// rate and fn honours its context promptly.
//
// In ZooKeeper the term is the holder's session instead (see ZooKeeper),
// and the epoch is the czxid of the holder's lock node, so epochs from the
// two kinds of lease are not comparable with each other.
package lease
