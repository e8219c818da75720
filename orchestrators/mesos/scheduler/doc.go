// Package scheduler is BCS's Mesos framework, the counterpart of the
// original bcs-scheduler and of Marathon: it runs applications (package
// spec) on a Mesos cluster through the v1 HTTP scheduler API (mesos-go
// v0.0.11, httpsched), keeps its state in ZooKeeper (package zkstate), and
// runs as several instances of which one leads (package zkutil).
//
// # Design
//
// A Service is one instance. It registers itself for discovery, campaigns
// for leadership and, while it leads, runs an Engine: a single goroutine
// that owns all state and reacts to Mesos events, API calls and timers.
// Each reaction ends with a plan: for every application, compare the tasks
// with the desired instances and version, kill what is surplus or replaced,
// and list the launches wanted (the demand). Offers are matched against the
// demand as they arrive and never held: the tasks chosen are written to
// ZooKeeper first and then launched with ACCEPT; what is left is declined.
// The framework SUPPRESSes offers when there is no demand and REVIVEs when
// there is.
//
// Because the plan is computed from state rather than from a sequence of
// steps, a rolling update of any size proceeds as fast as tasks become
// RUNNING (no per-step timeouts to stall, the original's failure above 200
// instances), pause is a flag the plan reads, and a new leader continues a
// deployment by loading the state and planning again.
//
// # Never twice
//
// A task id is persisted before its LAUNCH, so after a failover the new
// leader knows every task the old one could have launched. It subscribes
// with the stored framework id and reconciles each of them explicitly; an
// instance is replaced only when Mesos answers that its task is terminal or
// unknown (TASK_LOST). Status updates for tasks the state does not know are
// answered with a KILL. Writes are fenced by the leader's election node, so
// a deposed leader can neither persist nor, therefore, launch.
package scheduler
