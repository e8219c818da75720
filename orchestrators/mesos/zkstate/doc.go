// Package zkstate keeps the Mesos framework's state in ZooKeeper: the
// source of truth from which a newly elected scheduler resumes exactly
// where the last one stopped.
//
// # Layout
//
// Under a root per cluster, by default /bcs/mesos/<cluster>:
//
//	framework_id                          the Mesos FrameworkID (plain text)
//	apps/<ns>.<name>                      AppRecord: target version, instance count,
//	                                      per-instance restart bookkeeping, deleting flag
//	apps/<ns>.<name>/versions/<%010d>     VersionRecord: one application spec per change
//	                                      (the last MaxVersions are kept, for rollback)
//	apps/<ns>.<name>/tasks/<task id>      TaskRecord: one launched task, written before
//	                                      its LAUNCH, removed once it is terminal and handled
//	deployments/<id>                      DeploymentRecord: a rolling update in progress
//	leader/_c_<guid>-lock-<seq>           election candidates (zkutil.Election)
//
// Every node is one object of a few hundred bytes to a few KiB; a spec is
// limited to spec.MaxSpecBytes (256 KiB), so no node comes near ZooKeeper's
// 1 MB jute.maxbuffer (Marathon's single group node outgrew it; this layout
// has no node that grows with the number of apps or tasks).
//
// # Writes
//
// All writes go through one ordered queue. Apply waits for its operations
// (used for desired-state changes and for tasks before their LAUNCH);
// Enqueue returns at once and coalesces repeated writes to the same node
// (used for status updates, which reconciliation can always recover).
// Writes go out in ZooKeeper multi-operations of up to a few hundred nodes,
// each guarded by a check that the leader's election node still exists: a
// deposed leader cannot write, even after go-zookeeper has quietly opened a
// new session for it.
package zkstate
